package org.odf2nna.harness.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.odf2nna.api.Rows;
import org.odf2nna.api.Training;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.InputPrefix;
import org.odf2nna.network.OutputHead;
import org.odf2nna.settings.Task;
import org.odf2nna.settings.TrainingOptions;

/**
 * One retraining problem on disk, so that TensorFlow Java and PyTorch train exactly the same network from
 * the same starting weights on the same rows: {@code meta.json} (layers, activations, loss and task, settings) and
 * little-endian float32 files {@code x.f32}, {@code y.f32} (training rows and targets), {@code vx.f32},
 * {@code vy.f32} (validation), {@code weights.f32} (W then b of each layer, W row-major
 * {@code [inputs][units]}, so {@code y = x·W + b}). Read by scripts/bench/bench_retrain_torch.py too.
 */
public final class RetrainFiles {

    /** A problem read back: {@link Training#problem}'s, with the options it is trained with. */
    public record Problem(Training.Problem problem, TrainingOptions options) {
    }

    private RetrainFiles() {
    }

    public static void write(Path dir, Training.Problem problem, TrainingOptions options) {
        DenseNetwork network = problem.network();
        Rows train = problem.training();
        Rows validation = problem.validation();
        try {
            Files.createDirectories(dir);
            JsonObject meta = new JsonObject();
            meta.addProperty("rows", train.count());
            meta.addProperty("width", train.width());
            meta.addProperty("validationRows", validation.count());
            meta.addProperty("outputs", network.outputs());
            meta.addProperty("loss", problem.loss());
            meta.addProperty("task", problem.task().name());
            meta.addProperty("epochs", options.epochs());
            meta.addProperty("batchSize", options.batchSize());
            meta.addProperty("learningRate", options.learningRate());
            meta.addProperty("seed", options.seed());
            JsonArray layers = new JsonArray();
            List<float[]> weights = new ArrayList<>();
            for (DenseLayer layer : network.layers()) {
                JsonObject l = new JsonObject();
                l.addProperty("inputs", layer.inputs());
                l.addProperty("units", layer.units());
                l.addProperty("activation", layer.activation().kind().name());
                l.addProperty("alpha", layer.activation().alpha());
                l.addProperty("beta", layer.activation().beta());
                layers.add(l);
                weights.add(layer.weights());
                weights.add(layer.bias());
            }
            meta.add("layers", layers);
            Files.writeString(dir.resolve("meta.json"), meta.toString(), StandardCharsets.UTF_8);
            writeFloats(dir.resolve("x.f32"), List.of(train.features()));
            writeFloats(dir.resolve("y.f32"), List.of(train.targets()));
            writeFloats(dir.resolve("vx.f32"), List.of(validation.features()));
            writeFloats(dir.resolve("vy.f32"), List.of(validation.targets()));
            writeFloats(dir.resolve("weights.f32"), weights);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Problem read(Path dir) {
        try {
            JsonObject meta = JsonParser.parseString(Files.readString(dir.resolve("meta.json"))).getAsJsonObject();
            int rows = meta.get("rows").getAsInt();
            int width = meta.get("width").getAsInt();
            int validationRows = meta.get("validationRows").getAsInt();
            float[] all = readFloats(dir.resolve("weights.f32"));
            List<DenseLayer> layers = new ArrayList<>();
            int at = 0;
            for (var element : meta.getAsJsonArray("layers")) {
                JsonObject l = element.getAsJsonObject();
                int inputs = l.get("inputs").getAsInt();
                int units = l.get("units").getAsInt();
                float[] w = java.util.Arrays.copyOfRange(all, at, at + inputs * units);
                at += inputs * units;
                float[] b = java.util.Arrays.copyOfRange(all, at, at + units);
                at += units;
                Activation a = new Activation(Activation.Kind.valueOf(l.get("activation").getAsString()),
                        l.get("alpha").getAsFloat(), l.get("beta").getAsFloat());
                layers.add(new DenseLayer(inputs, units, w, b, a));
            }
            if (at != all.length) {
                throw new IllegalStateException(dir + "/weights.f32 holds " + all.length + " values, the layers " + at);
            }
            DenseNetwork network = new DenseNetwork(InputPrefix.NONE, layers, OutputHead.NONE);
            Rows train = new Rows(slice(readFloats(dir.resolve("x.f32")), rows * width), width,
                    slice(readFloats(dir.resolve("y.f32")), rows));
            Rows validation = new Rows(slice(readFloats(dir.resolve("vx.f32")), validationRows * width), width,
                    slice(readFloats(dir.resolve("vy.f32")), validationRows));
            TrainingOptions options = new TrainingOptions(meta.get("epochs").getAsInt(), meta.get("batchSize").getAsInt(),
                    meta.get("learningRate").getAsFloat(), meta.get("seed").getAsLong(), 0);
            Task task = Task.valueOf(meta.get("task").getAsString());
            return new Problem(new Training.Problem(network, train, validation, task), options);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static float[] slice(float[] values, int n) {
        return values.length == n ? values : java.util.Arrays.copyOf(values, n);
    }

    static void writeFloats(Path file, List<float[]> arrays) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (float[] a : arrays) {
                ByteBuffer buffer = ByteBuffer.allocate(a.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                buffer.asFloatBuffer().put(a);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            }
        }
    }

    static float[] readFloats(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        float[] values = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }

    /** SHA-256 (first 16 hex digits) of a network's weights and biases, bit for bit. */
    public static String hash(DenseNetwork network) {
        try {
            java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
            for (DenseLayer layer : network.layers()) {
                for (float[] a : List.of(layer.weights(), layer.bias())) {
                    ByteBuffer buffer = ByteBuffer.allocate(a.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                    buffer.asFloatBuffer().put(a);
                    digest.update(buffer.array());
                }
            }
            StringBuilder s = new StringBuilder();
            for (byte b : digest.digest()) {
                s.append(String.format("%02x", b));
            }
            return s.substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

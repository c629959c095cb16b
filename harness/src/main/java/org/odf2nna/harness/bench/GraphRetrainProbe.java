package org.odf2nna.harness.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import org.odf2nna.Device;
import org.odf2nna.api.Rows;
import org.odf2nna.api.Training;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.TrainingOptions;

/**
 * Child process of the whole-graph retraining benchmark: retrains a {@link GraphRetrainFiles} problem with
 * {@link Training#trainGraph} (the library's {@code GraphRetrainer}) and prints the wall-clock and CPU time of every
 * epoch. Argument: the problem's directory.
 */
public final class GraphRetrainProbe {

    private GraphRetrainProbe() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        JsonObject p = JsonParser.parseString(Files.readString(dir.resolve("problem.json"))).getAsJsonObject();
        int n = p.get("rows").getAsInt();
        float[] rows = floats(dir.resolve("rows.f32"));
        float[] labels = floats(dir.resolve("labels.f32"));
        Set<String> trainable = new LinkedHashSet<>();
        p.getAsJsonArray("trainable").forEach(e -> trainable.add(e.getAsString()));
        int width = p.get("width").getAsInt();
        TrainingOptions options = new TrainingOptions(p.get("epochs").getAsInt(), p.get("batchSize").getAsInt(),
                p.get("learningRate").getAsFloat(), p.get("seed").getAsLong(), 0, Device.CPU);
        Distillation distillation = new Distillation(p.get("hardWeight").getAsDouble(),
                p.get("temperature").getAsDouble());
        EpochClock clock = new EpochClock();
        Training.Trained result = Training.trainGraph(Path.of(p.get("model").getAsString()),
                new Rows(rows, width, labels), trainable, options, distillation, p.get("validationShare").getAsDouble(),
                clock);
        JsonObject o = clock.report(result.history(), result.bestEpoch());
        System.out.println(Child.PREFIX + o.toString().replace("NaN", "null"));
        System.out.flush();
        System.exit(0);
    }

    private static float[] floats(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / 4];
        b.asFloatBuffer().get(v);
        return v;
    }
}

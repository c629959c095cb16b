package org.odf2nna.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.odf2nna.Device;
import org.odf2nna.keras.KerasModel;
import org.odf2nna.keras.KerasReader;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.OnnxRunner;

/**
 * Issue 14's acceptance on the real Keras files in ../shared/models/keras and keras_h5: each converts to ONNX whose
 * outputs (ONNX Runtime) equal a forward pass computed here from the file's own weights, and shrinks, retrains and
 * writes back as .keras with the input's layer names and weight datasets.
 */
class SharedKerasIT {

    @TempDir
    Path dir;

    static Stream<String> kerasFiles() throws IOException {
        List<String> files = new ArrayList<>();
        for (String folder : List.of("models/keras", "models/keras_h5")) {
            Path f = Shared.root().resolve(folder);
            if (!Files.isDirectory(f)) {
                continue;
            }
            try (Stream<Path> list = Files.list(f)) {
                list.map(p -> folder + "/" + p.getFileName()).filter(n -> n.endsWith(".keras") || n.endsWith(".h5"))
                        .sorted().forEach(files::add);
            }
        }
        return files.isEmpty() ? Stream.of("(../shared absent)") : files.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kerasFiles")
    void convertsExactlyShrinksRetrainsAndWritesBackAsKeras(String name) throws Exception {
        Path root = Shared.require();
        Path file = root.resolve(name);

        // 1. convert to ONNX; ONNX Runtime's outputs against a forward pass from the file's datasets.
        Path onnx = dir.resolve("converted.onnx");
        Shared.Result convert = Shared.launch(dir, "convert", file.toString(), "-o", onnx.toString());
        assertEquals(0, convert.exitCode(), convert.toString());
        OnnxDenseModel converted = DenseChainReader.read(onnx);
        int width = converted.network().inputs();
        Path rows = rows(root, width, file);
        float[] x = features(rows, width);
        int n = x.length / width;
        float[] ort;
        try (OnnxRunner runner = OnnxRunner.open(converted.model(), converted.input(), Device.CPU, onnx)) {
            ort = runner.run(x, n, width, List.of(converted.outputName())).get(converted.outputName());
        }
        double[] reference = Reference.of(file).forward(x, n);
        assertEquals(reference.length, ort.length);
        for (int k = 0; k < ort.length; k++) {
            assertEquals(reference[k], ort[k], 1e-5 * Math.max(1, Math.abs(reference[k])), name + " output " + k);
        }

        // 2. shrink, retrain, write back as .keras; read back with the input's names and datasets.
        Path out = dir.resolve("small.keras");
        Shared.Result shrink = Shared.launch(dir, "-q", "shrink", file.toString(), "--eval", rows.toString(), "--train",
                rows.toString(), "--retrain-epochs", "3", "--epsilon", "0.3", "--format", "keras", "-o", out.toString());
        assertEquals(0, shrink.exitCode(), shrink.toString());
        assertTrue(shrink.out().contains("wrote " + out), shrink.out());
        KerasModel original = KerasReader.read(file);
        KerasModel small = KerasReader.read(out);
        assertEquals(original.layerNames(), small.layerNames(), name);
        assertEquals(original.network().inputs(), small.network().inputs());
        assertEquals(original.network().outputs(), small.network().outputs());
        assertTrue(small.network().parameterCount() <= original.network().parameterCount());
        if (original.zip() != null) {
            assertEquals(original.dense().stream().map(KerasModel.DenseBinding::kernelPath).toList(),
                    small.dense().stream().map(KerasModel.DenseBinding::kernelPath).toList(), "the input's datasets");
        }
    }

    /** Iris files run on data/iris.csv; others on seeded rows labelled by the model's own argmax (or threshold). */
    private Path rows(Path root, int width, Path file) throws Exception {
        if (width == 4) {
            return root.resolve("data/iris.csv");
        }
        Reference ref = Reference.of(file);
        Random random = new Random(1);
        int n = 300;
        float[] x = new float[n * width];
        for (int k = 0; k < x.length; k++) {
            x[k] = (float) random.nextGaussian();
        }
        double[] y = ref.forward(x, n);
        int outputs = y.length / n;
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < width; i++) {
            s.append("x").append(i).append(',');
        }
        s.append("label\n");
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < width; i++) {
                s.append(String.format(Locale.ROOT, "%.6f,", x[r * width + i]));
            }
            int label = 0;
            if (outputs == 1) {
                label = y[r] > 0.5 ? 1 : 0;
            } else {
                for (int j = 1; j < outputs; j++) {
                    label = y[r * outputs + j] > y[r * outputs + label] ? j : label;
                }
            }
            s.append(label).append('\n');
        }
        return Files.writeString(dir.resolve("rows.csv"), s.toString());
    }

    private static float[] features(Path csv, int width) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        float[] x = new float[(lines.size() - 1) * width];
        for (int r = 1; r < lines.size(); r++) {
            String[] cells = lines.get(r).split(",");
            for (int i = 0; i < width; i++) {
                x[(r - 1) * width + i] = Float.parseFloat(cells[i]);
            }
        }
        return x;
    }

    /**
     * A forward pass written here, apart from the reader: the config's Dense layers in order with their
     * activations (Activation layers applied to the layer before), and their weights found the plain way: in a
     * .keras file the groups named dense, dense_1, ... in numeric order, in a legacy file the datasets under
     * model_weights/NAME whose names end in kernel and bias.
     */
    record Reference(List<float[][]> kernels, List<float[]> biases, List<List<String>> activations) {

        static Reference of(Path file) throws IOException {
            boolean zip = Files.readAllBytes(file)[0] == 'P';
            JsonObject config;
            byte[] h5;
            if (zip) {
                try (ZipFile z = new ZipFile(file.toFile())) {
                    config = JsonParser.parseString(new String(z.getInputStream(z.getEntry("config.json")).readAllBytes(),
                            StandardCharsets.UTF_8)).getAsJsonObject();
                    h5 = z.getInputStream(z.getEntry("model.weights.h5")).readAllBytes();
                }
            } else {
                h5 = Files.readAllBytes(file);
                try (HdfFile f = HdfFile.fromBytes(h5)) {
                    config = JsonParser.parseString((String) f.getAttribute("model_config").getData()).getAsJsonObject();
                }
            }
            JsonElement c = config.get("config");
            JsonArray layers = c.isJsonArray() ? c.getAsJsonArray() : c.getAsJsonObject().getAsJsonArray("layers");
            List<String> denseNames = new ArrayList<>();
            List<List<String>> activations = new ArrayList<>();
            for (JsonElement e : layers) {
                JsonObject l = e.getAsJsonObject();
                String cls = l.get("class_name").getAsString();
                JsonObject lc = l.getAsJsonObject("config");
                if (cls.equals("Dense")) {
                    denseNames.add(lc.get("name").getAsString());
                    activations.add(new ArrayList<>(List.of(lc.get("activation").getAsString())));
                } else if (cls.equals("Activation")) {
                    activations.get(activations.size() - 1).add(lc.get("activation").getAsString());
                }
            }
            List<float[][]> kernels = new ArrayList<>();
            List<float[]> biases = new ArrayList<>();
            try (HdfFile f = HdfFile.fromBytes(h5)) {
                if (zip) {
                    List<Group> groups = new ArrayList<>();
                    for (Node node : f.getChildren().values()) {
                        if (node.getName().equals("layers")) {
                            for (Node g : ((Group) node).getChildren().values()) {
                                if (g.getName().startsWith("dense")) {
                                    groups.add((Group) g);
                                }
                            }
                        } else if (node.getName().startsWith("layers\\dense")) {
                            groups.add((Group) node);
                        }
                    }
                    groups.sort(Comparator.comparingInt(Reference::suffix));
                    for (Group g : groups) {
                        Group vars = (Group) g.getChild("vars");
                        kernels.add((float[][]) ((Dataset) vars.getChild("0")).getData());
                        biases.add((float[]) ((Dataset) vars.getChild("1")).getData());
                    }
                } else {
                    for (String name : denseNames) {
                        List<Dataset> found = new ArrayList<>();
                        collect((Group) f.getByPath("model_weights/" + name), found);
                        for (Dataset d : found) {
                            if (d.getName().startsWith("kernel")) {
                                kernels.add((float[][]) d.getData());
                            }
                        }
                        for (Dataset d : found) {
                            if (d.getName().startsWith("bias")) {
                                biases.add((float[]) d.getData());
                            }
                        }
                    }
                }
            }
            return new Reference(kernels, biases, activations);
        }

        private static int suffix(Group g) {
            String n = g.getName();
            int u = n.lastIndexOf('_');
            return u < 0 || !Character.isDigit(n.charAt(n.length() - 1)) ? 0 : Integer.parseInt(n.substring(u + 1));
        }

        private static void collect(Group g, List<Dataset> out) {
            for (Node n : g.getChildren().values()) {
                if (n instanceof Dataset d) {
                    out.add(d);
                } else if (n instanceof Group sub) {
                    collect(sub, out);
                }
            }
        }

        double[] forward(float[] x, int rows) {
            int width = kernels.get(0).length;
            double[] out = null;
            for (int r = 0; r < rows; r++) {
                double[] h = new double[width];
                for (int i = 0; i < width; i++) {
                    h[i] = x[r * width + i];
                }
                for (int l = 0; l < kernels.size(); l++) {
                    float[][] w = kernels.get(l);
                    double[] next = new double[w[0].length];
                    for (int j = 0; j < next.length; j++) {
                        double s = biases.get(l)[j];
                        for (int i = 0; i < h.length; i++) {
                            s += h[i] * w[i][j];
                        }
                        next[j] = s;
                    }
                    for (String a : activations.get(l)) {
                        apply(next, a);
                    }
                    h = next;
                }
                if (out == null) {
                    out = new double[rows * h.length];
                }
                System.arraycopy(h, 0, out, r * h.length, h.length);
            }
            return out;
        }

        private static void apply(double[] v, String a) {
            switch (a) {
                case "relu" -> {
                    for (int j = 0; j < v.length; j++) {
                        v[j] = Math.max(0, v[j]);
                    }
                }
                case "sigmoid" -> {
                    for (int j = 0; j < v.length; j++) {
                        v[j] = 1 / (1 + Math.exp(-v[j]));
                    }
                }
                case "tanh" -> {
                    for (int j = 0; j < v.length; j++) {
                        v[j] = Math.tanh(v[j]);
                    }
                }
                case "softmax" -> {
                    double max = Double.NEGATIVE_INFINITY;
                    for (double d : v) {
                        max = Math.max(max, d);
                    }
                    double sum = 0;
                    for (int j = 0; j < v.length; j++) {
                        v[j] = Math.exp(v[j] - max);
                        sum += v[j];
                    }
                    for (int j = 0; j < v.length; j++) {
                        v[j] /= sum;
                    }
                }
                case "linear" -> {
                }
                default -> throw new IllegalArgumentException("activation " + a + " not in this test's reference");
            }
        }
    }
}

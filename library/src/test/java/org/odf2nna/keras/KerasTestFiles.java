package org.odf2nna.keras;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Builds Keras-shaped model files in code, the way Keras lays them out, so that tests run without ../shared: a
 * Keras 3 {@code .keras} (weight groups named by class order, {@code layers/dense/vars/0}), a Keras 2.15 one
 * written on Windows ({@code layers\dense} at the root) and a legacy HDF5 {@code .h5} ({@code model_config}
 * attribute, {@code model_weights/<layer>} groups listing {@code weight_names}). It also computes the model's
 * outputs in plain double arithmetic from the arrays it wrote, as a reference independent of the reader.
 */
public final class KerasTestFiles {

    private KerasTestFiles() {
    }

    /** One Keras layer: its class, its config, and its weight arrays in Keras' order (with shapes). */
    public record Layer(String className, JsonObject config, List<float[]> weights, List<int[]> shapes) {
        String name() {
            return config.get("name").getAsString();
        }
    }

    public static Layer input(String name, int width) {
        JsonObject c = new JsonObject();
        JsonArray shape = new JsonArray();
        shape.add(JsonNull.INSTANCE);
        shape.add(width);
        c.add("batch_shape", shape);
        c.addProperty("dtype", "float32");
        c.addProperty("sparse", false);
        c.addProperty("name", name);
        return new Layer("InputLayer", c, List.of(), List.of());
    }

    public static Layer dense(String name, int inputs, int units, String activation, boolean bias, long seed) {
        JsonObject c = new JsonObject();
        c.addProperty("name", name);
        c.addProperty("trainable", true);
        c.addProperty("dtype", "float32");
        c.addProperty("units", units);
        c.addProperty("activation", activation);
        c.addProperty("use_bias", bias);
        c.add("kernel_regularizer", JsonNull.INSTANCE);
        Random random = new Random(seed);
        float[] kernel = new float[inputs * units];
        for (int k = 0; k < kernel.length; k++) {
            kernel[k] = (float) (random.nextGaussian() / Math.sqrt(inputs));
        }
        List<float[]> weights = new ArrayList<>(List.of(kernel));
        List<int[]> shapes = new ArrayList<>(List.of(new int[] {inputs, units}));
        if (bias) {
            float[] b = new float[units];
            for (int j = 0; j < units; j++) {
                b[j] = (float) (0.1 * random.nextGaussian());
            }
            weights.add(b);
            shapes.add(new int[] {units});
        }
        return new Layer("Dense", c, weights, shapes);
    }

    public static Layer batchNorm(String name, int width, long seed) {
        JsonObject c = new JsonObject();
        c.addProperty("name", name);
        c.addProperty("axis", -1);
        c.addProperty("epsilon", 0.001);
        c.addProperty("center", true);
        c.addProperty("scale", true);
        Random random = new Random(seed);
        float[] gamma = new float[width];
        float[] beta = new float[width];
        float[] mean = new float[width];
        float[] variance = new float[width];
        for (int j = 0; j < width; j++) {
            gamma[j] = (float) (0.5 + random.nextDouble());
            beta[j] = (float) (0.2 * random.nextGaussian());
            mean[j] = (float) (0.3 * random.nextGaussian());
            variance[j] = (float) (0.2 + random.nextDouble());
        }
        int[] shape = {width};
        return new Layer("BatchNormalization", c, List.of(gamma, beta, mean, variance),
                List.of(shape, shape, shape, shape));
    }

    /** A weightless layer (Dropout, Flatten, Activation, Conv2D for errors, ...) with extra config fields. */
    public static Layer plain(String className, String name, String... keyValues) {
        JsonObject c = new JsonObject();
        c.addProperty("name", name);
        for (int k = 0; k + 1 < keyValues.length; k += 2) {
            c.addProperty(keyValues[k], keyValues[k + 1]);
        }
        return new Layer(className, c, List.of(), List.of());
    }

    /** The Keras 3 config of a Sequential model of these layers. */
    public static JsonObject sequentialConfig(List<Layer> layers) {
        JsonArray list = new JsonArray();
        for (Layer l : layers) {
            JsonObject o = new JsonObject();
            o.addProperty("module", "keras.layers");
            o.addProperty("class_name", l.className());
            o.add("config", l.config().deepCopy());
            o.add("registered_name", JsonNull.INSTANCE);
            // A Dense's input width is its kernel's first axis; a convolution's input shape is not in its kernel, so
            // its build_config is left out (the writers record what the layers before it give).
            if (!l.shapes().isEmpty() && (l.shapes().get(0).length == 2 || l.shapes().get(0).length == 1)) {
                JsonObject build = new JsonObject();
                JsonArray shape = new JsonArray();
                shape.add(JsonNull.INSTANCE);
                shape.add(l.shapes().get(0)[0]);
                build.add("input_shape", shape);
                o.add("build_config", build);
            }
            list.add(o);
        }
        JsonObject config = new JsonObject();
        config.addProperty("name", "sequential");
        config.add("layers", list);
        JsonObject root = new JsonObject();
        root.addProperty("module", "keras");
        root.addProperty("class_name", "Sequential");
        root.add("config", config);
        root.add("registered_name", JsonNull.INSTANCE);
        return root;
    }

    /** A Keras 3 .keras file; {@code windows} names the groups {@code layers\dense} at the root as Keras 2.15 did. */
    public static Path keras(Path file, List<Layer> layers, boolean windows) throws IOException {
        return keras(file, sequentialConfig(layers), layers, windows);
    }

    public static Path keras(Path file, JsonObject config, List<Layer> layers, boolean windows) throws IOException {
        Path h5 = Files.createTempFile(file.getParent(), "weights", ".h5");
        try (WritableHdfFile out = HdfFile.write(h5)) {
            WritableGroup root = windows ? null : out.putGroup("layers");
            Map<String, Integer> counts = new HashMap<>();
            for (Layer l : layers) {
                if (l.className().equals("InputLayer")) {
                    continue;
                }
                String base = KerasReader.snakeCase(l.className());
                int n = counts.merge(base, 1, Integer::sum) - 1;
                String group = n == 0 ? base : base + "_" + n;
                if (l.weights().isEmpty()) {
                    continue; // jhdf cannot write an empty group; Keras reads a missing one as no variables
                }
                WritableGroup vars = (windows ? out.putGroup("layers\\" + group) : root.putGroup(group)).putGroup("vars");
                for (int k = 0; k < l.weights().size(); k++) {
                    vars.putDataset(Integer.toString(k), shaped(l.weights().get(k), l.shapes().get(k)));
                }
            }
            // Optimizer state with the old shapes, which a writer must not carry over.
            out.putGroup("optimizer").putGroup("vars").putDataset("0", new float[] {1, 2, 3});
        }
        byte[] weights = Files.readAllBytes(h5);
        Files.delete(h5);
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
            entry(zip, "metadata.json", "{\"keras_version\": \"3.5.0\", \"date_saved\": \"2024-11-03@19:27:43\"}"
                    .getBytes(StandardCharsets.UTF_8));
            entry(zip, "config.json", config.toString().getBytes(StandardCharsets.UTF_8));
            entry(zip, "model.weights.h5", weights);
        }
        return file;
    }

    /** A zip with the given entries (for archives that are not Keras models). */
    public static Path zip(Path file, Map<String, byte[]> entries) throws IOException {
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                entry(zip, e.getKey(), e.getValue());
            }
        }
        return file;
    }

    private static void entry(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(bytes);
        zip.closeEntry();
    }

    /**
     * A legacy HDF5 file as Keras 2.x {@code model.save("x.h5")} writes it: the Sequential config as a list, the
     * input shape on the first layer ({@code batch_input_shape}), weights under {@code model_weights}.
     */
    public static Path legacyH5(Path file, List<Layer> layers, boolean withConfig) throws IOException {
        JsonArray list = new JsonArray();
        boolean first = true;
        for (Layer l : layers) {
            if (l.className().equals("InputLayer")) {
                continue;
            }
            JsonObject c = l.config().deepCopy();
            if (first && !l.shapes().isEmpty()) {
                JsonArray shape = new JsonArray();
                shape.add(JsonNull.INSTANCE);
                shape.add(l.shapes().get(0)[0]);
                c.add("batch_input_shape", shape);
            }
            first = false;
            JsonObject o = new JsonObject();
            o.addProperty("class_name", l.className());
            o.add("config", c);
            list.add(o);
        }
        JsonObject root = new JsonObject();
        root.addProperty("class_name", "Sequential");
        root.add("config", list);
        try (WritableHdfFile out = HdfFile.write(file)) {
            if (withConfig) {
                out.putAttribute("model_config", root.toString());
            }
            out.putAttribute("keras_version", "2.1.4");
            out.putAttribute("backend", "tensorflow");
            WritableGroup weights = out.putGroup("model_weights");
            List<String> names = new ArrayList<>();
            for (Layer l : layers) {
                if (l.className().equals("InputLayer")) {
                    continue;
                }
                names.add(l.name());
                if (l.weights().isEmpty()) {
                    continue; // see keras(): no empty groups
                }
                String[] roles = l.className().equals("Dense") ? new String[] {"kernel", "bias"}
                        : new String[] {"gamma", "beta", "moving_mean", "moving_variance"};
                WritableGroup layer = weights.putGroup(l.name());
                WritableGroup inner = layer.putGroup(l.name());
                String[] weightNames = new String[l.weights().size()];
                for (int k = 0; k < l.weights().size(); k++) {
                    weightNames[k] = l.name() + "/" + roles[k] + ":0";
                    inner.putDataset(roles[k] + ":0", shaped(l.weights().get(k), l.shapes().get(k)));
                }
                layer.putAttribute("weight_names", weightNames);
            }
            weights.putAttribute("layer_names", names.toArray(new String[0]));
        }
        return file;
    }

    private static Object shaped(float[] values, int[] shape) {
        if (shape.length == 1) {
            return values.clone();
        }
        if (shape.length > 2) {
            // A convolution kernel [k..., in, out]: nested arrays, row-major.
            int inner = values.length / shape[0];
            Object[] outer = (Object[]) java.lang.reflect.Array.newInstance(float.class, shape);
            for (int i = 0; i < shape[0]; i++) {
                outer[i] = shaped(java.util.Arrays.copyOfRange(values, i * inner, (i + 1) * inner),
                        java.util.Arrays.copyOfRange(shape, 1, shape.length));
            }
            return outer;
        }
        float[][] m = new float[shape[0]][shape[1]];
        for (int r = 0; r < shape[0]; r++) {
            System.arraycopy(values, r * shape[1], m[r], 0, shape[1]);
        }
        return m;
    }

    /** The model's outputs for {@code rows} rows of {@code x}, in double, straight from the layer list. */
    public static double[] forward(List<Layer> layers, float[] x, int rows) {
        int width = x.length / rows;
        double[][] h = new double[rows][width];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < width; i++) {
                h[r][i] = x[r * width + i];
            }
        }
        for (Layer l : layers) {
            switch (l.className()) {
                case "Dense" -> {
                    int units = l.shapes().get(0)[1];
                    float[] w = l.weights().get(0);
                    float[] b = l.weights().size() > 1 ? l.weights().get(1) : new float[units];
                    double[][] next = new double[rows][units];
                    for (int r = 0; r < rows; r++) {
                        for (int j = 0; j < units; j++) {
                            double s = b[j];
                            for (int i = 0; i < h[r].length; i++) {
                                s += h[r][i] * w[i * units + j];
                            }
                            next[r][j] = s;
                        }
                        activate(next[r], l.config().get("activation").getAsString());
                    }
                    h = next;
                }
                case "Activation" -> {
                    for (double[] row : h) {
                        activate(row, l.config().get("activation").getAsString());
                    }
                }
                case "BatchNormalization" -> {
                    double eps = l.config().get("epsilon").getAsDouble();
                    for (double[] row : h) {
                        for (int j = 0; j < row.length; j++) {
                            row[j] = (row[j] - l.weights().get(2)[j]) / Math.sqrt(l.weights().get(3)[j] + eps)
                                    * l.weights().get(0)[j] + l.weights().get(1)[j];
                        }
                    }
                }
                default -> {
                    // InputLayer, Dropout, Flatten: nothing at inference
                }
            }
        }
        double[] out = new double[rows * h[0].length];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(h[r], 0, out, r * h[r].length, h[r].length);
        }
        return out;
    }

    /** A layer's entry (class name and config) in a {@code .keras} file's config.json, found by its name. */
    public static JsonObject layerConfig(Path keras, String name) throws IOException {
        try (ZipFile zip = new ZipFile(keras.toFile())) {
            JsonObject root = JsonParser.parseString(new String(zip.getInputStream(zip.getEntry("config.json"))
                    .readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
            for (JsonElement layer : root.getAsJsonObject("config").getAsJsonArray("layers")) {
                if (layer.getAsJsonObject().getAsJsonObject("config").get("name").getAsString().equals(name)) {
                    return layer.getAsJsonObject();
                }
            }
        }
        throw new AssertionError(name + " not in " + keras);
    }

    /** The values of a dataset of a {@code .keras} file's model.weights.h5 ({@code layers/dense/vars/0}). */
    public static float[] dataset(Path keras, String path) throws IOException {
        try (ZipFile zip = new ZipFile(keras.toFile());
                HdfFile h5 = HdfFile.fromBytes(zip.getInputStream(zip.getEntry("model.weights.h5")).readAllBytes())) {
            return (float[]) h5.getDatasetByPath(path).getDataFlat();
        }
    }

    /** {@code v} through the Keras activation {@code name} (relu, tanh, sigmoid, softmax over {@code v}, linear). */
    public static void activate(double[] v, String name) {
        switch (name) {
            case "relu" -> {
                for (int j = 0; j < v.length; j++) {
                    v[j] = Math.max(0, v[j]);
                }
            }
            case "tanh" -> {
                for (int j = 0; j < v.length; j++) {
                    v[j] = Math.tanh(v[j]);
                }
            }
            case "sigmoid" -> {
                for (int j = 0; j < v.length; j++) {
                    v[j] = 1 / (1 + Math.exp(-v[j]));
                }
            }
            case "softmax" -> {
                double max = Double.NEGATIVE_INFINITY;
                for (double x : v) {
                    max = Math.max(max, x);
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
            default -> throw new IllegalArgumentException(name);
        }
    }

    /** A small classifier exercising the layer kinds: 4 → Dense(6, relu) → Dropout → Dense(5, no bias) → BN → tanh →
     *  Dense(8, relu) → BN (after the activation) → Dense(3, softmax); config names start at dense_6, as a notebook
     *  that built several models would leave them. */
    public static List<Layer> richModel() {
        return List.of(
                input("input_layer_3", 4),
                dense("dense_6", 4, 6, "relu", true, 1),
                plain("Dropout", "dropout_2", "rate", "0.5"),
                dense("dense_7", 6, 5, "linear", false, 2),
                batchNorm("batch_normalization_1", 5, 3),
                plain("Activation", "activation_4", "activation", "tanh"),
                dense("dense_8", 5, 8, "relu", true, 4),
                batchNorm("batch_normalization_2", 8, 5),
                dense("dense_9", 8, 3, "softmax", true, 6));
    }

    /** Seeded rows. */
    public static float[] rows(int rows, int width, long seed) {
        Random random = new Random(seed);
        float[] x = new float[rows * width];
        for (int k = 0; k < x.length; k++) {
            x[k] = (float) (2 * random.nextGaussian());
        }
        return x;
    }
}

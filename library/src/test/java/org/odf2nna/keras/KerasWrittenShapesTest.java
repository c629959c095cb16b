package org.odf2nna.keras;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.io.AtomicFiles;
import org.odf2nna.method.GraphSweeper;
import org.odf2nna.settings.ModelInputs;
import org.odf2nna.settings.OutputDecoding;
import org.odf2nna.settings.ShrinkFiles;
import org.odf2nna.settings.SweepSettings;

/**
 * Keras files written after pruning record the pruned widths in every shape Keras builds a layer from: a Sequential
 * CNN and a functional CNN (Conv-BN-ReLU blocks, a residual Add, GlobalAveragePooling2D, a Dense head), trained on the
 * digits and saved as {@code .keras} and {@code .h5} by {@code scripts/corpus/make_keras_cnns.py --fixtures}, pruned
 * one round and written back; and a written file whose config disagrees with itself or with its weights is refused
 * before it is moved into place.
 */
class KerasWrittenShapesTest {

    @TempDir
    Path dir;

    private static Path resource(String name) {
        try {
            return Path.of(KerasWrittenShapesTest.class.getResource("/corpus/keras-cnn/" + name).toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One round of pruning (half the parameters, so that the convolutions lose filters too), written to output. */
    private Path shrink(String model, String output) {
        Path out = dir.resolve(output);
        ShrinkFiles files = ShrinkFiles.of(resource(model), resource("rows_tiny.npz")).withOutput(out);
        GraphSweeper.shrinkOnce(files, SweepSettings.builder().share(0.5).build(), ModelInputs.NONE,
                OutputDecoding.DEFAULT, Progress.NONE);
        return out;
    }

    @Test
    void aPrunedSequentialCnnRecordsItsNewWidthsInEveryBuildConfig() throws IOException {
        for (String suffix : List.of(".keras", ".h5")) {
            Path out = shrink("seq_cnn_tiny" + suffix, "seq" + suffix);
            JsonObject before = config(resource("seq_cnn_tiny" + suffix));
            JsonObject after = config(out);
            Map<String, Long> widths = widths(after);
            assertTrue(widths.get("conv2d") < widths(before).get("conv2d"), "the first Conv2D lost filters: " + widths);
            assertDoesNotThrow(() -> KerasWrittenCheck.verify(out));
            if (suffix.equals(".h5")) {
                // A legacy .h5 records no build_config: Keras calls its layers on tensors; its weights were checked.
                continue;
            }
            // The case: conv2d_1 reads conv2d's pooled output, dense_1 reads dense's units.
            assertEquals(widths.get("conv2d"), lastOf(buildShape(after, "conv2d_1")), suffix);
            assertEquals(widths.get("dense"), lastOf(buildShape(after, "dense_1")), suffix);
            long flat = lastOf(buildShape(after, "dense"));
            assertEquals(widths.get("conv2d_1"), flat, "one position after two poolings: Flatten gives the filters");
        }
    }

    @Test
    void aPrunedFunctionalCnnRecordsItsNewWidthsInBuildConfigsAndInboundTensors() throws IOException {
        for (String suffix : List.of(".keras", ".h5")) {
            Path out = shrink("func_cnn_tiny" + suffix, "func" + suffix);
            JsonObject after = config(out);
            Map<String, Long> widths = widths(after);
            assertTrue(widths.get("block3_conv") < widths(config(resource("func_cnn_tiny" + suffix)))
                    .get("block3_conv"), "block3 lost filters: " + widths);
            assertDoesNotThrow(() -> KerasWrittenCheck.verify(out));
            if (suffix.equals(".h5")) {
                continue;
            }
            assertEquals(widths.get("block3_conv"), lastOf(buildShape(after, "block3_bn")), suffix);
            assertEquals(widths.get("block3_conv"), lastOf(buildShape(after, "hidden")), "GAP gives the channels");
            assertEquals(widths.get("hidden"), lastOf(buildShape(after, "classes")), suffix);
            assertEquals(widths.get("block1_conv"), widths.get("block2_conv"), "the residual Add ties the two blocks");
            assertEquals(widths.get("block2_conv"), lastOf(inboundShape(after, "residual", 1)), "inbound tensors");
        }
    }

    @Test
    void aWrittenFileWhoseBuildConfigIsStaleIsRefusedNamingTheLayer() throws IOException {
        Path out = shrink("seq_cnn_tiny.keras", "seq.keras");
        long original = lastOf(buildShape(config(resource("seq_cnn_tiny.keras")), "conv2d_1"));
        // What the writer wrote before: conv2d_1's build_config still the original's.
        Path stale = rewriteConfig(out, dir.resolve("stale.keras"), root -> setLast(buildShape(root, "conv2d_1"),
                original));
        IOException e = assertThrows(IOException.class, () -> KerasWrittenCheck.verify(stale));
        assertTrue(e.getMessage().contains("layer 'conv2d_1' (Conv2D)") && e.getMessage().contains("build_config"),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
    }

    @Test
    void aWrittenFileWhoseConfigDisagreesWithItsWeightsIsRefused() throws IOException {
        Path out = shrink("seq_cnn_tiny.keras", "seq.keras");
        // dense's units one more than its kernel has, and dense_1's build_config to match: only the weights disagree.
        Path wrong = rewriteConfig(out, dir.resolve("wrong.keras"), root -> {
            JsonObject dense = layer(root, "dense").getAsJsonObject("config");
            long units = dense.get("units").getAsLong() + 1;
            dense.addProperty("units", units);
            setLast(buildShape(root, "dense_1"), units);
        });
        IOException e = assertThrows(IOException.class, () -> KerasWrittenCheck.verify(wrong));
        assertTrue(e.getMessage().contains("layer 'dense' (Dense) has the weight"), e.getMessage());
    }

    @Test
    void aRefusedFileIsNotMovedIntoPlace() throws IOException {
        Path out = shrink("seq_cnn_tiny.keras", "seq.keras");
        long original = lastOf(buildShape(config(resource("seq_cnn_tiny.keras")), "conv2d_1"));
        byte[] stale = Files.readAllBytes(rewriteConfig(out, dir.resolve("stale.keras"),
                root -> setLast(buildShape(root, "conv2d_1"), original)));
        Path target = dir.resolve("sub").resolve("small.keras");
        Files.createDirectories(target.getParent());
        InputException e = assertThrows(InputException.class,
                () -> AtomicFiles.writeBytes(target, stale, KerasWrittenCheck::verify));
        assertTrue(e.getMessage().contains("small.keras") && e.getMessage().contains("conv2d_1"), e.getMessage());
        try (var left = Files.list(target.getParent())) {
            assertEquals(0, left.count(), "nothing left behind");
        }
    }

    @Test
    void aDenseHeadWrittenAfterPruningRecordsItsUnitsAndPassesTheCheck() throws IOException {
        Path file = KerasTestFiles.keras(dir.resolve("mlp.keras"), List.of(KerasTestFiles.input("x", 6),
                KerasTestFiles.dense("dense", 6, 8, "relu", true, 1), KerasTestFiles.dense("dense_1", 8, 3, "softmax",
                        true, 2)), false);
        KerasModel model = KerasReader.read(file);
        org.odf2nna.network.DenseNetwork n = model.network();
        org.odf2nna.network.DenseLayer hidden = n.layer(0);
        int keep = 5;
        float[] w0 = new float[hidden.inputs() * keep];
        for (int i = 0; i < hidden.inputs(); i++) {
            System.arraycopy(hidden.weights(), i * hidden.units(), w0, i * keep, keep);
        }
        org.odf2nna.network.DenseNetwork pruned = new org.odf2nna.network.DenseNetwork(n.prefix(), List.of(
                new org.odf2nna.network.DenseLayer(hidden.inputs(), keep, w0, java.util.Arrays.copyOf(hidden.bias(),
                        keep), hidden.activation()),
                new org.odf2nna.network.DenseLayer(keep, 3, java.util.Arrays.copyOf(n.layer(1).weights(), keep * 3),
                        n.layer(1).bias(), n.layer(1).activation())), n.head());
        Path written = dir.resolve("small.keras");
        Files.write(written, KerasWriter.write(model, pruned));
        assertEquals(keep, lastOf(buildShape(config(written), "dense_1")));
        assertDoesNotThrow(() -> KerasWrittenCheck.verify(written));
    }

    @Test
    void everyFileKerasItselfSavedPassesTheCheck() throws IOException {
        // What Keras recorded is what the walk computes: the check holds the writers to Keras' own shapes.
        List<String> files = List.of("/corpus/keras-cnn/seq_cnn_tiny.keras", "/corpus/keras-cnn/seq_cnn_tiny.h5",
                "/corpus/keras-cnn/func_cnn_tiny.keras", "/corpus/keras-cnn/func_cnn_tiny.h5",
                "/keras-edge/mnv2_tiny.keras", "/keras-edge/mnv2_tiny.h5", "/keras-edge/mnv2_head_tiny.keras",
                "/keras-edge/mnv3_tiny.keras", "/corpus/keras3-onnx/mlp.keras");
        int checked = 0;
        for (String name : files) {
            Path file;
            try {
                file = Path.of(KerasWrittenShapesTest.class.getResource(name).toURI());
            } catch (java.net.URISyntaxException e) {
                throw new IllegalStateException(e);
            }
            assertDoesNotThrow(() -> KerasWrittenCheck.verify(file), name);
            checked += file.toString().endsWith(".keras") ? recordedShapes(config(file)) : 0;
        }
        assertTrue(checked > 100, "the .keras files record shapes to compare: " + checked);
    }

    /** How many input shapes a config records (build_configs and inbound tensors). */
    private static int recordedShapes(JsonObject root) {
        int[] n = {0};
        for (KerasShapes.LayerShapes s : KerasShapes.walk(root)) {
            n[0] += KerasShapes.recordedInputs(s.layer()).size();
            KerasShapes.eachInboundTensor(s.layer().json(), (name, tensor) -> n[0]++);
        }
        return n[0];
    }

    // ---- the walk on configs written here ------------------------------------------------------------

    @Test
    void theWalkComputesConvolutionsPoolingsAndFlattenAsKerasDoes() {
        JsonObject root = JsonParser.parseString("""
                {"class_name": "Sequential", "config": {"layers": [
                  {"class_name": "InputLayer", "config": {"name": "in", "batch_shape": [null, 28, 28, 1]}},
                  {"class_name": "Conv2D", "config": {"name": "c1", "filters": 8, "kernel_size": [3, 3],
                    "strides": [1, 1], "padding": "valid"}},
                  {"class_name": "MaxPooling2D", "config": {"name": "p1", "pool_size": [2, 2], "strides": [2, 2],
                    "padding": "valid"}},
                  {"class_name": "Conv2D", "config": {"name": "c2", "filters": 12, "kernel_size": [3, 3],
                    "strides": [2, 2], "padding": "same"}},
                  {"class_name": "ZeroPadding2D", "config": {"name": "z", "padding": [[0, 1], [0, 1]]}},
                  {"class_name": "DepthwiseConv2D", "config": {"name": "d", "kernel_size": [3, 3],
                    "depth_multiplier": 2, "strides": [2, 2], "padding": "valid"}},
                  {"class_name": "Flatten", "config": {"name": "f"}},
                  {"class_name": "Reshape", "config": {"name": "r", "target_shape": [-1, 24]}},
                  {"class_name": "GlobalAveragePooling1D", "config": {"name": "g"}},
                  {"class_name": "Dense", "config": {"name": "out", "units": 10}}]}}""").getAsJsonObject();
        Map<String, String> shapes = new LinkedHashMap<>();
        for (KerasShapes.LayerShapes s : KerasShapes.walk(root)) {
            shapes.put(s.layer().name(), KerasWrittenCheck.text(s.output()));
        }
        assertEquals("(None, 26, 26, 8)", shapes.get("c1"));
        assertEquals("(None, 13, 13, 8)", shapes.get("p1"));
        assertEquals("(None, 7, 7, 12)", shapes.get("c2"));
        assertEquals("(None, 8, 8, 12)", shapes.get("z"));
        assertEquals("(None, 3, 3, 24)", shapes.get("d"));
        assertEquals("(None, 216)", shapes.get("f"));
        assertEquals("(None, 9, 24)", shapes.get("r"));
        assertEquals("(None, 24)", shapes.get("g"));
        assertEquals("(None, 10)", shapes.get("out"));
    }

    @Test
    void theWalkFollowsAFunctionalModelsInboundLayersThroughMerges() {
        JsonObject root = JsonParser.parseString("""
                {"class_name": "Functional", "config": {"layers": [
                  {"class_name": "InputLayer", "name": "in", "config": {"name": "in", "batch_shape": [null, 8, 8, 3]},
                    "inbound_nodes": []},
                  %s, %s, %s, %s]}}""".formatted(
                call("Conv2D", "a", "{\"name\": \"a\", \"filters\": 4, \"kernel_size\": 1, \"padding\": \"same\"}",
                        "in"),
                call("Conv2D", "b", "{\"name\": \"b\", \"filters\": 6, \"kernel_size\": 1, \"padding\": \"same\"}",
                        "in"),
                call("Concatenate", "cat", "{\"name\": \"cat\", \"axis\": -1}", "a", "b"),
                call("GlobalMaxPooling2D", "g", "{\"name\": \"g\", \"keepdims\": true}", "cat"))).getAsJsonObject();
        Map<String, long[]> out = new HashMap<>();
        for (KerasShapes.LayerShapes s : KerasShapes.walk(root)) {
            out.put(s.layer().name(), s.output());
        }
        assertEquals("(None, 8, 8, 10)", KerasWrittenCheck.text(out.get("cat")));
        assertEquals("(None, 1, 1, 10)", KerasWrittenCheck.text(out.get("g")));
    }

    private static String call(String kind, String name, String config, String... inputs) {
        StringBuilder args = new StringBuilder();
        for (String in : inputs) {
            args.append(args.length() == 0 ? "" : ", ").append("{\"class_name\": \"__keras_tensor__\", \"config\": "
                    + "{\"shape\": [null, 8, 8, 3], \"keras_history\": [\"" + in + "\", 0, 0]}}");
        }
        String arg = inputs.length == 1 ? args.toString() : "[" + args + "]";
        return "{\"class_name\": \"" + kind + "\", \"name\": \"" + name + "\", \"config\": " + config
                + ", \"inbound_nodes\": [{\"args\": [" + arg + "], \"kwargs\": {}}]}";
    }

    // ---- reading and rewriting configs ---------------------------------------------------------------

    /** A written file's model config (a .keras archive's config.json, an .h5's model_config). */
    private static JsonObject config(Path file) throws IOException {
        if (file.toString().endsWith(".h5")) {
            try (io.jhdf.HdfFile h5 = new io.jhdf.HdfFile(file)) {
                return JsonParser.parseString(KerasFileParts.attributeString(h5.getAttribute("model_config")))
                        .getAsJsonObject();
            }
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            return JsonParser.parseString(new String(zip.getInputStream(zip.getEntry("config.json")).readAllBytes(),
                    StandardCharsets.UTF_8)).getAsJsonObject();
        }
    }

    private Path rewriteConfig(Path archive, Path out, java.util.function.Consumer<JsonObject> change)
            throws IOException {
        JsonObject root = config(archive);
        change.accept(root);
        try (ZipFile zip = new ZipFile(archive.toFile());
                ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(out))) {
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                z.putNextEntry(new ZipEntry(e.getName()));
                z.write(e.getName().equals("config.json") ? root.toString().getBytes(StandardCharsets.UTF_8)
                        : zip.getInputStream(e).readAllBytes());
                z.closeEntry();
            }
        }
        return out;
    }

    private static JsonObject layer(JsonObject root, String name) {
        for (JsonElement e : root.getAsJsonObject("config").getAsJsonArray("layers")) {
            JsonObject l = e.getAsJsonObject();
            if (l.getAsJsonObject("config").get("name").getAsString().equals(name)) {
                return l;
            }
        }
        throw new AssertionError("no layer " + name);
    }

    private static JsonArray buildShape(JsonObject root, String name) {
        return layer(root, name).getAsJsonObject("build_config").getAsJsonArray("input_shape");
    }

    /** The recorded shape of a functional layer's {@code i}-th inbound tensor. */
    private static JsonArray inboundShape(JsonObject root, String name, int i) {
        JsonElement args = layer(root, name).getAsJsonArray("inbound_nodes").get(0).getAsJsonObject().get("args");
        JsonArray tensors = args.getAsJsonArray().get(0).getAsJsonArray();
        return tensors.get(i).getAsJsonObject().getAsJsonObject("config").getAsJsonArray("shape");
    }

    private static long lastOf(JsonArray shape) {
        return shape.get(shape.size() - 1).getAsLong();
    }

    private static void setLast(JsonArray shape, long value) {
        shape.set(shape.size() - 1, new JsonPrimitive(value));
    }

    /** Each Conv2D's filters and Dense's units, by layer name. */
    private static Map<String, Long> widths(JsonObject root) {
        Map<String, Long> out = new HashMap<>();
        for (JsonElement e : root.getAsJsonObject("config").getAsJsonArray("layers")) {
            JsonObject l = e.getAsJsonObject();
            JsonObject c = l.getAsJsonObject("config");
            switch (l.get("class_name").getAsString()) {
                case "Conv2D" -> out.put(c.get("name").getAsString(), c.get("filters").getAsLong());
                case "Dense" -> out.put(c.get("name").getAsString(), c.get("units").getAsLong());
                default -> {
                }
            }
        }
        return out;
    }
}

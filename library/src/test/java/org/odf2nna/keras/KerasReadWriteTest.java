package org.odf2nna.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.InputException;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.OutputHead;

class KerasReadWriteTest {

    static final int ROWS = 16;

    static void assertClose(double[] expected, float[] actual, double tolerance) {
        assertEquals(expected.length, actual.length);
        for (int k = 0; k < expected.length; k++) {
            assertEquals(expected[k], actual[k], tolerance * Math.max(1, Math.abs(expected[k])), "value " + k);
        }
    }

    @Test
    void keras3FileIsReadByClassOrderGroupsWithBatchNormalizationFolded(@TempDir Path dir) throws IOException {
        List<KerasTestFiles.Layer> layers = KerasTestFiles.richModel();
        KerasModel model = KerasReader.read(KerasTestFiles.keras(dir.resolve("rich.keras"), layers, false));

        DenseNetwork n = model.network();
        assertEquals("4-6-5-8-3", n.architecture());
        assertEquals(OutputHead.SOFTMAX, n.head());
        assertEquals(List.of(Activation.RELU, Activation.TANH, Activation.RELU, Activation.IDENTITY),
                n.layers().stream().map(DenseLayer::activation).toList());
        assertEquals(List.of("dense_6", "dense_7", "dense_8", "dense_9"), model.layerNames());
        // dense_6 is the first Dense, so its weights are in layers/dense whatever the config calls it.
        assertEquals("layers/dense/vars/0", model.layout().dense().get(0).kernelPath());
        assertEquals("layers/dense_3/vars/1", model.layout().dense().get(3).biasPath());
        assertNull(model.layout().dense().get(1).biasPath(), "dense_7 has use_bias=False");
        assertEquals("input_layer_3", model.inputName());
        assertEquals("3.5.0", model.sourceFile().kerasVersion());

        float[] x = KerasTestFiles.rows(ROWS, 4, 7);
        assertClose(KerasTestFiles.forward(layers, x, ROWS), n.forward(x, ROWS), 1e-5);
    }

    @Test
    void keras215WindowsGroupsAndLegacyH5AreReadToTheSameNetwork(@TempDir Path dir) throws IOException {
        List<KerasTestFiles.Layer> layers = List.of(
                KerasTestFiles.dense("dense_1", 4, 7, "linear", true, 11),
                KerasTestFiles.plain("Activation", "activation_1", "activation", "sigmoid"),
                KerasTestFiles.dense("dense_2", 7, 3, "linear", true, 12),
                KerasTestFiles.plain("Activation", "activation_2", "activation", "softmax"));
        KerasModel windows = KerasReader.read(KerasTestFiles.keras(dir.resolve("w.keras"), layers, true));
        KerasModel legacy = KerasReader.read(KerasTestFiles.legacyH5(dir.resolve("legacy.h5"), layers, true));

        assertEquals("layers\\dense/vars/0", windows.layout().dense().get(0).kernelPath());
        assertEquals("model_weights/dense_1/dense_1/kernel:0", legacy.layout().dense().get(0).kernelPath());
        assertEquals(KerasFiles.Container.LEGACY_H5, legacy.sourceFile().container());
        float[] x = KerasTestFiles.rows(ROWS, 4, 8);
        double[] expected = KerasTestFiles.forward(layers, x, ROWS);
        assertClose(expected, windows.network().forward(x, ROWS), 1e-5);
        assertClose(expected, legacy.network().forward(x, ROWS), 1e-5);
        assertEquals(Activation.SIGMOID, legacy.network().layer(0).activation());
        assertEquals(OutputHead.SOFTMAX, legacy.network().head());
    }

    /** Every other hidden unit kept: the network a pruner could hand back (weights as they are, widths smaller). */
    static DenseNetwork halve(DenseNetwork n) {
        List<DenseLayer> layers = new ArrayList<>(n.layers());
        for (int l = 0; l < layers.size() - 1; l++) {
            int[] kept = IntStream.range(0, layers.get(l).units()).filter(i -> i % 2 == 0).toArray();
            layers.set(l, layers.get(l).keepUnits(kept));
            layers.set(l + 1, layers.get(l + 1).keepInputs(kept));
        }
        return n.withLayers(layers);
    }

    @Test
    void writtenKerasKeepsTheConfigAndLayoutWithNewWidths(@TempDir Path dir) throws IOException {
        List<KerasTestFiles.Layer> layers = KerasTestFiles.richModel();
        Path input = KerasTestFiles.keras(dir.resolve("rich.keras"), layers, false);
        KerasModel original = KerasReader.read(input);
        DenseNetwork small = halve(original.network());
        Path output = Files.write(dir.resolve("small.keras"), KerasWriter.write(original, small));

        KerasModel back = KerasReader.read(output);
        assertEquals("4-3-3-4-3", back.network().architecture());
        float[] x = KerasTestFiles.rows(ROWS, 4, 9);
        float[] expected = small.forward(x, ROWS);
        float[] actual = back.network().forward(x, ROWS);
        for (int k = 0; k < expected.length; k++) {
            assertEquals(expected[k], actual[k], 1e-5 * Math.max(1, Math.abs(expected[k])));
        }
        Map<String, byte[]> entries = entries(output);
        assertEquals(List.of("metadata.json", "config.json", "model.weights.h5"), new ArrayList<>(entries.keySet()),
                "the input's entries, in its order");
        assertTrue(Arrays.equals(entries(input).get("metadata.json"), entries.get("metadata.json")));

        JsonObject before = config(entries(input));
        JsonObject after = config(entries);
        JsonArray a = before.getAsJsonObject("config").getAsJsonArray("layers");
        JsonArray b = after.getAsJsonObject("config").getAsJsonArray("layers");
        assertEquals(a.size(), b.size());
        int[] units = {3, 3, 4, 3};
        int dense = 0;
        for (int i = 0; i < a.size(); i++) {
            JsonObject la = a.get(i).getAsJsonObject().deepCopy();
            JsonObject lb = b.get(i).getAsJsonObject().deepCopy();
            if (la.get("class_name").getAsString().equals("Dense")) {
                assertEquals(units[dense++], lb.getAsJsonObject("config").get("units").getAsInt());
            }
            // Everything else is the original's: names, classes, activations, dtypes.
            for (JsonObject l : List.of(la, lb)) {
                l.getAsJsonObject("config").remove("units");
                l.getAsJsonObject("config").remove("use_bias");
                l.remove("build_config");
            }
            assertEquals(la, lb, "layer " + i);
        }
        // dense_7 had no bias; BatchNormalization folded into it gives it one.
        assertTrue(b.get(3).getAsJsonObject().getAsJsonObject("config").get("use_bias").getAsBoolean());
        assertEquals(3, b.get(6).getAsJsonObject().getAsJsonObject("build_config").getAsJsonArray("input_shape")
                .get(1).getAsInt(), "dense_8's build input shape follows the new width of the layer before");

        try (HdfFile h5 = HdfFile.fromBytes(entries.get("model.weights.h5"))) {
            assertNull(h5.getChildren().get("optimizer"), "optimizer slots of the old shapes are dropped");
            Dataset kernel = h5.getDatasetByPath("layers/dense_1/vars/0");
            assertTrue(Arrays.equals(new int[] {3, 3}, kernel.getDimensions()));
            assertEquals(float.class, kernel.getJavaType());
            assertNotNull(h5.getDatasetByPath("layers/dense_1/vars/1"), "the bias dense_7 gained");
            Dataset gamma = h5.getDatasetByPath("layers/batch_normalization/vars/0");
            assertTrue(Arrays.equals(new int[] {3}, gamma.getDimensions()));
        }
    }

    @Test
    void prunedInputsAreWrittenAsTheModelsInputWidthInTheSameLayout(@TempDir Path dir) throws IOException {
        // The chain's values through the one walk of the user's layout: the input width where inputs went, the
        // BatchNormalizations (one on a Dense's outputs, one on the next one's inputs) as identities on their widths.
        Path input = KerasTestFiles.keras(dir.resolve("rich.keras"), KerasTestFiles.richModel(), false);
        KerasModel original = KerasReader.read(input);
        List<DenseLayer> layers = new ArrayList<>(halve(original.network()).layers());
        layers.set(0, layers.get(0).keepInputs(new int[] {0, 2, 3}));
        DenseNetwork small = original.network().withLayers(layers);
        Path output = Files.write(dir.resolve("small.keras"), KerasWriter.write(original, small));

        KerasModel back = KerasReader.read(output);
        assertEquals("3-3-3-4-3", back.network().architecture());
        float[] x = KerasTestFiles.rows(ROWS, 3, 11);
        float[] expected = small.forward(x, ROWS);
        float[] actual = back.network().forward(x, ROWS);
        for (int k = 0; k < expected.length; k++) {
            assertEquals(expected[k], actual[k], 1e-5 * Math.max(1, Math.abs(expected[k])));
        }
        JsonArray shape = config(entries(output)).getAsJsonObject("config").getAsJsonArray("layers").get(0)
                .getAsJsonObject().getAsJsonObject("config").getAsJsonArray("batch_shape");
        assertEquals(3, shape.get(1).getAsInt(), "the input layer's width");
        KerasWrittenCheck.verify(output);
    }

    @Test
    void legacyH5AndOtherSourcesAreWrittenAsANewSequentialConfig(@TempDir Path dir) throws IOException {
        List<KerasTestFiles.Layer> layers = List.of(
                KerasTestFiles.dense("dense_1", 4, 7, "relu", true, 21),
                KerasTestFiles.dense("dense_2", 7, 3, "softmax", true, 22));
        KerasModel legacy = KerasReader.read(KerasTestFiles.legacyH5(dir.resolve("legacy.h5"), layers, true));
        DenseNetwork small = halve(legacy.network());
        KerasModel back = KerasReader.read(Files.write(dir.resolve("a.keras"), KerasWriter.write(legacy, small)));
        assertEquals(List.of("dense_1", "dense_2"), back.layerNames(), "names kept");
        assertEquals("4-4-3", back.network().architecture());
        assertEquals(small.layers(), back.network().layers());
        assertEquals(OutputHead.SOFTMAX, back.network().head());

        // No Keras source at all (an ONNX model): parameters Keras' names cannot carry get their own layers.
        DenseNetwork leaky = new DenseNetwork(small.prefix(), List.of(
                small.layer(0).withWeights(small.layer(0).weights(), small.layer(0).bias()),
                new DenseLayer(4, 3, small.layer(1).weights(), small.layer(1).bias(), Activation.leakyRelu(0.1f))),
                OutputHead.SIGMOID);
        KerasModel fresh = KerasReader.read(Files.write(dir.resolve("b.keras"), KerasWriter.write(null, leaky)));
        assertEquals(leaky.layers(), fresh.network().layers());
        assertEquals(OutputHead.SIGMOID, fresh.network().head());

        DenseNetwork clipped = leaky.withLayers(List.of(leaky.layer(0),
                new DenseLayer(4, 3, small.layer(1).weights(), small.layer(1).bias(), Activation.clip(-1, 1))));
        InputException e = assertThrows(InputException.class, () -> KerasWriter.checkExpressible(null, clipped));
        assertTrue(e.getMessage().contains("Clip(-1.0, 1.0) has no Keras equivalent"), e.getMessage());
    }

    // ---- what is not read, each with its one line --------------------------------------------------------

    static String error(Path file) {
        InputException e = assertThrows(InputException.class, () -> KerasReader.read(file));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertTrue(e.getMessage().startsWith(file.toString() + ": "), "names the file: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void badFilesGetOneLineNamingTheFileAndTheLayer(@TempDir Path dir) throws IOException {
        Map<String, byte[]> notKeras = new LinkedHashMap<>();
        notKeras.put("readme.txt", "hello".getBytes(StandardCharsets.UTF_8));
        assertTrue(error(KerasTestFiles.zip(dir.resolve("a.keras"), notKeras)).contains("no config.json"));

        List<KerasTestFiles.Layer> ok = List.of(KerasTestFiles.dense("dense_1", 4, 5, "relu", true, 1),
                KerasTestFiles.dense("dense_2", 5, 2, "softmax", true, 2));
        assertTrue(error(KerasTestFiles.legacyH5(dir.resolve("w.h5"), ok, false)).contains("no 'model_config'"));

        List<KerasTestFiles.Layer> conv = List.of(KerasTestFiles.input("in", 4),
                KerasTestFiles.plain("Conv2D", "conv2d", "filters", "8"), ok.get(0), ok.get(1));
        String m = error(KerasTestFiles.keras(dir.resolve("conv.keras"), conv, false));
        // A Conv2D is translated now (issue 55), but not on a row of 4 values: the line says what it reads.
        assertTrue(m.contains("layer 'conv2d': reads a tensor of rank 2") && m.contains("rank 4"), m);

        List<KerasTestFiles.Layer> lstm = List.of(KerasTestFiles.input("in", 4),
                KerasTestFiles.plain("LSTM", "lstm", "units", "8"), ok.get(0), ok.get(1));
        assertTrue(error(KerasTestFiles.keras(dir.resolve("lstm.keras"), lstm, false)).contains("layer 'lstm': is a LSTM"));

        List<KerasTestFiles.Layer> lambda = List.of(KerasTestFiles.input("in", 4), ok.get(0),
                KerasTestFiles.plain("Lambda", "lambda_1"), ok.get(1));
        assertTrue(error(KerasTestFiles.keras(dir.resolve("lambda.keras"), lambda, false))
                .contains("layer 'lambda_1': is a Lambda layer"));

        JsonObject custom = KerasTestFiles.sequentialConfig(List.of(KerasTestFiles.input("in", 4), ok.get(0), ok.get(1)));
        JsonObject customLayer = custom.getAsJsonObject("config").getAsJsonArray("layers").get(1).getAsJsonObject();
        customLayer.addProperty("module", "my_project.layers");
        customLayer.addProperty("registered_name", "MyProject>MyDense");
        m = error(KerasTestFiles.keras(dir.resolve("custom.keras"), custom, List.of(ok.get(0), ok.get(1)), false));
        assertTrue(m.contains("layer 'dense_1': is the custom layer") && m.contains("MyProject>MyDense"), m);

        // A functional model with a branch: two layers read the input.
        JsonObject functional = KerasTestFiles.sequentialConfig(List.of(KerasTestFiles.input("in", 4), ok.get(0),
                ok.get(1)));
        functional.addProperty("class_name", "Functional");
        JsonArray fl = functional.getAsJsonObject("config").getAsJsonArray("layers");
        fl.get(1).getAsJsonObject().add("inbound_nodes", JsonParser.parseString("[[[\"in\", 0, 0, {}]]]"));
        fl.get(2).getAsJsonObject().add("inbound_nodes", JsonParser.parseString(
                "[{\"args\": [{\"class_name\": \"__keras_tensor__\", \"config\": {\"keras_history\": [\"in\", 0, 0]}}]}]"));
        m = error(KerasTestFiles.keras(dir.resolve("branch.keras"), functional, List.of(ok.get(0), ok.get(1)), false));
        assertTrue(m.contains("layer 'dense_2': reads in instead of only the layer before it ('dense_1')")
                && m.contains("not a single chain"), m);

        // The config says 6 units, the weights hold 5.
        JsonObject liar = KerasTestFiles.sequentialConfig(List.of(KerasTestFiles.input("in", 4), ok.get(0), ok.get(1)));
        liar.getAsJsonObject("config").getAsJsonArray("layers").get(1).getAsJsonObject().getAsJsonObject("config")
                .addProperty("units", 6);
        m = error(KerasTestFiles.keras(dir.resolve("shape.keras"), liar, List.of(ok.get(0), ok.get(1)), false));
        assertTrue(m.contains("layer 'dense_1': has a kernel layers/dense/vars/0 of shape [4, 5] but its config says "
                + "6 units"), m);

        List<KerasTestFiles.Layer> swish = List.of(KerasTestFiles.dense("dense_1", 4, 5, "swish", true, 1), ok.get(1));
        assertTrue(error(KerasTestFiles.legacyH5(dir.resolve("swish.h5"), swish, true))
                .contains("layer 'dense_1': uses the activation 'swish', which is not supported"));
    }

    static Map<String, byte[]> entries(Path zip) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(Files.readAllBytes(zip)))) {
            ZipEntry e;
            while ((e = in.getNextEntry()) != null) {
                out.put(e.getName(), in.readAllBytes());
            }
        }
        return out;
    }

    static JsonObject config(Map<String, byte[]> entries) {
        return JsonParser.parseString(new String(entries.get("config.json"), StandardCharsets.UTF_8)).getAsJsonObject();
    }
}

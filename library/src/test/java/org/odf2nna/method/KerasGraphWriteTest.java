package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.keras.KerasModel;
import org.odf2nna.report.GraphBlocks;
import org.odf2nna.report.GraphOneRound;
import org.odf2nna.settings.ModelInputs;
import org.odf2nna.settings.OutputDecoding;
import org.odf2nna.settings.ShrinkFiles;
import org.odf2nna.settings.SweepSettings;

/**
 * Keras files with a convolution backbone (tiny models of keras.applications' MobileNetV2 and MobileNetV3 blocks,
 * written by {@code scripts/corpus/keras_edge_tiny.py}) read as a graph, pruned, and written back as .keras: the
 * written file reads back, its widths are the pruned graph's, and it computes what the pruned graph computes.
 */
class KerasGraphWriteTest {

    private static Path resource(String name) {
        try {
            return Path.of(KerasGraphWriteTest.class.getResource("/keras-edge/" + name).toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @TempDir
    Path dir;

    /** One round of pruning on the rows, written to NAME.keras; the round's report. */
    private GraphOneRound shrink(String model, Path output) {
        ShrinkFiles files = ShrinkFiles.of(resource(model), resource("rows_tiny.npz")).withOutput(output);
        return GraphSweeper.shrinkOnce(files, SweepSettings.builder().build(), ModelInputs.NONE,
                OutputDecoding.DEFAULT, Progress.NONE);
    }

    @Test
    void aMobileNetV2BackboneIsAGraphWhoseConvolutionsArePrunedAndWrittenBackAsKeras() throws IOException {
        Path model = resource("mnv2_tiny.keras");
        assertTrue(GraphSweeper.appliesTo(model), "a Keras backbone goes to the graph path");
        GraphBlocks blocks = GraphSweeper.describe(model);
        assertNotNull(blocks);
        assertTrue(blocks.blocks().size() >= 2, "blocks: " + blocks.blocks().size());
        Path out = dir.resolve("small.keras");
        GraphOneRound round = shrink("mnv2_tiny.keras", out);
        assertTrue(round.parametersAfter() < round.modelParameters(), round.parametersAfter() + " of "
                + round.modelParameters());
        KerasModel back = ModelFiles.readKeras(out);
        assertNotNull(back.backbone(), "read back as a Keras file with a backbone");
        // The written file computes the pruned graph: the graph read back from it against the original's pruning.
        Map<String, Long> before = widths(model);
        Map<String, Long> after = widths(out);
        int narrower = 0;
        for (Map.Entry<String, Long> e : before.entrySet()) {
            assertTrue(after.get(e.getKey()) <= e.getValue(), e.getKey());
            narrower += after.get(e.getKey()) < e.getValue() ? 1 : 0;
        }
        assertTrue(narrower >= 1, "some Conv2D has fewer filters: " + before + " -> " + after);
        // Read back by the tool as a graph and run: what every command reads of it.
        assertTrue(ModelReader.read(out).graph().getGraph().getNodeCount() > 10);
        assertEquals(before.keySet(), after.keySet(), "the same layers, in the same config");
    }

    @Test
    void aDenseHeadOnTheBackboneIsPrunedWithTheConvolutionsAndWritten() throws IOException {
        Path out = dir.resolve("head.keras");
        shrink("mnv2_head_tiny.keras", out);
        Map<String, Long> after = widths(out);
        assertTrue(after.containsKey("hidden"), after.toString());
        KerasModel back = ModelFiles.readKeras(out);
        assertNotNull(back.backbone());
        assertTrue(ModelReader.read(out).graph().getGraph().getNodeCount() > 10);
    }

    @Test
    void mobileNetV3sHardSigmoidOnConstantsAndItsConvolutionClassifierAreReadAndWritten() throws IOException {
        Path model = resource("mnv3_tiny.keras");
        assertTrue(GraphSweeper.appliesTo(model), "the x + 3.0 of hard-sigmoid is translated");
        Path out = dir.resolve("v3.keras");
        GraphOneRound round = shrink("mnv3_tiny.keras", out);
        assertTrue(round.parametersAfter() < round.modelParameters());
        String config = entry(out, "config.json");
        // The operations on constants keep their numbers (the + 3.0 folded into the SE convolution's bias is taken
        // out again, the conv's own bias written without it).
        assertTrue(config.contains("3.0"), "the hard-sigmoid's 3.0 stays an argument of its operation");
        assertNotNull(ModelFiles.readKeras(out).backbone());
    }

    @Test
    void aPrunedOnnxOfAKerasFileConvertsBackToKerasInTheFilesLayout() throws IOException {
        Path onnx = dir.resolve("small.onnx");
        shrink("mnv2_tiny.keras", onnx);
        Path keras = dir.resolve("back.keras");
        org.odf2nna.report.Conversion c = Converter.convert(onnx, keras, org.odf2nna.settings.ModelFormat.KERAS,
                org.odf2nna.settings.Quantize.NONE, null);
        assertTrue(c.check().maxDifference() <= KerasGraphOutput.TOLERANCE, c.toString());
        assertEquals(widths(keras), widthsOfGraph(onnx), "the written widths are the pruned ONNX's");
    }

    /** The output channels of each layer's Conv or Gemm node of an ONNX graph written from a Keras file. */
    private static Map<String, Long> widthsOfGraph(Path onnx) {
        var g = org.odf2nna.onnx.OnnxModelFile.read(onnx).getGraph();
        Map<String, org.odf2nna.onnx.proto.OnnxProto.TensorProto> inits = new HashMap<>();
        g.getInitializerList().forEach(t -> inits.put(t.getName(), t));
        Map<String, Long> out = new HashMap<>();
        for (var n : g.getNodeList()) {
            String layer = n.getName().substring(0, Math.max(0, n.getName().lastIndexOf('/')));
            boolean grouped = n.getAttributeList().stream().anyMatch(a -> a.getName().equals("group") && a.getI() > 1);
            if (n.getOpType().equals("Conv") && !grouped) {
                out.put(layer, inits.get(n.getInput(1)).getDims(0));
            } else if (n.getOpType().equals("Gemm")) {
                out.put(layer, inits.get(n.getInput(1)).getDims(1));
            }
        }
        return out;
    }

    @Test
    void aKerasOutputOfAnOnnxInputIsRefusedBeforeAnyWork() throws IOException {
        Path onnx = dir.resolve("m.onnx");
        Files.write(onnx, ModelReader.read(resource("mnv2_tiny.keras")).graph().toByteArray());
        InputException e = assertThrows(InputException.class, () -> KerasGraphOutput.writes(onnx,
                dir.resolve("x.keras")));
        assertTrue(e.getMessage().contains("name the output .onnx"), e.getMessage());
        InputException keras = assertThrows(InputException.class, () -> KerasGraphOutput.writes(
                resource("mnv2_tiny.h5"), dir.resolve("x.keras")));
        assertTrue(keras.getMessage().contains("name it .h5"), keras.getMessage());
        assertTrue(!Files.exists(dir.resolve("x.keras")) && !Files.exists(dir.resolve("x.h5")));
    }

    @Test
    void aBackboneWithoutADenseHeadConvertsToOnnxThatComputesWhatKerasPredicts() throws Exception {
        // mnv3_tiny ends in a 1x1-conv classifier and a Flatten: no dense chain, a graph for convert as for sweep.
        Path onnx = dir.resolve("v3.onnx");
        org.odf2nna.report.Conversion c = Converter.convert(resource("mnv3_tiny.keras"), onnx,
                org.odf2nna.settings.ModelFormat.ONNX, org.odf2nna.settings.Quantize.NONE, null);
        assertEquals("graph", c.architecture());
        float[] keras = npyFloats(resource("mnv3_tiny.predictions.npy"));
        float[] x = npzFloats(resource("rows_tiny.npz"), "x.npy");
        var env = ai.onnxruntime.OrtEnvironment.getEnvironment();
        try (var session = env.createSession(onnx.toString());
                var input = ai.onnxruntime.OnnxTensor.createTensor(env, java.nio.FloatBuffer.wrap(x),
                        new long[] {32, 16, 16, 3});
                var out = session.run(Map.of(session.getInputNames().iterator().next(), input))) {
            float[][] y = (float[][]) out.get(0).getValue();
            for (int r = 0; r < 32; r++) {
                for (int k = 0; k < 4; k++) {
                    assertEquals(keras[r * 4 + k], y[r][k], 1e-4, "row " + r + " class " + k);
                }
            }
        }
        // eval runs the same graph.
        var measured = GraphEvaluator.evaluate(resource("mnv3_tiny.keras"), new EvalData(resource("rows_tiny.npz"),
                org.odf2nna.data.ColumnRequest.of(-1, null, org.odf2nna.data.ColumnRequest.Target.REQUIRED), 16),
                null, ModelInputs.NONE, org.odf2nna.Device.CPU, Progress.NONE);
        assertTrue(measured.metrics() instanceof org.odf2nna.metrics.Metrics.Classification, measured.toString());
        assertEquals(null, GraphEvaluator.chainOrNull(resource("mnv3_tiny.keras")), "no dense chain: a graph");
    }

    /** A little-endian float32 .npy's values. */
    private static float[] npyFloats(Path npy) throws IOException {
        return floats(Files.readAllBytes(npy));
    }

    private static float[] npzFloats(Path npz, String entry) throws IOException {
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(npz))) {
            ZipEntry e;
            while ((e = in.getNextEntry()) != null) {
                if (e.getName().equals(entry)) {
                    return floats(in.readAllBytes());
                }
            }
        }
        throw new IOException(npz + " has no " + entry);
    }

    private static float[] floats(byte[] npy) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(npy).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int header = 10 + (b.getShort(8) & 0xffff);
        b.position(header);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    @Test
    void aKerasArchiveIsWrittenAsALegacyH5OnRequest() throws IOException {
        assertTrue(KerasGraphOutput.writes(resource("mnv2_tiny.keras"), dir.resolve("asked.h5")));
        shrink("mnv2_tiny.keras", dir.resolve("asked.h5"));
        shrink("mnv2_tiny.keras", dir.resolve("twin.keras"));
        KerasModel back = ModelFiles.readKeras(dir.resolve("asked.h5"));
        assertEquals(org.odf2nna.keras.KerasFiles.Container.LEGACY_H5, back.sourceFile().container());
        assertEquals(widths(dir.resolve("twin.keras")), widths(dir.resolve("asked.h5")));
        assertEquals(KerasGraphOutput.difference(ModelReader.read(dir.resolve("twin.keras")).graph(),
                dir.resolve("twin.keras"), ModelReader.read(dir.resolve("asked.h5")).graph(), dir.resolve("asked.h5")),
                0.0, 1e-6, "the .h5 computes what the .keras computes");
    }

    @Test
    void aLegacyH5BackboneIsWrittenBackAsH5WithTheWidthsOfItsKerasTwin() throws IOException {
        // mnv2_tiny.h5 is mnv2_tiny.keras saved again as .h5: the same weights, so the same pruning.
        assertTrue(KerasGraphOutput.writes(resource("mnv2_tiny.h5"), dir.resolve("small.h5")));
        GraphOneRound round = shrink("mnv2_tiny.h5", dir.resolve("small.h5"));
        assertTrue(round.parametersAfter() < round.modelParameters());
        shrink("mnv2_tiny.keras", dir.resolve("small.keras"));
        Map<String, Long> h5 = widths(dir.resolve("small.h5"));
        assertEquals(widths(dir.resolve("small.keras")), h5);
        assertTrue(!h5.equals(widths(resource("mnv2_tiny.h5"))), "some layer narrower: " + h5);
        KerasModel back = ModelFiles.readKeras(dir.resolve("small.h5"));
        assertEquals(org.odf2nna.keras.KerasFiles.Container.LEGACY_H5, back.sourceFile().container());
        assertNotNull(back.backbone());
        // The optimizer's state had the old shapes: left out.
        try (io.jhdf.HdfFile f = new io.jhdf.HdfFile(dir.resolve("small.h5"))) {
            assertTrue(f.getChildren().containsKey("model_weights"));
            assertTrue(!f.getChildren().containsKey("optimizer_weights"));
        }
        assertEquals(KerasGraphOutput.difference(ModelReader.read(dir.resolve("small.keras")).graph(),
                dir.resolve("small.keras"), ModelReader.read(dir.resolve("small.h5")).graph(), dir.resolve("small.h5")),
                0.0, 1e-6, "the .h5 computes what the .keras computes");
    }

    /** Each Conv2D's filters and Dense's units in a .keras file's config, by layer name. */
    private static Map<String, Long> widths(Path keras) throws IOException {
        // A legacy .h5 keeps its config in the model_config attribute, which the reader parses.
        JsonObject root = keras.toString().endsWith(".h5") ? ModelFiles.readKeras(keras).modelConfig()
                : JsonParser.parseString(entry(keras, "config.json")).getAsJsonObject();
        Map<String, Long> out = new HashMap<>();
        List<JsonObject> layers = new ArrayList<>();
        root.getAsJsonObject("config").getAsJsonArray("layers").forEach(l -> layers.add(l.getAsJsonObject()));
        for (JsonObject l : layers) {
            JsonObject c = l.getAsJsonObject("config");
            String kind = l.get("class_name").getAsString();
            if (kind.equals("Conv2D")) {
                out.put(c.get("name").getAsString(), c.get("filters").getAsLong());
            } else if (kind.equals("Dense")) {
                out.put(c.get("name").getAsString(), c.get("units").getAsLong());
            }
        }
        return out;
    }

    private static String entry(Path zip, String name) throws IOException {
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            ZipEntry e;
            while ((e = in.getNextEntry()) != null) {
                if (e.getName().equals(name)) {
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
        }
        throw new IOException(zip + " has no " + name);
    }
}

package org.odf2nna.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.odf2nna.keras.KerasTestFiles.dataset;
import static org.odf2nna.keras.KerasTestFiles.layerConfig;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.InputPrefix;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * Keras files with a backbone before the dense head (issue 55), built here: a Sequential CNN (Rescaling, Conv2D with
 * "same" padding, MaxPooling2D, Flatten, a Dense head) is translated into an ONNX graph that computes, in ONNX Runtime,
 * what a plain NHWC forward pass written here computes from the same arrays; written back with its head pruned, its
 * backbone's config and weights are kept exactly.
 */
class KerasBackboneTest {

    private static final int H = 5;
    private static final int W = 4;
    private static final int C = 2;
    private static final int F = 3;

    /** Conv2D 2×2 same (F filters), relu; MaxPooling2D 2 → [2, 2, F] (5 rows: ceil 5/1 = 5, pooled valid to 2). */
    private static List<KerasTestFiles.Layer> cnn() {
        Random r = new Random(7);
        List<KerasTestFiles.Layer> layers = new ArrayList<>();
        layers.add(new KerasTestFiles.Layer("InputLayer", inputConfig(), List.of(), List.of()));
        JsonObject rescaling = config("rescaling");
        rescaling.addProperty("scale", 0.5);
        rescaling.addProperty("offset", 0.25);
        layers.add(new KerasTestFiles.Layer("Rescaling", rescaling, List.of(), List.of()));
        JsonObject conv = config("conv2d");
        conv.addProperty("filters", F);
        conv.add("kernel_size", ints(2, 2));
        conv.add("strides", ints(1, 1));
        conv.addProperty("padding", "same");
        conv.addProperty("data_format", "channels_last");
        conv.add("dilation_rate", ints(1, 1));
        conv.addProperty("groups", 1);
        conv.addProperty("activation", "relu");
        conv.addProperty("use_bias", true);
        layers.add(new KerasTestFiles.Layer("Conv2D", conv, List.of(gaussian(r, 2 * 2 * C * F), gaussian(r, F)),
                List.of(new int[] {2, 2, C, F}, new int[] {F})));
        JsonObject pool = config("max_pooling2d");
        pool.add("pool_size", ints(2, 2));
        pool.add("strides", ints(2, 2));
        pool.addProperty("padding", "valid");
        pool.addProperty("data_format", "channels_last");
        layers.add(new KerasTestFiles.Layer("MaxPooling2D", pool, List.of(), List.of()));
        layers.add(KerasTestFiles.plain("Flatten", "flatten"));
        layers.add(KerasTestFiles.dense("dense", 2 * 2 * F, 6, "relu", true, 11));
        layers.add(KerasTestFiles.dense("dense_1", 6, 3, "softmax", true, 12));
        return layers;
    }

    @Test
    void convolutionalModelIsTranslatedAndComputesTheNhwcForwardPass(@TempDir Path dir) throws IOException {
        List<KerasTestFiles.Layer> layers = cnn();
        KerasModel model = KerasReader.read(KerasTestFiles.keras(dir.resolve("cnn.keras"), layers, false));

        assertNotNull(model.backbone(), "a model with convolutions has a backbone");
        assertEquals(5, model.backbone().headStart());
        assertEquals(List.of("image", "rescaling", "conv2d", "max_pooling2d", "flatten"), model.backbone().kept());
        assertEquals("12-6-3", model.network().architecture());
        assertEquals(InputPrefix.Kind.BACKBONE, model.network().prefix().kind());
        List<String> nodes = model.backbone().graph().getGraph().getNodeList().stream().map(NodeProto::getName)
                .toList();
        assertTrue(nodes.contains("conv2d/Conv") && nodes.contains("dense/Gemm") && nodes.contains("dense_1/Gemm"),
                "nodes named after the Keras layers: " + nodes);

        int rows = 6;
        float[] x = KerasTestFiles.rows(rows, H * W * C, 3);
        float[] onnx = run(model, x, rows);
        double[] expected = forward(layers, x, rows);
        for (int k = 0; k < expected.length; k++) {
            assertEquals(expected[k], onnx[k], 1e-5, "output " + k);
        }
    }

    @Test
    void prunedHeadIsWrittenBackWithTheBackboneUnchanged(@TempDir Path dir) throws IOException {
        Path file = KerasTestFiles.keras(dir.resolve("cnn.keras"), cnn(), false);
        KerasModel model = KerasReader.read(file);
        DenseNetwork n = model.network();
        DenseLayer hidden = n.layer(0);
        DenseLayer out = n.layer(1);
        int keep = 4;
        float[] w0 = new float[hidden.inputs() * keep];
        for (int i = 0; i < hidden.inputs(); i++) {
            System.arraycopy(hidden.weights(), i * hidden.units(), w0, i * keep, keep);
        }
        float[] w1 = java.util.Arrays.copyOf(out.weights(), keep * out.units());
        DenseNetwork pruned = new DenseNetwork(n.prefix(), List.of(
                new DenseLayer(hidden.inputs(), keep, w0, java.util.Arrays.copyOf(hidden.bias(), keep),
                        hidden.activation()),
                new DenseLayer(keep, out.units(), w1, out.bias(), out.activation())), n.head());

        Path written = dir.resolve("small.keras");
        Files.write(written, KerasWriter.write(model, pruned));
        KerasModel back = KerasReader.read(written);

        assertEquals("12-4-3", back.network().architecture());
        JsonObject before = layerConfig(file, "conv2d");
        assertEquals(before, layerConfig(written, "conv2d"), "the Conv2D's config is kept as it is");
        assertEquals(layerConfig(file, "rescaling"), layerConfig(written, "rescaling"));
        assertArrayEquals(dataset(file, "layers/conv2d/vars/0"), dataset(written, "layers/conv2d/vars/0"));
        assertArrayEquals(dataset(file, "layers/conv2d/vars/1"), dataset(written, "layers/conv2d/vars/1"));
        assertEquals(4, layerConfig(written, "dense").getAsJsonObject("config").get("units").getAsInt());
        // The pruned head on the unchanged backbone: outputs as the pruned network gives them.
        int rows = 4;
        float[] x = KerasTestFiles.rows(rows, H * W * C, 5);
        String flattened = model.backbone().graph().getGraph().getNodeList().stream()
                .filter(node -> node.getName().equals("flatten/Flatten")).findFirst().orElseThrow().getOutput(0);
        float[] chainInput = run(model, x, rows, flattened, 12);
        float[] expected = pruned.forward(chainInput, rows);
        float[] actual = run(back, x, rows);
        for (int k = 0; k < expected.length; k++) {
            assertEquals(expected[k], actual[k], 1e-5, "output " + k);
        }
    }

    @Test
    void layerWithoutTranslationIsNamedWithWhatToDo(@TempDir Path dir) throws IOException {
        List<KerasTestFiles.Layer> layers = new ArrayList<>(cnn());
        layers.set(3, KerasTestFiles.plain("Cropping2D", "cropping2d"));
        Path file = KerasTestFiles.keras(dir.resolve("crop.keras"), layers, false);
        InputException e = assertThrows(InputException.class, () -> KerasReader.read(file));
        assertTrue(e.getMessage().contains("layer 'cropping2d'") && e.getMessage().contains("Cropping2D")
                && e.getMessage().contains("export the model to ONNX"), e.getMessage());

        List<KerasTestFiles.Layer> first = new ArrayList<>(cnn());
        first.get(2).config().addProperty("data_format", "channels_first");
        Path channelsFirst = KerasTestFiles.keras(dir.resolve("cf.keras"), first, false);
        InputException f = assertThrows(InputException.class, () -> KerasReader.read(channelsFirst));
        assertTrue(f.getMessage().contains("layer 'conv2d'") && f.getMessage().contains("channels_first"),
                f.getMessage());
    }

    @Test
    void denseChainKeepsItsOwnPath(@TempDir Path dir) throws IOException {
        KerasModel model = KerasReader.read(KerasTestFiles.keras(dir.resolve("rich.keras"),
                KerasTestFiles.richModel(), false));
        assertNull(model.backbone(), "a dense chain is read as before, without a graph");
    }

    @Test
    void kernelsGoFromKerasToOnnxLayout() {
        // Keras [kh=1, kw=2, in=2, out=3]: value = 100·tap + 10·in + out.
        int[] shape = {1, 2, 2, 3};
        float[] keras = new float[12];
        for (int p = 0; p < 2; p++) {
            for (int i = 0; i < 2; i++) {
                for (int o = 0; o < 3; o++) {
                    keras[(p * 2 + i) * 3 + o] = 100 * p + 10 * i + o;
                }
            }
        }
        float[] onnx = KerasConvLayers.toOnnx(keras, shape);
        // ONNX [out, in, kh, kw]: element [o=2, i=1, 0, p=1] is 100 + 10 + 2.
        assertEquals(112, onnx[((2 * 2 + 1) * 1 + 0) * 2 + 1]);
        assertEquals(2, onnx[(2 * 2) * 2]);
        // Depthwise [kh=1, kw=1, C=2, m=2] → [C·m, 1, 1, 1]: output c·m + j.
        assertArrayEquals(new float[] {0, 1, 2, 3}, KerasConvLayers.depthwiseToOnnx(new float[] {0, 1, 2, 3},
                new int[] {1, 1, 2, 2}));
    }

    // ---- the reference and the helpers ---------------------------------------------------------------

    /** Rescaling, Conv2D same (the odd padding row at the bottom), relu, MaxPooling 2, Flatten (NHWC), the head. */
    private static double[] forward(List<KerasTestFiles.Layer> layers, float[] x, int rows) {
        float[] kernel = layers.get(2).weights().get(0);
        float[] bias = layers.get(2).weights().get(1);
        double[] head = new double[rows * 2 * 2 * F];
        for (int r = 0; r < rows; r++) {
            double[][][] maps = new double[H][W][F];
            for (int y = 0; y < H; y++) {
                for (int xx = 0; xx < W; xx++) {
                    for (int f = 0; f < F; f++) {
                        double s = bias[f];
                        for (int dy = 0; dy < 2; dy++) {
                            for (int dx = 0; dx < 2; dx++) {
                                int yy = y + dy;
                                int xs = xx + dx;
                                if (yy >= H || xs >= W) {
                                    continue;
                                }
                                for (int c = 0; c < C; c++) {
                                    double v = x[r * H * W * C + (yy * W + xs) * C + c] * 0.5 + 0.25;
                                    s += v * kernel[((dy * 2 + dx) * C + c) * F + f];
                                }
                            }
                        }
                        maps[y][xx][f] = Math.max(s, 0);
                    }
                }
            }
            for (int py = 0; py < 2; py++) {
                for (int px = 0; px < 2; px++) {
                    for (int f = 0; f < F; f++) {
                        double m = Double.NEGATIVE_INFINITY;
                        for (int dy = 0; dy < 2; dy++) {
                            for (int dx = 0; dx < 2; dx++) {
                                m = Math.max(m, maps[2 * py + dy][2 * px + dx][f]);
                            }
                        }
                        head[r * 12 + (py * 2 + px) * F + f] = m;
                    }
                }
            }
        }
        float[] chain = new float[head.length];
        for (int k = 0; k < head.length; k++) {
            chain[k] = (float) head[k];
        }
        return KerasTestFiles.forward(layers.subList(5, layers.size()), chain, rows);
    }

    private static float[] run(KerasModel model, float[] x, int rows) {
        return run(model, x, rows, "output", 3);
    }

    private static float[] run(KerasModel model, float[] x, int rows, String output, int width) {
        var graph = model.backbone().graph();
        InputSignature input = new InputSignature(graph.getGraph().getInput(0).getName(), 1,
                new long[] {-1, H, W, C});
        var proto = graph.toBuilder();
        if (!output.equals("output")) {
            proto.getGraphBuilder().addOutput(KerasGraph.info(output, new long[] {-1, width}, true));
        }
        try (OnnxRunner runner = OnnxRunner.open(proto.build(), input, Device.CPU, model.sourceFile().source())) {
            Map<String, float[]> out = runner.run(x, rows, H * W * C, List.of(output));
            return out.get(output);
        }
    }

    private static JsonObject inputConfig() {
        JsonObject c = new JsonObject();
        JsonArray shape = new JsonArray();
        shape.add(JsonNull.INSTANCE);
        shape.add(H);
        shape.add(W);
        shape.add(C);
        c.add("batch_shape", shape);
        c.addProperty("dtype", "float32");
        c.addProperty("name", "image");
        return c;
    }

    private static JsonObject config(String name) {
        JsonObject c = new JsonObject();
        c.addProperty("name", name);
        c.addProperty("trainable", true);
        c.addProperty("dtype", "float32");
        return c;
    }

    private static JsonArray ints(int... values) {
        JsonArray a = new JsonArray();
        for (int v : values) {
            a.add(v);
        }
        return a;
    }

    private static float[] gaussian(Random r, int n) {
        float[] v = new float[n];
        for (int k = 0; k < n; k++) {
            v[k] = (float) (0.5 * r.nextGaussian());
        }
        return v;
    }
}

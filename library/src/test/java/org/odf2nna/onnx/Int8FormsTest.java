package org.odf2nna.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.Int8Quantization;
import org.odf2nna.network.OutputHead;
import org.odf2nna.network.TestNetworks;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * A network built in code, quantized in each int8 form, run in ONNX Runtime: the network judged (what a sweep
 * goes by) computes what ONNX Runtime computes from the file. On integer kernels, bit for bit, one row per run.
 */
class Int8FormsTest {

    static final Path FILE = Path.of("int8-forms.onnx");

    @Test
    void integerKernelsMatchOnnxRuntimeBitForBitOnRandomRows() {
        Random random = new Random(11);
        for (int trial = 0; trial < 4; trial++) {
            int[] widths = {9 + trial * 17, 33, 12 + trial, 4};
            DenseNetwork net = TestNetworks.random(random, widths, Activation.RELU, OutputHead.NONE);
            OnnxDenseModel read = DenseChainReader.read(OnnxModelBuilder.build(net, "x", "y", Map.of()), FILE);
            boolean[] all = Int8Quantization.all(read.network());
            DenseNetwork judged = Int8Quantization.quantize(read.network(), all, true);
            ModelProto proto = Int8Weights.apply(DenseChainWriter.write(read, judged), read, judged, all);
            assertEquals(3, proto.getGraph().getNodeList().stream()
                    .filter(n -> n.getOpType().equals("MatMulInteger")).count());
            assertEquals(0, proto.getGraph().getNodeList().stream()
                    .filter(n -> n.getOpType().equals("Gemm") || n.getOpType().equals("MatMul")).count());
            // Layer 1 (33 units) keeps its scales and bias as float16, each read through a Cast; the others float.
            assertEquals(2, proto.getGraph().getInitializerList().stream()
                    .filter(t -> t.getDataType() == TensorProto.DataType.FLOAT16_VALUE && t.getDims(0) == 33)
                    .count());
            assertEquals(2, proto.getGraph().getInitializerList().stream()
                    .filter(t -> t.getDataType() == TensorProto.DataType.FLOAT16_VALUE).count());
            int rows = 200;
            // Rows of several scales and signs, some all positive, one all zero: every range and zero point.
            float[] x = new float[rows * widths[0]];
            for (int r = 1; r < rows; r++) {
                double scale = Math.pow(10, random.nextInt(5) - 2);
                for (int i = 0; i < widths[0]; i++) {
                    double v = random.nextGaussian() * scale;
                    x[r * widths[0] + i] = (float) (r % 3 == 0 ? Math.abs(v) : v);
                }
            }
            float[] expected = judged.forward(x, rows);
            float[] actual = new float[expected.length];
            try (OnnxRunner runner = OnnxRunner.open(proto, read.input(), Device.CPU, FILE)) {
                float[] one = new float[widths[0]];
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(x, r * widths[0], one, 0, widths[0]);
                    float[] y = runner.run(one, 1, widths[0], List.of("y")).get("y");
                    System.arraycopy(y, 0, actual, r * y.length, y.length);
                }
            }
            for (int k = 0; k < expected.length; k++) {
                assertEquals(Float.floatToIntBits(expected[k]), Float.floatToIntBits(actual[k]),
                        "trial " + trial + ", output " + k + ": " + expected[k] + " judged, " + actual[k]
                                + " in ONNX Runtime");
            }
            // Read back: the same layers, marked as on integer kernels, and written again the same way.
            OnnxDenseModel back = DenseChainReader.read(proto, FILE);
            for (int l = 0; l < 3; l++) {
                assertTrue(back.network().layer(l).quantizedInputs(), "layer " + (l + 1));
                assertArrayEquals(judged.layer(l).weights(), back.network().layer(l).weights());
            }
            assertArrayEquals(expected, back.network().forward(x, rows));
        }
    }

    @Test
    void weightOnlyFormComputesItsNetworkAndIntegerFormMixesWithFloatLayers() {
        formsMix(new int[] {20, 30, 10, 3});
        formsMix(new int[] {20, 40, 10, 36}); // layers 1 and 3 with float16 scales and biases
    }

    private static void formsMix(int[] widths) {
        Random random = new Random(3);
        DenseNetwork net = TestNetworks.random(random, widths, Activation.RELU, OutputHead.NONE);
        OnnxDenseModel read = DenseChainReader.read(OnnxModelBuilder.build(net, "x", "y", Map.of()), FILE);
        boolean[] some = {true, false, true};
        int rows = 64;
        float[] x = TestNetworks.gaussian(random, rows * widths[0], 2);
        for (boolean integer : new boolean[] {false, true}) {
            DenseNetwork judged = Int8Quantization.quantize(read.network(), some, integer);
            ModelProto proto = Int8Weights.apply(DenseChainWriter.write(read, judged), read, judged, some);
            assertEquals(widths[1] >= Int8Quantization.HALF_MIN_UNITS ? 4 : 0, proto.getGraph().getInitializerList()
                    .stream().filter(t -> t.getDataType() == TensorProto.DataType.FLOAT16_VALUE).count());
            // Read back, only the integer layers are marked as such; the float one stays float.
            OnnxDenseModel back = DenseChainReader.read(proto, FILE);
            for (int l = 0; l < 3; l++) {
                assertEquals(integer && some[l], back.network().layer(l).quantizedInputs(), "layer " + (l + 1));
                assertArrayEquals(judged.layer(l).weights(), back.network().layer(l).weights());
            }
            float[] expected = judged.forward(x, rows);
            float[] actual = new float[expected.length];
            try (OnnxRunner runner = OnnxRunner.open(proto, read.input(), Device.CPU, FILE)) {
                for (int r = 0; r < rows; r++) {
                    float[] y = runner.run(java.util.Arrays.copyOfRange(x, r * widths[0], (r + 1) * widths[0]), 1,
                            widths[0], List.of("y")).get("y");
                    System.arraycopy(y, 0, actual, r * y.length, y.length);
                }
            }
            for (int k = 0; k < expected.length; k++) {
                // Float layers feeding an integer layer may round a value across a code boundary: float tolerance.
                assertEquals(expected[k], actual[k], 1e-4 + 1e-4 * Math.abs(expected[k]),
                        (integer ? "integer" : "weight-only") + " form, output " + k);
            }
        }
    }

    /** ONNX Runtime fuses each chain into one integer kernel: the graph it optimises holds no MatMulInteger left. */
    @Test
    void onnxRuntimeFusesTheChainIntoDynamicQuantizeMatMul() throws Exception {
        fusesInto(new int[] {16, 24, 8});
        fusesInto(new int[] {16, 40, 8}); // float16 scales and bias behind Casts
    }

    private static void fusesInto(int[] widths) throws Exception {
        Random random = new Random(5);
        DenseNetwork net = TestNetworks.random(random, widths, Activation.RELU, OutputHead.NONE);
        OnnxDenseModel read = DenseChainReader.read(OnnxModelBuilder.build(net, "x", "y", Map.of()), FILE);
        boolean[] all = Int8Quantization.all(read.network());
        DenseNetwork judged = Int8Quantization.quantize(read.network(), all, true);
        ModelProto proto = Int8Weights.apply(DenseChainWriter.write(read, judged), read, judged, all);
        java.nio.file.Path optimized = java.nio.file.Files.createTempFile("fused", ".onnx");
        try (ai.onnxruntime.OrtSession.SessionOptions options = new ai.onnxruntime.OrtSession.SessionOptions()) {
            options.setOptimizationLevel(ai.onnxruntime.OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setOptimizedModelFilePath(optimized.toString());
            OnnxRunner.environment().createSession(proto.toByteArray(), options).close();
        }
        ModelProto fused = OnnxModelFile.read(optimized);
        java.nio.file.Files.deleteIfExists(optimized);
        List<String> ops = fused.getGraph().getNodeList().stream().map(n -> n.getOpType()).toList();
        assertEquals(2, ops.stream().filter(op -> op.equals("DynamicQuantizeMatMul")).count(), ops.toString());
        assertTrue(ops.stream().noneMatch(op -> op.equals("MatMulInteger") || op.equals("Cast")), ops.toString());
    }

    /** A Gemm whose bias is scaled by beta: the integer form adds beta · C, the bias the layer was read with. */
    @Test
    void aGemmBiasScaledByBetaStaysExact() {
        betaStaysExact(11);
        betaStaysExact(45); // the bias beta · C stored as float16
    }

    private static void betaStaysExact(int hidden) {
        Random random = new Random(9);
        DenseNetwork net = TestNetworks.random(random, new int[] {7, hidden, 3}, Activation.RELU, OutputHead.NONE);
        ModelProto built = OnnxModelBuilder.build(net, "x", "y", Map.of());
        ModelProto.Builder b = built.toBuilder();
        for (int i = 0; i < b.getGraph().getNodeCount(); i++) {
            if (b.getGraph().getNode(i).getOpType().equals("Gemm")) {
                b.getGraphBuilder().getNodeBuilder(i).addAttribute(org.odf2nna.onnx.proto.OnnxProto.AttributeProto
                        .newBuilder().setName("beta").setType(org.odf2nna.onnx.proto.OnnxProto.AttributeProto
                                .AttributeType.FLOAT).setF(0.37f));
            }
        }
        OnnxDenseModel read = DenseChainReader.read(b.build(), FILE);
        boolean[] all = Int8Quantization.all(read.network());
        DenseNetwork judged = Int8Quantization.quantize(read.network(), all, true);
        ModelProto proto = Int8Weights.apply(DenseChainWriter.write(read, judged), read, judged, all);
        assertEquals(hidden >= Int8Quantization.HALF_MIN_UNITS ? 2 : 0, proto.getGraph().getInitializerList().stream()
                .filter(t -> t.getDataType() == TensorProto.DataType.FLOAT16_VALUE).count());
        int rows = 50;
        float[] x = TestNetworks.gaussian(random, rows * 7, 3);
        float[] expected = judged.forward(x, rows);
        float[] actual;
        try (OnnxRunner runner = OnnxRunner.open(proto, read.input(), Device.CPU, FILE)) {
            actual = runner.runEachRow(x, rows, 7, List.of("y")).get("y");
        }
        for (int k = 0; k < expected.length; k++) {
            assertEquals(Float.floatToIntBits(expected[k]), Float.floatToIntBits(actual[k]), "output " + k);
        }
    }

    /**
     * Layers of 32 units or more keep their scales and biases as float16 in either form, whatever the layer's node:
     * Gemm (transB 0 or 1, alpha and beta), Gemm without C, MatMul with its Add on either side. The network judged
     * holds those values: the integer form gives it bit for bit, the weight-only form within float rounding; the
     * file reads back as the same network.
     */
    @Test
    void everyLayerStyleKeepsWideScalesAndBiasesAsFloat16() {
        for (TestModels.Style style : TestModels.Style.values()) {
            TestModels.Builder builder = TestModels.dense(6, 40, 36, 3).style(style);
            if (style == TestModels.Style.GEMM_ALPHA_BETA) {
                builder.gemmScale(0, 0.7f, 1.3f).gemmScale(1, 1.9f, 0.3f).gemmScale(2, 0.6f, 1.1f);
            }
            OnnxDenseModel read = DenseChainReader.read(builder.build().model(), FILE);
            boolean[] all = Int8Quantization.all(read.network());
            int rows = 40;
            float[] x = TestModels.randomRows(17, rows, 6);
            for (boolean integer : new boolean[] {false, true}) {
                String what = style + (integer ? ", integer form" : ", weight-only");
                DenseNetwork judged = Int8Quantization.quantize(read.network(), all, integer);
                ModelProto proto = Int8Weights.apply(DenseChainWriter.write(read, judged), read, judged, all);
                long halves = proto.getGraph().getInitializerList().stream()
                        .filter(t -> t.getDataType() == TensorProto.DataType.FLOAT16_VALUE).count();
                boolean bias = style != TestModels.Style.GEMM_NO_BIAS && style != TestModels.Style.MATMUL_NO_BIAS;
                assertEquals(bias ? 4 : 2, halves, what);
                float[] expected = judged.forward(x, rows);
                float[] actual;
                try (OnnxRunner runner = OnnxRunner.open(proto, read.input(), Device.CPU, FILE)) {
                    String out = proto.getGraph().getOutput(0).getName();
                    actual = runner.runEachRow(x, rows, 6, List.of(out)).get(out);
                }
                for (int k = 0; k < expected.length; k++) {
                    if (integer) {
                        assertEquals(Float.floatToIntBits(expected[k]), Float.floatToIntBits(actual[k]),
                                what + ", output " + k);
                    } else {
                        assertEquals(expected[k], actual[k], 1e-4 + 1e-4 * Math.abs(expected[k]), what + ", output " + k);
                    }
                }
                OnnxDenseModel back = DenseChainReader.read(proto, FILE);
                for (int l = 0; l < 3; l++) {
                    assertArrayEquals(judged.layer(l).weights(), back.network().layer(l).weights(), what);
                    assertArrayEquals(judged.layer(l).bias(), back.network().layer(l).bias(), what);
                    assertEquals(integer, back.network().layer(l).quantizedInputs(), what);
                }
            }
        }
    }
}

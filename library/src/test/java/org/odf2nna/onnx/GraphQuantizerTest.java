package org.odf2nna.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.OutputHead;
import org.odf2nna.network.TestNetworks;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/**
 * Every MatMul, Gemm and Conv of a graph built in code quantized in both int8 forms and run in ONNX Runtime: the
 * layers kept float are said why, ONNX Runtime fuses what the forms are written for, the outputs stay near the float
 * graph's, and the static form's rows do not depend on their batch.
 */
class GraphQuantizerTest {

    static final Path FILE = Path.of("graph-int8.onnx");
    static final InputSignature INPUT = new InputSignature("x", OnnxTensors.FLOAT, new long[] {-1, 64});

    @Test
    void dynamicFormQuantizesConvMatMulAndGemmAndSaysWhyTheOtherMatMulStaysFloat() throws Exception {
        ModelProto model = GraphModels.convNet(1);
        GraphQuantizer.Result r = GraphQuantizer.quantize(model, FILE, GraphQuantizer.Form.DYNAMIC, Map.of(), null);
        assertEquals(List.of("conv_node", "fc_node", "y_node"), r.int8Layers().stream()
                .map(GraphQuantizer.Layer::node).toList());
        assertEquals(36 + 256 * 16 + 48, r.int8Weights());
        assertEquals(List.of("1 MatMul kept float: no constant weight (it multiplies two computed tensors) "
                + "(hh_node)"), r.floatReasons());
        List<String> ops = GraphModels.ops(r.model());
        assertEquals(1, GraphModels.count(ops, "ConvInteger"), ops.toString());
        assertEquals(2, GraphModels.count(ops, "MatMulInteger"), ops.toString());
        assertEquals(3, GraphModels.count(ops, "DynamicQuantizeLinear"), ops.toString());
        assertEquals(0, GraphModels.count(ops, "Conv") + GraphModels.count(ops, "Gemm"), ops.toString());
        assertEquals(1, GraphModels.count(ops, "MatMul"), ops.toString());
        // The old float weights are gone from the file; the int8 ones are a byte each.
        assertTrue(r.model().getGraph().getInitializerList().stream().noneMatch(t -> t.getName().equals("fc.w")));
        assertTrue(r.model().getSerializedSize() < 0.4 * model.getSerializedSize(), r.model().getSerializedSize()
                + " bytes");
        int rows = 40;
        float[] x = GraphModels.rows(3, rows, 64);
        float[] expected = run(model, x, rows, false);
        float[] actual = run(r.model(), x, rows, true);
        assertClose(expected, actual, 0.03, "dynamic");
        List<String> fused = optimized(r.model());
        assertEquals(2, GraphModels.count(fused, "DynamicQuantizeMatMul"), fused.toString());
    }

    @Test
    void staticFormIsCalibratedFusedAndTheSameForARowAloneOrInABatch() throws Exception {
        ModelProto model = GraphModels.convNet(2);
        float[] calibration = GraphModels.rows(5, 200, 64);
        GraphQuantizer.Plan plan = GraphQuantizer.plan(model, FILE, Map.of());
        assertEquals(List.of("img_x", "conv", "flat", "mix"), plan.calibrationTensors());
        Map<String, GraphQuantizer.Range> ranges = Int8Calibration.ranges(model, FILE, INPUT, calibration,
                plan.calibrationTensors());
        assertEquals(4, ranges.get("img_x").rank());
        assertEquals(2, ranges.get("flat").rank());
        GraphQuantizer.Result r = GraphQuantizer.quantize(model, FILE, GraphQuantizer.Form.STATIC, Map.of(), ranges);
        List<String> ops = GraphModels.ops(r.model());
        // Two-dimensional inputs: QuantizeLinear + QGemm; the convolution: QDQ pairs ONNX Runtime fuses.
        assertEquals(2, GraphModels.count(ops, "QGemm"), ops.toString());
        assertEquals(1, GraphModels.count(ops, "Conv"), ops.toString());
        List<String> fused = optimized(r.model());
        assertEquals(1, GraphModels.count(fused, "QLinearConv"), fused.toString());
        assertEquals(0, GraphModels.count(fused, "Conv"), fused.toString());
        int rows = 60;
        float[] x = java.util.Arrays.copyOf(calibration, rows * 64);
        float[] batch = run(r.model(), x, rows, false);
        float[] alone = run(r.model(), x, rows, true);
        assertArrayEquals(alone, batch, "a row's outputs must not depend on the rows run with it");
        assertClose(run(model, x, rows, false), batch, 0.03, "static");
    }

    /**
     * The static form in standard operators (the default): QuantizeLinear/DequantizeLinear pairs as ONNX Runtime's
     * quantize_static writes them, no com.microsoft operator in the file, fused by ONNX Runtime into its integer
     * kernels, outputs close to the float model's and the same for a row alone or in a batch.
     */
    @Test
    void standardStaticFormHoldsNoContribOperatorRunsFusedAndIsCloseToFloat() throws Exception {
        ModelProto model = GraphModels.convNet(2);
        float[] calibration = GraphModels.rows(5, 200, 64);
        GraphQuantizer.Plan plan = GraphQuantizer.plan(model, FILE, Map.of(), GraphQuantizer.Operators.STANDARD);
        // The Conv's Relu is folded into its output's pair; the fc MatMul's output and the Gemm's (a graph output)
        // are quantized too, so that ONNX Runtime fuses them.
        assertTrue(plan.calibrationTensors().containsAll(List.of("img_x", "conv_r", "flat", "fc", "mix", "y")),
                plan.calibrationTensors().toString());
        assertTrue(!plan.calibrationTensors().contains("conv"), plan.calibrationTensors().toString());
        Map<String, GraphQuantizer.Range> ranges = Int8Calibration.ranges(model, FILE, INPUT, calibration,
                plan.calibrationTensors());
        GraphQuantizer.Result r = GraphQuantizer.quantize(model, FILE, GraphQuantizer.Form.STATIC, Map.of(), ranges,
                GraphQuantizer.Operators.STANDARD);
        assertTrue(r.model().getGraph().getNodeList().stream().allMatch(n -> n.getDomain().isEmpty()),
                GraphModels.ops(r.model()).toString());
        assertTrue(r.model().getOpsetImportList().stream().noneMatch(o -> o.getDomain().equals("com.microsoft")));
        List<String> ops = GraphModels.ops(r.model());
        assertEquals(0, GraphModels.count(ops, "Relu") - 1, "the fc's Relu stays (its Add reads a constant): " + ops);
        assertEquals(3, r.int8Layers().size());
        List<String> fused = optimized(r.model());
        assertEquals(1, GraphModels.count(fused, "QLinearConv"), fused.toString());
        assertEquals(1, GraphModels.count(fused, "QGemm"), fused.toString());
        assertEquals(0, GraphModels.count(fused, "Conv") + GraphModels.count(fused, "Gemm"), fused.toString());
        int rows = 60;
        float[] x = java.util.Arrays.copyOf(calibration, rows * 64);
        float[] batch = run(r.model(), x, rows, false);
        assertArrayEquals(run(r.model(), x, rows, true), batch, "a row's outputs must not depend on its batch");
        assertClose(run(model, x, rows, false), batch, 0.03, "standard static");
    }

    /** A dense chain in the static form: one QuantizeLinear, then QGemm into QGemm, the ReLUs their clamp at 0. */
    @Test
    void staticDenseChainIsOneQuantizeLinearAndAQGemmPerLayer() {
        Random random = new Random(7);
        DenseNetwork net = TestNetworks.random(random, new int[] {20, 48, 24, 5}, Activation.RELU, OutputHead.NONE);
        ModelProto model = OnnxModelBuilder.build(net, "x", "y", Map.of());
        InputSignature input = new InputSignature("x", OnnxTensors.FLOAT, new long[] {-1, 20});
        float[] calibration = TestNetworks.gaussian(random, 300 * 20, 1);
        GraphQuantizer.Plan plan = GraphQuantizer.plan(model, FILE, Map.of());
        GraphQuantizer.Result r = GraphQuantizer.quantize(model, FILE, GraphQuantizer.Form.STATIC, Map.of(),
                Int8Calibration.ranges(model, FILE, input, calibration, plan.calibrationTensors()));
        List<String> ops = GraphModels.ops(r.model());
        assertEquals(List.of("QuantizeLinear", "QGemm", "QGemm", "QGemm"), ops);
        float[] expected = net.forward(calibration, 300);
        float[] actual;
        try (OnnxRunner runner = OnnxRunner.open(r.model(), input, Device.CPU, FILE)) {
            actual = runner.run(calibration, 300, 20, List.of("y")).get("y");
        }
        assertClose(expected, actual, 0.03, "static chain");
    }

    private static float[] run(ModelProto model, float[] x, int rows, boolean eachRow) {
        try (OnnxRunner runner = OnnxRunner.open(model, INPUT, Device.CPU, FILE)) {
            return eachRow ? runner.runEachRow(x, rows, 64, List.of("y")).get("y")
                    : runner.run(x, rows, 64, List.of("y")).get("y");
        }
    }

    /** Within {@code share} of the float outputs' largest magnitude: int8's error, not a different function. */
    static void assertClose(float[] expected, float[] actual, double share, String what) {
        assertEquals(expected.length, actual.length);
        double scale = 0;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int k = 0; k < expected.length; k++) {
            assertTrue(Math.abs(expected[k] - actual[k]) <= share * scale, what + ", output " + k + ": "
                    + actual[k] + " against " + expected[k] + " (largest " + scale + ")");
        }
    }

    /** The op types of the graph ONNX Runtime optimises the model into. */
    static List<String> optimized(ModelProto model) throws Exception {
        Path file = Files.createTempFile("optimised", ".onnx");
        try (ai.onnxruntime.OrtSession.SessionOptions options = new ai.onnxruntime.OrtSession.SessionOptions()) {
            options.setOptimizationLevel(ai.onnxruntime.OrtSession.SessionOptions.OptLevel.EXTENDED_OPT);
            options.setOptimizedModelFilePath(file.toString());
            OnnxRunner.environment().createSession(model.toByteArray(), options).close();
            return GraphModels.ops(OnnxModelFile.read(file));
        } finally {
            Files.deleteIfExists(file);
        }
    }
}

package org.odf2nna.onnx.cleaning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.odf2nna.graph.Graphs;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.OnnxValues;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * The cleaning passes on graphs built in code: each rewrites what it should (the node gone, the graph smaller), ONNX
 * Runtime computes the same outputs before and after (to 1e-5), and what a pass needs missing (a graph output, a
 * second reader, an operand that is not constant, a constant along another axis) leaves the graph as it was.
 */
class ModelCleanerTest {

    private static final Path FILE = Path.of("cleaning-test.onnx");
    private static final long FLOAT_TYPE = TensorProto.DataType.FLOAT_VALUE;

    /**
     * Keras 3's ONNX export of an MLP with BatchNormalization and Dropout: Dense as MatMul + Add, BatchNormalization
     * decomposed into Sub/Mul/Add (and Sub/Div/Mul/Add), Identity and Dropout between, float→float Casts before the
     * output. Cleaned, it is a plain chain of three dense layers that the chain reader takes.
     */
    @Test
    void keras3ExportBecomesAPlainDenseChain() {
        Graphs g = new Graphs(1).input("x", 6).output("y", 3);
        String h = g.node("MatMul", "mm1", "x", g.init("w1", 0.6, 6, 8));
        h = g.node("Add", "dense1", h, g.init("b1", 0.3, 8));
        h = g.node("Sub", "bn1_sub", h, g.init("bn1_mean", 0.5, 8));
        h = g.node("Mul", "bn1_mul", h, positive(g, "bn1_scale", 8, 0.5, 2));
        h = g.node("Add", "bn1_add", h, g.init("bn1_beta", 0.3, 8));
        h = g.node("Relu", "r1", h);
        h = g.node("Dropout", "drop1", h);
        h = g.node("MatMul", "mm2", h, g.init("w2", 0.5, 8, 8));
        h = g.node("Add", "dense2", h, g.init("b2", 0.3, 8));
        h = g.node("Sub", "bn2_sub", h, g.init("bn2_mean", 0.5, 8));
        h = g.node("Div", "bn2_div", h, positive(g, "bn2_std", 8, 0.5, 2));
        h = g.node("Mul", "bn2_mul", h, g.init("bn2_gamma", 1.5, 8));
        h = g.node("Add", "bn2_add", h, g.init("bn2_beta", 0.3, 8));
        h = g.node("Relu", "r2", h);
        h = g.node("Identity", "id2", h);
        h = g.node("MatMul", "mm3", h, g.init("w3", 0.5, 8, 3));
        h = g.node("Add", "dense3", h, g.init("b3", 0.3, 3));
        h = g.node("Softmax", "probs", List.of(Graphs.integer("axis", -1)), h);
        h = g.node("Cast", "cast1", List.of(Graphs.integer("to", FLOAT_TYPE)), h);
        g.node("Cast", "y", List.of(Graphs.integer("to", FLOAT_TYPE)), h);
        ModelProto model = g.model(17);

        Cleaned cleaned = sameOutputs(model, 6);
        assertEquals(List.of("MatMul", "Add", "Relu", "MatMul", "Add", "Relu", "MatMul", "Add", "Softmax"),
                ops(cleaned.model()));
        List<String> summary = cleaned.summary();
        assertEquals("2 Casts to the same type removed (/Cast_18, /Cast_19)", summary.get(0), summary.toString());
        assertTrue(summary.contains("1 Identity node removed (/Identity_14)"), summary.toString());
        assertTrue(summary.contains("1 Dropout (inference) removed (/Dropout_6)"), summary.toString());
        assertTrue(summary.contains("2 affine chains folded into /MatMul_0 (/Sub_2, /Mul_3, /Add_4), "
                + "/MatMul_7 (/Sub_9, /Div_10, /Mul_11, /Add_12)"), summary.toString());
        OnnxDenseModel chain = DenseChainReader.read(cleaned.model(), FILE);
        assertEquals("6-8-8-3", chain.network().architecture());
        assertEquals("y", cleaned.model().getGraph().getOutput(0).getName());
        // What the folds made unused is gone from the file.
        List<String> initializers = cleaned.model().getGraph().getInitializerList().stream().map(TensorProto::getName)
                .toList();
        assertFalse(initializers.contains("bn1_mean"), initializers.toString());
        assertFalse(initializers.contains("bn2_gamma"), initializers.toString());
    }

    /**
     * The graph Keras 3.15 writes with {@code model.export(path, format="onnx")} on the torch backend for
     * {@code Dense(32, relu) → BatchNormalization → Dropout → Dense(16, relu) → Dense(10, softmax)}: a float→float Cast
     * around every node, and the BatchNormalization after the ReLU as Sub/Mul/Add of [1, 32] constants, which folds
     * into the next dense layer's inputs.
     */
    @Test
    void keras3TorchExportFoldsTheBatchNormalizationIntoTheNextLayer() {
        Graphs g = new Graphs(14).input("pixels", 64).output("probs", 10);
        String h = cast(g, cast(g, cast(g, "pixels")));
        h = cast(g, g.node("MatMul", "mm1", h, g.init("w1", 0.3, 64, 32)));
        h = cast(g, cast(g, g.node("Add", "dense1", h, g.init("b1", 0.3, 32))));
        h = cast(g, g.node("Relu", "r1", h));
        h = g.node("Sub", "bn_sub", h, g.init("bn_mean", 0.5, 1, 32));
        h = g.node("Mul", "bn_mul", h, positive(g, "bn_scale", 32, 0.5, 2, 1, 32));
        h = cast(g, g.node("Add", "bn_add", h, g.init("bn_beta", 0.3, 1, 32)));
        h = cast(g, g.node("MatMul", "mm2", h, g.init("w2", 0.3, 32, 16)));
        h = cast(g, cast(g, g.node("Add", "dense2", h, g.init("b2", 0.3, 16))));
        h = cast(g, g.node("Relu", "r2", h));
        h = cast(g, g.node("MatMul", "mm3", h, g.init("w3", 0.3, 16, 10)));
        h = cast(g, g.node("Add", "dense3", h, g.init("b3", 0.3, 10)));
        g.node("Softmax", "probs", List.of(Graphs.integer("axis", -1)), h);
        Cleaned cleaned = sameOutputs(g.model(20), 64);
        assertEquals(List.of("MatMul", "Add", "Relu", "MatMul", "Add", "Relu", "MatMul", "Add", "Softmax"),
                ops(cleaned.model()));
        assertEquals("64-32-16-10", DenseChainReader.read(cleaned.model(), FILE).network().architecture());
        assertTrue(cleaned.summary().get(0).startsWith("14 Casts to the same type removed"), cleaned.summary()
                .toString());
        assertTrue(cleaned.summary().get(1).startsWith("1 input scaling folded into /MatMul_"), cleaned.summary()
                .toString());
    }

    @Test
    void batchNormalizationFoldsIntoGemmAndConv() {
        Graphs g = new Graphs(2).input("x", 2, 5, 5).output("y", 4);
        String h = g.node("Conv", "c1", List.of(Graphs.ints("pads", 1, 1, 1, 1)), "x", g.init("cw", 0.5, 3, 2, 3, 3),
                g.init("cb", 0.2, 3));
        h = batchNorm(g, "bn_c", h, 3);
        h = g.node("Relu", "cr", h);
        h = g.node("Flatten", "flat", h);
        h = g.node("Gemm", "fc", List.of(Graphs.integer("transB", 1), floatAttr("beta", 0.5f)), h,
                g.init("fw", 0.2, 4, 75), g.init("fb", 0.2, 4));
        batchNorm(g, "y", h, 4);
        Cleaned cleaned = sameOutputs(g.model(13), 50);
        assertEquals(List.of("Conv", "Relu", "Flatten", "Gemm"), ops(cleaned.model()));
        assertEquals(List.of("2 BatchNormalizations folded into /Conv_0 (/BatchNormalization_1), /Gemm_4 "
                + "(/BatchNormalization_5)"), cleaned.summary());
    }

    @Test
    void perChannelAffineFoldsIntoConvWithoutBias() {
        Graphs g = new Graphs(3).input("x", 2, 4, 4).output("y", 3, 4, 4);
        String h = g.node("Conv", "c1", List.of(Graphs.ints("pads", 1, 1, 1, 1)), "x", g.init("cw", 0.5, 3, 2, 3, 3));
        h = g.node("Mul", "m", h, g.init("s", 1.5, 3, 1, 1));
        g.node("Add", "y", g.init("a", 1.0, 1, 3, 1, 1), h);
        Cleaned cleaned = sameOutputs(g.model(13), 32);
        assertEquals(List.of("Conv"), ops(cleaned.model()));
        assertEquals(3, cleaned.model().getGraph().getNode(0).getInputCount(), "a bias was added");
    }

    /** A scaling per feature between layers folds into the next one (a Gemm with alpha and transB, a MatMul). */
    @Test
    void aScalingPerFeatureFoldsIntoTheNextLayer() {
        Graphs g = new Graphs(4).input("x", 5).output("y", 3);
        String h = g.node("Relu", "r", "x");
        h = g.node("Sub", "centred", h, g.init("mean", 2.0, 5));
        h = g.node("Div", "scaled", h, positive(g, "std", 5, 0.5, 3));
        h = g.node("Gemm", "fc", List.of(Graphs.integer("transB", 1), floatAttr("alpha", 0.7f)), h,
                g.init("fw", 0.5, 3, 5), g.init("fb", 0.5, 3));
        h = g.node("Tanh", "t", h);
        h = g.node("Mul", "half", h, g.init("k", 1.0, 3));
        h = g.node("MatMul", "mm", h, g.init("w2", 0.5, 3, 3));
        g.node("Add", "y", h, g.init("b2", 0.5, 3));
        Cleaned cleaned = sameOutputs(g.model(13), 5);
        assertEquals(List.of("Relu", "Gemm", "Tanh", "MatMul", "Add"), ops(cleaned.model()));
        assertEquals(List.of("2 input scalings folded into /Gemm_3 (/Sub_1, /Div_2), /MatMul_6 (/Mul_5)"),
                cleaned.summary());
    }

    /** A normalisation of the graph's raw input stays the prefix it is (int8 and input selection work behind it). */
    @Test
    void theInputsNormalisationStays() {
        Graphs g = new Graphs(15).input("x", 5).output("y", 3);
        String h = g.node("Sub", "centred", "x", g.init("mean", 2.0, 5));
        h = g.node("Flatten", "flat", h);
        h = g.node("Mul", "scaled", h, g.init("inv", 1.0, 5));
        g.node("Gemm", "y", List.of(Graphs.integer("transB", 1)), h, g.init("fw", 0.5, 3, 5), g.init("fb", 0.5, 3));
        unchanged(g.model(13));
    }

    @Test
    void aSubAfterABareMatMulBecomesItsBias() {
        Graphs g = new Graphs(5).input("x", 4).output("y", 3);
        String h = g.node("MatMul", "mm", "x", g.init("w", 0.5, 4, 3));
        h = g.node("Sub", "sub", h, g.init("mean", 1.0, 3));
        h = g.node("Mul", "mul", h, g.init("s", 1.0, 3));
        g.node("Add", "y", h, g.init("beta", 1.0, 3));
        Cleaned cleaned = sameOutputs(g.model(13), 4);
        assertEquals(List.of("MatMul", "Add"), ops(cleaned.model()));
        assertEquals("y", cleaned.model().getGraph().getNode(1).getOutput(0));
    }

    /** A weight two layers read keeps its values for the one not folded into. */
    @Test
    void aSharedWeightIsCopiedNotChanged() {
        Graphs g = new Graphs(6).input("x", 4).output("y", 3);
        String w = g.init("w", 0.5, 4, 3);
        String a = g.node("Gemm", "a", "x", w, g.init("ba", 0.5, 3));
        String scaled = g.node("Mul", "scaled", a, g.init("s", 2.0, 3));
        String b = g.node("Gemm", "b", "x", w);
        g.node("Add", "y", scaled, b);
        Cleaned cleaned = sameOutputs(g.model(13), 4);
        assertEquals(List.of("Gemm", "Gemm", "Add"), ops(cleaned.model()));
    }

    @Test
    void whatAPassNeedsMissingLeavesTheGraphAsItWas() {
        // The layer's output is also a graph output: folding would change it.
        Graphs g = new Graphs(7).input("x", 4).output("y", 3).output("h", 3);
        String h = g.node("Gemm", "h", "x", g.init("w", 0.5, 4, 3), g.init("b", 0.5, 3));
        g.node("Mul", "y", h, g.init("s", 1.0, 3));
        unchanged(g.model(13));

        // A second reader of the layer's output.
        g = new Graphs(8).input("x", 4).output("y", 3);
        h = g.node("Gemm", "h", "x", g.init("w", 0.5, 4, 3), g.init("b", 0.5, 3));
        String m = g.node("Add", "m", h, g.init("c", 1.0, 3));
        g.node("Mul", "y", m, h);
        unchanged(g.model(13));

        // An operand that is not constant, and a Cast to another type.
        g = new Graphs(9).input("x", 4).output("y", 3);
        h = g.node("Gemm", "h", "x", g.init("w", 0.5, 4, 3), g.init("b", 0.5, 3));
        String other = g.node("Gemm", "o", "x", g.init("w2", 0.5, 4, 3));
        String d = g.node("Cast", "d", List.of(Graphs.integer("to", TensorProto.DataType.DOUBLE_VALUE)),
                g.node("Mul", "prod", h, other));
        g.node("Cast", "y", List.of(Graphs.integer("to", FLOAT_TYPE)), d);
        unchanged(g.model(13));

        // A per-unit constant on a Conv's last axis is not per channel.
        g = new Graphs(10).input("x", 2, 3, 3).output("y", 3, 3, 3);
        h = g.node("Conv", "c", List.of(Graphs.ints("pads", 1, 1, 1, 1)), "x", g.init("cw", 0.5, 3, 2, 3, 3));
        g.node("Mul", "y", h, g.init("s", 1.0, 3));
        unchanged(g.model(13));

        // A Dropout in training mode with a ratio of 0 drops nothing (torch 1.13's export of torchvision 0.14's swin).
        g = new Graphs(11).input("x", 4).output("y", 4);
        String before = g.node("Relu", "r", "x");
        g.raw(NodeProto.newBuilder().setOpType("Dropout").setName("zero").addInput(before)
                .addInput(g.init("ratio", new float[] {0f})).addInput(bool(g, "on", true)).addOutput("d").build());
        g.node("Relu", "y", "d");
        assertTrue(ModelCleaner.clean(g.model(13), FILE).changed());

        // A Dropout in training mode, and one whose mask is read.
        g = new Graphs(11).input("x", 4).output("y", 4).output("mask", 4);
        g.raw(NodeProto.newBuilder().setOpType("Dropout").setName("train").addInput("x").addInput("")
                .addInput(bool(g, "on", true)).addOutput("t").build());
        g.raw(NodeProto.newBuilder().setOpType("Dropout").setName("masked").addInput("t").addOutput("y")
                .addOutput("mask").build());
        assertFalse(ModelCleaner.clean(g.model(13), FILE).changed());

        // A scale per input feature on a tensor whose last axis is not known to hold them could widen it.
        g = new Graphs(12).input("x", 4).output("y", 3);
        String unknown = g.node("Reshape", "r", "x", g.int64("shape", -1, 4));
        String scaledIn = g.node("Mul", "sc", unknown, g.init("s", 1.0, 4));
        g.node("Gemm", "y", scaledIn, g.init("w", 0.5, 4, 3));
        unchanged(g.model(13));
    }

    /** A Gemm, an Identity and a Cast to float: two passes each have something to take out. */
    private static ModelProto identityAndCast() {
        Graphs g = new Graphs(13).input("x", 4).output("y", 3);
        String h = g.node("Gemm", "h", "x", g.init("w", 0.5, 4, 3), g.init("b", 0.5, 3));
        h = g.node("Identity", "id", h);
        g.node("Cast", "y", List.of(Graphs.integer("to", FLOAT_TYPE)), h);
        return g.model(13);
    }

    /**
     * A pass that stops on a graph is named in a note with what stopped it, and the others still clean the graph; a
     * pass turned off by name leaves its nodes; a CleaningBug is not a note but thrown.
     */
    @Test
    void aPassThatStopsIsNamedAndTheOthersStillClean() {
        ModelProto model = identityAndCast();
        Function<String, CleaningPass> failing = name -> name.equals(RemovalPass.IDENTITY) ? new CleaningPass(RemovalPass.IDENTITY) {
            @Override
            List<CleaningStep> apply(EditableGraph graph) {
                throw new IllegalArgumentException("shapes that contradict their data");
            }
        } : ModelCleaner.make(name);
        Cleaned cleaned = ModelCleaner.clean(model, FILE, List.of(), failing);
        assertEquals(List.of("cleaning pass identity stopped on this graph (java.lang.IllegalArgumentException: "
                + "shapes that contradict their data); cleaned without it"), cleaned.notes());
        assertEquals(List.of("Gemm", "Identity"), ops(cleaned.model()), "the Cast went, the Identity stayed");
        assertTrue(cleaned.summary().get(cleaned.summary().size() - 1).startsWith("cleaning pass identity stopped"),
                cleaned.summary().toString());

        Cleaned off = ModelCleaner.clean(model, FILE, List.of(RemovalPass.SAME_TYPE_CAST));
        assertEquals(List.of("Gemm", "Cast"), ops(off.model()), "the Identity went, the Cast stayed");
        assertEquals(List.of(), off.notes());
        assertEquals(List.of("Gemm"), ops(ModelCleaner.clean(model, FILE).model()));
        IllegalArgumentException unknown = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> ModelCleaner.clean(model, FILE, List.of("casts")));
        assertTrue(unknown.getMessage().contains("same-type-cast, identity"), unknown.getMessage());

        Function<String, CleaningPass> buggy = name -> name.equals(RemovalPass.IDENTITY) ? new CleaningPass(RemovalPass.IDENTITY) {
            @Override
            List<CleaningStep> apply(EditableGraph graph) {
                throw new CleaningBug("a folded node could not be taken out");
            }
        } : ModelCleaner.make(name);
        org.junit.jupiter.api.Assertions.assertThrows(CleaningBug.class,
                () -> ModelCleaner.clean(model, FILE, List.of(), buggy));
    }

    /** An Identity straight from the graph input to its output has nothing to be renamed to, and stays. */
    @Test
    void anIdentityBetweenInputAndOutputStays() {
        Graphs g = new Graphs(13).input("x", 4).output("y", 4);
        g.node("Identity", "y", "x");
        assertFalse(ModelCleaner.clean(g.model(13), FILE).changed());
    }

    // ---- helpers ----

    /** Cleans {@code model}, checks ONNX Runtime gives the same outputs before and after, and returns the result. */
    private static Cleaned sameOutputs(ModelProto model, int width) {
        Cleaned cleaned = ModelCleaner.clean(model, FILE);
        assertTrue(cleaned.changed(), "nothing was cleaned");
        int rows = 16;
        float[] x = Graphs.rows(99, rows, width);
        Map<String, float[]> before = run(model, x, rows);
        Map<String, float[]> after = run(cleaned.model(), x, rows);
        assertEquals(before.keySet(), after.keySet());
        before.forEach((name, values) -> {
            double largest = Graphs.maxDifference(values, after.get(name));
            assertTrue(largest <= 1e-5 * Math.max(1, maxAbs(values)), name + " differs by " + largest);
        });
        return cleaned;
    }

    private static void unchanged(ModelProto model) {
        Cleaned cleaned = ModelCleaner.clean(model, FILE);
        assertEquals(List.of(), cleaned.summary());
        assertEquals(model, cleaned.model());
    }

    static Map<String, float[]> run(ModelProto model, float[] x, int rows) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long[] shape = inputShape(model, rows);
        try (OrtSession session = env.createSession(model.toByteArray(), new OrtSession.SessionOptions());
                OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
                OrtSession.Result result = session.run(Map.of(model.getGraph().getInput(0).getName(), input))) {
            Map<String, float[]> out = new java.util.TreeMap<>();
            for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : result) {
                FloatBuffer values = ((OnnxTensor) e.getValue()).getFloatBuffer();
                float[] copy = new float[values.remaining()];
                values.get(copy);
                out.put(e.getKey(), copy);
            }
            return out;
        } catch (OrtException e) {
            throw new AssertionError(e);
        }
    }

    private static long[] inputShape(ModelProto model, int rows) {
        var dims = model.getGraph().getInput(0).getType().getTensorType().getShape().getDimList();
        long[] shape = new long[dims.size()];
        for (int k = 0; k < shape.length; k++) {
            shape[k] = k == 0 ? rows : dims.get(k).getDimValue();
        }
        return shape;
    }

    private static List<String> ops(ModelProto model) {
        List<String> ops = new ArrayList<>();
        model.getGraph().getNodeList().forEach(n -> ops.add(n.getOpType()));
        return ops;
    }

    private static double maxAbs(float[] values) {
        double m = 0;
        for (float v : values) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    private static String positive(Graphs g, String name, int n, double low, double high, long... dims) {
        float[] v = new float[n];
        for (int k = 0; k < n; k++) {
            v[k] = (float) (low + (high - low) * ((k * 7919) % n) / Math.max(1, n - 1));
        }
        return g.init(name, v, dims.length == 0 ? new long[] {n} : dims);
    }

    private static int casts;

    private static String cast(Graphs g, String in) {
        return g.node("Cast", "cast_" + casts++, List.of(Graphs.integer("to", FLOAT_TYPE)), in);
    }

    private static String batchNorm(Graphs g, String out, String in, int channels) {
        return g.node("BatchNormalization", out, List.of(floatAttr("epsilon", 1e-3f)), in,
                g.init(out + "_gamma", 1.5, channels), g.init(out + "_beta", 0.5, channels),
                g.init(out + "_mean", 0.5, channels), positive(g, out + "_var", channels, 0.2, 2));
    }

    private static String bool(Graphs g, String name, boolean value) {
        g.raw(NodeProto.newBuilder().setOpType("Constant").setName(name).addOutput(name).addAttribute(
                AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR).setT(
                        TensorProto.newBuilder().setDataType(TensorProto.DataType.BOOL_VALUE)
                                .addInt32Data(value ? 1 : 0))).build());
        return name;
    }

    private static AttributeProto floatAttr(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value)
                .build();
    }

    static int unused = OnnxValues.FLOAT;
}

package org.odf2nna.onnx.cleaning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.odf2nna.graph.BlockFinder;
import org.odf2nna.graph.Graphs;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * The layout-transposes pass on NHWC graphs built in code as TensorFlow's translation writes them (each Conv between
 * a Transpose to NCHW and one back): the Transposes that cancel go, ONNX Runtime computes the same outputs, the block
 * between two convolutions is found; a tensor read in the NHWC layout by anything else keeps them all.
 */
class LayoutTransposesTest {

    private static final Path FILE = Path.of("layout-test.onnx");
    private static final long[] TO_NCHW = {0, 3, 1, 2};
    private static final long[] TO_NHWC = {0, 2, 3, 1};

    @Test
    void aConvReluConvChainLosesItsInnerTransposesAndIsABlock() {
        Graphs g = new Graphs(21).input("x", 4, 4, 3).output("y", 4, 4, 3);
        String h = transpose(g, "in_nchw", "x", TO_NCHW);
        h = g.node("Conv", "c1", h, g.init("w1", 0.5, 6, 3, 1, 1), g.init("b1", 0.2, 6));
        h = transpose(g, "c1_nhwc", h, TO_NHWC);
        h = g.node("Relu", "r", h);
        h = transpose(g, "c2_nchw", h, TO_NCHW);
        h = g.node("Conv", "c2", h, g.init("w2", 0.5, 3, 6, 1, 1), g.init("b2", 0.2, 3));
        transpose(g, "y", h, TO_NHWC);
        ModelProto model = g.model(17);
        assertTrue(BlockFinder.find(model, FILE).isEmpty(), "the Transposes hide the block");

        Cleaned cleaned = sameOutputs(model, 4 * 4 * 3);
        assertEquals(List.of("Transpose", "Conv", "Relu", "Conv", "Transpose"), ops(cleaned.model()));
        assertEquals(List.of("2 layout Transposes removed (/Transpose_4, /Transpose_2)"), cleaned.summary());
        assertEquals(1, BlockFinder.find(cleaned.model(), FILE).size());
        assertEquals("y", cleaned.model().getGraph().getOutput(0).getName());
    }

    /**
     * MobileNetV3's and EfficientNet's pieces between convolutions, in NHWC: hard-swish (Add, Clip, Div of constants
     * and a Mul of two tensors), a Pad of the spatial axes, a per-channel scale, a squeeze-excite (ReduceMean without
     * the axes and a Reshape back, a 1×1 Conv, a sigmoid, a Mul broadcasting) and a residual Add of two transposed
     * tensors: all in NCHW after, the same outputs.
     */
    @Test
    void elementwisePadSqueezeExciteAndResidualAddMoveWithTheLayout() {
        Graphs g = new Graphs(22).input("x", 5, 5, 4).output("y", 5, 5, 4);
        String h = transpose(g, "in_nchw", "x", TO_NCHW);
        h = g.node("Conv", "stem", h, g.init("w0", 0.5, 4, 4, 1, 1), g.init("b0", 0.2, 4));
        String stem = transpose(g, "stem_nhwc", h, TO_NHWC);
        h = transpose(g, "expand_nchw", stem, TO_NCHW);
        h = g.node("Conv", "expand", h, g.init("w1", 0.5, 8, 4, 1, 1), g.init("b1", 0.2, 8));
        String t = transpose(g, "expand_nhwc", h, TO_NHWC);
        String a = g.node("Add", "hs_add", t, g.init("three", new float[] {3f}));
        a = g.node("Clip", "hs_clip", a, g.init("lo", new float[] {0f}), g.init("hi", new float[] {6f}));
        a = g.node("Div", "hs_div", a, g.init("six", new float[] {6f}));
        h = g.node("Mul", "hs", t, a);
        h = g.node("Mul", "scale", h, g.init("s", 1.0, 1, 1, 1, 8));
        h = g.node("Pad", "pad", h, g.int64("pads", 0, 1, 1, 0, 0, 1, 1, 0));
        h = transpose(g, "dw_nchw", h, TO_NCHW);
        h = g.node("Conv", "dw", List.of(Graphs.integer("group", 8)), h, g.init("wd", 0.5, 8, 1, 3, 3),
                g.init("bd", 0.2, 8));
        String d = transpose(g, "dw_nhwc", h, TO_NHWC);
        String se = g.node("ReduceMean", "squeeze", List.of(Graphs.ints("axes", 1, 2), Graphs.integer("keepdims", 0)),
                d);
        se = g.node("Reshape", "se_shape", se, g.int64("se_dims", -1, 1, 1, 8));
        se = transpose(g, "se_nchw", se, TO_NCHW);
        se = g.node("Conv", "se_conv", se, g.init("ws", 0.5, 8, 8, 1, 1), g.init("bs", 0.2, 8));
        se = transpose(g, "se_nhwc", se, TO_NHWC);
        se = g.node("Sigmoid", "se_sigmoid", se);
        h = g.node("Mul", "excite", d, se);
        h = transpose(g, "project_nchw", h, TO_NCHW);
        h = g.node("Conv", "project", h, g.init("w2", 0.5, 4, 8, 1, 1), g.init("b2", 0.2, 4));
        String p = transpose(g, "project_nhwc", h, TO_NHWC);
        String residual = g.node("Add", "residual", p, stem);
        h = transpose(g, "head_nchw", residual, TO_NCHW);
        h = g.node("Conv", "head", h, g.init("w3", 0.5, 4, 4, 1, 1), g.init("b3", 0.2, 4));
        transpose(g, "y", h, TO_NHWC);
        ModelProto model = g.model(17);

        Cleaned cleaned = sameOutputs(model, 5 * 5 * 4);
        long transposes = ops(cleaned.model()).stream().filter("Transpose"::equals).count();
        assertEquals(2, transposes, ops(cleaned.model()).toString());
        assertFalse(ops(cleaned.model()).contains("Reshape"), "the ReduceMean keeps its axes instead");
        NodeProto pad = cleaned.model().getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Pad"))
                .findFirst().orElseThrow();
        long[] pads = TransposeRegion.int64s(cleaned.model().getGraph().getInitializerList().stream()
                .filter(i -> i.getName().equals(pad.getInput(1))).findFirst().orElseThrow());
        assertArrayEquals(new long[] {0, 0, 1, 1, 0, 0, 1, 1}, pads);
    }

    /**
     * A global average pooling of NHWC before a Dense head (ReduceMean over H and W without them): the channels stay
     * in their order, so the region ends there, its axes renamed; one that would leave the axes in another order
     * (over the batch) keeps the Transposes.
     */
    @Test
    void aGlobalPoolingBeforeTheHeadEndsTheRegion() {
        Graphs g = new Graphs(25).input("x", 4, 4, 3).output("y", 2);
        String h = transpose(g, "in_nchw", "x", TO_NCHW);
        h = g.node("Conv", "c1", h, g.init("w1", 0.5, 6, 3, 1, 1), g.init("b1", 0.2, 6));
        h = g.node("Relu", "r", transpose(g, "c1_nhwc", h, TO_NHWC));
        h = g.node("ReduceMean", "pool", List.of(Graphs.ints("axes", 1, 2), Graphs.integer("keepdims", 0)), h);
        g.node("MatMul", "y", h, g.init("wd", 0.5, 6, 2));
        Cleaned cleaned = sameOutputs(g.model(17), 4 * 4 * 3);
        assertEquals(List.of("Transpose", "Conv", "Relu", "ReduceMean", "MatMul"), ops(cleaned.model()));
        NodeProto pool = cleaned.model().getGraph().getNode(3);
        assertEquals(List.of(2L, 3L), pool.getAttributeList().stream().filter(a -> a.getName().equals("axes"))
                .findFirst().orElseThrow().getIntsList());
        assertEquals(1, BlockFinder.find(cleaned.model(), FILE).size(), "Conv, Relu, pooling, MatMul: a block");

        g = new Graphs(26).input("x", 4, 4, 3).output("y", 4, 6);
        h = transpose(g, "in_nchw", "x", TO_NCHW);
        h = g.node("Conv", "c1", h, g.init("w1", 0.5, 6, 3, 1, 1), g.init("b1", 0.2, 6));
        h = g.node("Relu", "r", transpose(g, "c1_nhwc", h, TO_NHWC));
        g.node("ReduceMean", "y", List.of(Graphs.ints("axes", 0), Graphs.integer("keepdims", 0)), h);
        ModelProto model = g.model(17);
        assertEquals(model, ModelCleaner.clean(model, FILE).model());
    }

    /** A tensor of the NHWC layout also read by a Flatten (which would read the channels in another order): kept. */
    @Test
    void aReaderOfTheNhwcTensorKeepsTheTransposes() {
        Graphs g = new Graphs(23).input("x", 4, 4, 3).output("y", 4, 4, 3).output("z", 2);
        String h = transpose(g, "in_nchw", "x", TO_NCHW);
        h = g.node("Conv", "c1", h, g.init("w1", 0.5, 6, 3, 1, 1), g.init("b1", 0.2, 6));
        String t = transpose(g, "c1_nhwc", h, TO_NHWC);
        h = g.node("Relu", "r", t);
        h = transpose(g, "c2_nchw", h, TO_NCHW);
        h = g.node("Conv", "c2", h, g.init("w2", 0.5, 3, 6, 1, 1), g.init("b2", 0.2, 3));
        transpose(g, "y", h, TO_NHWC);
        String flat = g.node("Flatten", "flat", t);
        g.node("Gemm", "z", List.of(Graphs.integer("transB", 1)), flat, g.init("wz", 0.3, 2, 96));
        ModelProto model = g.model(17);
        Cleaned cleaned = ModelCleaner.clean(model, FILE);
        assertEquals(List.of(), cleaned.summary());
        assertEquals(model, cleaned.model());

        // The same with the NHWC tensor a graph output.
        g = new Graphs(24).input("x", 4, 4, 3).output("y", 4, 4, 3).output("t", 4, 4, 6);
        h = transpose(g, "in_nchw", "x", TO_NCHW);
        h = g.node("Conv", "c1", h, g.init("w1", 0.5, 6, 3, 1, 1), g.init("b1", 0.2, 6));
        t = transpose(g, "t", h, TO_NHWC);
        h = transpose(g, "c2_nchw", g.node("Relu", "r", t), TO_NCHW);
        h = g.node("Conv", "c2", h, g.init("w2", 0.5, 3, 6, 1, 1), g.init("b2", 0.2, 3));
        transpose(g, "y", h, TO_NHWC);
        model = g.model(17);
        assertEquals(model, ModelCleaner.clean(model, FILE).model());
    }

    @Test
    void aConstantIsPermutedWithTheLayout() {
        float[] values = new float[2 * 3];
        for (int i = 0; i < values.length; i++) {
            values[i] = i;
        }
        // [1, 2, 3] in the layout perm (0, 2, 1) names: axis 1 of it is axis 2 of the result, [1, 3, 2].
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, LayoutTransposes.permuted(values, new long[] {1, 2, 3},
                new int[] {0, 2, 1}));
    }

    // ---- helpers ----

    private static String transpose(Graphs g, String out, String in, long[] perm) {
        return g.node("Transpose", out, List.of(Graphs.ints("perm", perm)), in);
    }

    private static Cleaned sameOutputs(ModelProto model, int width) {
        Cleaned cleaned = ModelCleaner.clean(model, FILE);
        assertTrue(cleaned.changed(), "nothing was cleaned");
        int rows = 8;
        float[] x = Graphs.rows(98, rows, width);
        Map<String, float[]> before = ModelCleanerTest.run(model, x, rows);
        Map<String, float[]> after = ModelCleanerTest.run(cleaned.model(), x, rows);
        assertEquals(before.keySet(), after.keySet());
        before.forEach((name, values) -> {
            double largest = Graphs.maxDifference(values, after.get(name));
            assertTrue(largest <= 1e-5, name + " differs by " + largest);
        });
        return cleaned;
    }

    private static List<String> ops(ModelProto model) {
        return model.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList();
    }
}

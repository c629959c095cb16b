package org.odf2nna.tf;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.onnx.TestModels;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.tf.ops.UnsupportedOperatorException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.odf2nna.tf.OnnxGraphs.f;
import static org.odf2nna.tf.OnnxGraphs.i;
import static org.odf2nna.tf.OnnxGraphs.in;
import static org.odf2nna.tf.OnnxGraphs.list;
import static org.odf2nna.tf.OnnxGraphs.s;

/** The ONNX → TensorFlow translation on graphs built in code, each compared with ONNX Runtime on random rows. */
class OnnxTfGraphTest {

    static final int ROWS = 64;

    private static TranslationCheck check(ModelProto model, int width) {
        float[] rows = TestModels.randomRows(3, ROWS, width);
        TranslationCheck c = TranslationCheck.compare(model, rows, ROWS, Device.CPU);
        assertTrue(c.within(1e-4), c.describe());
        return c;
    }

    @Test
    void layerNormalizationOfOpset17AndASoftmaxOverAMiddleAxis() {
        ModelProto m = new OnnxGraphs(17, "x", 4, 6)
                .weights("scale", 0.5f, 1f, 6).weights("bias", 0.5f, 0f, 6).weights("w", 0.4f, 0f, 6, 5)
                .node("LayerNormalization", in("x", "scale", "bias"), "ln", i("axis", -1), f("epsilon", 1e-5f))
                .node("MatMul", in("ln", "w"), "mm")
                .node("Softmax", in("mm"), "y", i("axis", 1))
                .output("y").model();
        check(m, 24);
    }

    @Test
    void groupedAndDepthwiseConvolutionsWithPadsStridesPoolsAndBatchNormalization() {
        ModelProto m = new OnnxGraphs(14, "x", 4, 7, 7)
                .weights("w1", 0.3f, 0f, 6, 2, 3, 3).weights("b1", 0.1f, 0f, 6)
                .weights("w2", 0.3f, 0f, 12, 1, 3, 3).weights("b2", 0.1f, 0f, 12)
                .weights("s", 0.2f, 1f, 12).weights("o", 0.2f, 0f, 12).weights("mu", 0.2f, 0f, 12)
                .weights("var", 0.1f, 1f, 12)
                .weights("wh", 0.3f, 0f, 3, 12).weights("bh", 0.1f, 0f, 3)
                .node("Conv", in("x", "w1", "b1"), "c1", i("group", 2), list("pads", 1, 1, 1, 1), list("strides", 2, 2))
                .node("Relu", in("c1"), "r1")
                .node("Conv", in("r1", "w2", "b2"), "c2", i("group", 6), list("pads", 1, 0, 1, 2))
                .node("BatchNormalization", in("c2", "s", "o", "mu", "var"), "bn", f("epsilon", 1e-3f))
                .node("HardSwish", in("bn"), "hs")
                .node("MaxPool", in("hs"), "mp", list("kernel_shape", 2, 2), list("pads", 1, 1, 0, 0))
                .node("AveragePool", in("mp"), "ap", list("kernel_shape", 3, 3), list("strides", 2, 2),
                        list("pads", 1, 1, 1, 1))
                .node("GlobalAveragePool", in("ap"), "gp")
                .node("Flatten", in("gp"), "fl")
                .node("Gemm", in("fl", "wh", "bh"), "y", i("transB", 1))
                .output("y").model();
        check(m, 196);
    }

    /**
     * Convolutions that TensorFlow pads itself (SAME at stride 1: 3×3 with pads 1, 2×2 with pads 0,0,1,1, a dilated
     * depthwise one), a residual Add, a Clip between scalars and a squeeze-excite Mul, all on channels-last forms; then
     * an Add of a per-channel constant and a strided convolution, which take the ONNX layout and a Pad.
     */
    static ModelProto channelsLastNet() {
        return new OnnxGraphs(14, "x", 4, 6, 6)
                .weights("w1", 0.3f, 0f, 8, 4, 3, 3).weights("b1", 0.1f, 0f, 8)
                .weights("w2", 0.3f, 0f, 8, 8, 2, 2)
                .weights("w3", 0.3f, 0f, 8, 1, 3, 3).weights("lo", 0f, -0.5f).weights("hi", 0f, 2f)
                .weights("ws1", 0.4f, 0f, 4, 8, 1, 1).weights("ws2", 0.4f, 0f, 8, 4, 1, 1)
                .weights("cb", 0.2f, 0f, 8, 1, 1).weights("w5", 0.3f, 0f, 6, 8, 3, 3)
                .weights("wh", 0.4f, 0f, 3, 54).weights("bh", 0.1f, 0f, 3)
                .node("Conv", in("x", "w1", "b1"), "c1", list("pads", 1, 1, 1, 1))
                .node("Relu", in("c1"), "r1")
                .node("Conv", in("r1", "w2"), "c2", list("pads", 0, 0, 1, 1))
                .node("Add", in("c2", "r1"), "a")
                .node("Conv", in("a", "w3"), "dw", i("group", 8), list("dilations", 2, 2), list("pads", 2, 2, 2, 2))
                .node("Clip", in("dw", "lo", "hi"), "cl")
                .node("GlobalAveragePool", in("cl"), "gp")
                .node("Conv", in("gp", "ws1"), "s1")
                .node("Relu", in("s1"), "sr")
                .node("Conv", in("sr", "ws2"), "s2")
                .node("Sigmoid", in("s2"), "sg")
                .node("Mul", in("cl", "sg"), "m")
                .node("Add", in("m", "cb"), "ab")
                .node("Conv", in("ab", "w5"), "c5", list("pads", 1, 1, 1, 1), list("strides", 2, 2))
                .node("Flatten", in("c5"), "fl")
                .node("Gemm", in("fl", "wh", "bh"), "y", i("transB", 1))
                .output("y").model();
    }

    @Test
    void convolutionsPaddedByTensorFlowAndTheNodesBetweenRunChannelsLast() {
        ModelProto m = channelsLastNet();
        check(m, 144);
        try (OnnxTfGraph g = OnnxTfGraph.translate(m, Set.of())) {
            int pads = 0;
            int convsAfterTranspose = 0;
            for (var it = g.graph.operations(); it.hasNext(); ) {
                org.tensorflow.GraphOperation op = it.next();
                pads += op.type().startsWith("Pad") ? 1 : 0;
                if (op.type().startsWith("Conv2D") || op.type().startsWith("DepthwiseConv2d")) {
                    convsAfterTranspose += op.input(0).op().type().equals("Transpose") ? 1 : 0;
                }
            }
            // Only the strided convolution's padding is a Pad of its own.
            assertEquals(1, pads);
            // Only the first convolution reads its input transposed from ONNX's layout (the strided one reads its Pad).
            assertEquals(1, convsAfterTranspose);
        }
    }

    @Test
    void padInConstantReflectAndEdgeModesAsKerasZeroPaddingWritesIt() {
        // ZeroPadding2D before a strided depthwise Conv (MobileNetV2's blocks), then reflect and edge pads.
        ModelProto m = new OnnxGraphs(13, "x", 3, 6, 6)
                .ints("pads", 0, 0, 0, 0, 0, 0, 1, 1).ints("mirror", 0, 0, 2, 1, 0, 0, 1, 2)
                .ints("edge", 0, 0, 1, 0, 0, 0, 0, 1).weights("value", 0f, 0.5f, 1)
                .weights("w", 0.3f, 0f, 3, 1, 3, 3)
                .node("Pad", in("x", "pads"), "p", s("mode", "constant"))
                .node("Conv", in("p", "w"), "c", i("group", 3), list("strides", 2, 2))
                .node("Pad", in("c", "mirror"), "r", s("mode", "reflect"))
                .node("Pad", in("r", "edge"), "e", s("mode", "edge"))
                .node("Pad", in("e", "pads", "value"), "v")
                .node("Flatten", in("v"), "y")
                .output("y").model();
        check(m, 108);
    }

    @Test
    void shapeArithmeticSlicesGathersAndElementwiseOperators() {
        ModelProto m = new OnnxGraphs(13, "x", 12)
                .ints("shape", 0, 3, 4).ints("starts", 1).ints("ends", Long.MAX_VALUE).ints("axes", 1)
                .ints("steps", 2).ints("last", -1).ints("zeros", 0, 0).ints("both", 0, 1).ints("one", 1).ints("expand", 1, 2, 2)
                .weights("lo", 0f, -0.5f, 1).weights("hi", 0f, 0.5f, 1)
                .node("Reshape", in("x", "shape"), "r")
                .node("Transpose", in("r"), "t", list("perm", 0, 2, 1))
                .node("Slice", in("t", "starts", "ends", "axes", "steps"), "s")
                .node("Unsqueeze", in("s", "one"), "u")
                .node("Squeeze", in("u", "one"), "q")
                .node("ReduceMean", in("q"), "m", list("axes", -1), i("keepdims", 0))
                .node("Gather", in("t", "last"), "g", i("axis", 2))
                .node("Flatten", in("g"), "fg")
                .node("Shape", in("fg"), "gs")
                .node("Clip", in("fg", "lo", "hi"), "c")
                .node("LeakyRelu", in("m"), "lr", f("alpha", 0.1f))
                .node("HardSigmoid", in("lr"), "hsig")
                .node("Concat", in("c", "hsig"), "cat", i("axis", 1))
                .node("Erf", in("cat"), "e")
                .node("Tanh", in("e"), "th")
                .node("Sigmoid", in("th"), "sg")
                .node("Pow", in("sg", "hi"), "pw")
                .node("Sqrt", in("pw"), "sq")
                .node("Sub", in("sq", "e"), "d")
                .node("Div", in("d", "sq"), "dv")
                .node("Slice", in("dv", "zeros", "gs", "both"), "back")
                .node("Cast", in("back"), "cast", i("to", 1))
                .node("Identity", in("cast"), "y")
                .output("y").model();
        check(m, 12);
    }

    @Test
    void opset20GeluBothFormsExpandWhereAndGathersOfFloats() {
        ModelProto m = new OnnxGraphs(20, "x", 6)
                .ints("cols", 0, 2, 5).ints("wide", 1, 2, 6).ints("three", 3)
                .weights("zero", 0f, 0f, 1)
                .node("Gelu", in("x"), "g1")
                .node("Gelu", in("g1"), "g2", OnnxGraphs.s("approximate", "tanh"))
                .node("Gather", in("g2", "cols"), "picked", i("axis", 1))
                .node("Unsqueeze", in("g2", "one"), "u")
                .node("Expand", in("u", "wide"), "e")
                .node("ConstantOfShape", in("three"), "z")
                .node("Greater", in("x", "zero"), "pos")
                .node("Where", in("pos", "x", "g2"), "w")
                .node("Equal", in("w", "x"), "same")
                .node("Cast", in("same"), "samef", i("to", 1))
                .node("ReduceSum", in("e", "one"), "rs", i("keepdims", 0))
                .node("Add", in("picked", "z"), "pz")
                .node("Concat", in("pz", "samef"), "cz", i("axis", -1))
                .node("Flatten", in("rs"), "fr")
                .node("Concat", in("cz", "fr"), "y", i("axis", 1))
                .ints("one", 1)
                .output("y").model();
        check(m, 6);
    }

    @Test
    void opset11SoftmaxOverTheTailAttributeAxesClipInputsAndPools() {
        ModelProto m = new OnnxGraphs(11, "x", 2, 4, 4)
                .weights("lo", 0f, -0.3f, 1).weights("hi", 0f, 0.6f, 1)
                .node("MaxPool", in("x"), "mp", list("kernel_shape", 3, 3), list("pads", 1, 1, 1, 1),
                        list("strides", 2, 2))
                .node("AveragePool", in("x"), "ap", list("kernel_shape", 2, 2), list("pads", 1, 1, 0, 0),
                        i("count_include_pad", 1))
                .node("GlobalMaxPool", in("ap"), "gm")
                .node("Softmax", in("x"), "sm", i("axis", 1))
                .node("Clip", in("sm", "lo", "hi"), "c")
                .node("Squeeze", in("gm"), "sq", list("axes", 2, 3))
                .node("Unsqueeze", in("sq"), "us", list("axes", 1))
                .node("Flatten", in("mp"), "f1")
                .node("Flatten", in("c"), "f2")
                .node("Flatten", in("us"), "f3")
                .node("Concat", in("f1", "f2", "f3"), "y", i("axis", 1))
                .output("y").model();
        check(m, 32);
    }

    @Test
    void anUnsupportedOperatorIsOneLineNamingTheNodeAndTheCallerCanFallBack() {
        ModelProto m = new OnnxGraphs(13, "x", 4)
                .weights("w", 0.5f, 0f, 4, 4)
                .node("MatMul", in("x", "w"), "h")
                .node("Einsum", in("h", "h"), "y")
                .output("y").model();
        UnsupportedOperatorException e = assertThrows(UnsupportedOperatorException.class,
                () -> OnnxTfGraph.translate(m, Set.of("w")));
        assertEquals("Einsum_1", e.node());
        assertEquals("Einsum", e.operator());
        assertEquals("node 'Einsum_1': operator Einsum (opset 13) is not translated; supported: "
                + String.join(", ", org.odf2nna.tf.ops.Translators.names()), e.getMessage());
        assertTrue(e.getMessage().contains(", MatMul, "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        // Retraining stops at the same line before any training, so the caller can fall back.
        float[] rows = TestModels.randomRows(1, 20, 4);
        String fallback;
        try {
            GraphRetrainer.retrain(m, m, Set.of("w"), rows, null, 20, GraphRetrainerTest.settings(1, 0),
                    (ep, n) -> { });
            fallback = null;
        } catch (UnsupportedOperatorException refused) {
            fallback = "sequential block retraining: " + refused.getMessage();
        }
        assertEquals("sequential block retraining: " + e.getMessage(), fallback);
    }

    @Test
    void aTranslationThatDiffersFromOnnxRuntimeIsRefusedWithItsLargestDifference() {
        ModelProto m = new OnnxGraphs(13, "x", 16)
                .weights("w", 0.3f, 0f, 16, 16)
                .node("MatMul", in("x", "w"), "h")
                .node("Erf", in("h"), "e")
                .node("Exp", in("h"), "x2")
                .node("Add", in("e", "x2"), "y")
                .output("y").model();
        float[] rows = TestModels.randomRows(5, 200, 16);
        TranslationCheck c = TranslationCheck.compare(m, rows, 200, Device.CPU);
        assertTrue(c.largest() > 0 && c.within(1e-3), c.describe());
        // Held to no difference at all, the float rounding of two runtimes is enough to refuse.
        GraphRetrainer.TranslationMismatch refused = assertThrows(GraphRetrainer.TranslationMismatch.class,
                () -> GraphRetrainer.retrain(m, m, Set.of("w"), rows, null, 200, GraphRetrainerTest.settings(1, 0)
                        .withTolerance(0), (ep, n) -> { }));
        assertTrue(refused.getMessage().contains("largest difference") && refused.getMessage().contains("row "),
                refused.getMessage());
        assertNotEquals(0, refused.check().largest());
    }
}

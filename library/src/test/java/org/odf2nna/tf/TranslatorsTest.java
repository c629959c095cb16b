package org.odf2nna.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.odf2nna.tf.OnnxGraphs.f;
import static org.odf2nna.tf.OnnxGraphs.i;
import static org.odf2nna.tf.OnnxGraphs.in;
import static org.odf2nna.tf.OnnxGraphs.list;
import static org.odf2nna.tf.OnnxGraphs.t;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.onnx.ConstantFolding;
import org.odf2nna.onnx.TestModels;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.tf.ops.Translators;

/**
 * Every operator of the registry on a tiny graph built in code, translated and compared with ONNX Runtime within
 * 1e-5 on random rows in [-2, 2). Each graph holds its operator; a registered operator without a graph here fails.
 */
class TranslatorsTest {

    private static final int ROWS = 32;
    private static final double TOLERANCE = 1e-5;

    private final Map<String, List<ModelProto>> cases = new TreeMap<>();

    private void add(String op, OnnxGraphs g) {
        cases.computeIfAbsent(op, k -> new ArrayList<>()).add(g.output("y").model());
    }

    /** A float32 Constant's value. */
    private static TensorProto floats(float... v) {
        return TestModels.floatTensor("", v, v.length);
    }

    private void elementwise() {
        for (String op : List.of("Exp", "Erf", "Tanh", "Sigmoid", "Softplus", "Relu", "Floor", "Ceil", "Neg", "Abs",
                "Identity", "Dropout", "LeakyRelu", "Elu", "HardSigmoid", "Softmax", "LogSoftmax")) {
            add(op, new OnnxGraphs(13, "x", 6).node(op, in("x"), "y"));
        }
        for (String op : List.of("Sqrt", "Log", "Reciprocal")) {
            add(op, new OnnxGraphs(13, "x", 6).node("Exp", in("x"), "e").node(op, in("e"), "y"));
        }
        add("HardSwish", new OnnxGraphs(14, "x", 6).node("HardSwish", in("x"), "y"));
        add("Gelu", new OnnxGraphs(20, "x", 6).node("Gelu", in("x"), "y"));
        add("Gelu", new OnnxGraphs(20, "x", 6).node("Gelu", in("x"), "y", OnnxGraphs.s("approximate", "tanh")));
        add("Elu", new OnnxGraphs(13, "x", 6).node("Elu", in("x"), "y", f("alpha", 0.4f)));
        add("Softmax", new OnnxGraphs(13, "x", 2, 3).node("Softmax", in("x"), "y", i("axis", 1)));
        add("PRelu", new OnnxGraphs(13, "x", 2, 3).weights("s", 0.3f, 0.2f, 2, 1).node("PRelu", in("x", "s"), "y"));
        add("Clip", new OnnxGraphs(13, "x", 6).weights("lo", 0f, -0.5f).weights("hi", 0f, 1f)
                .node("Clip", in("x", "lo", "hi"), "y"));
        for (String op : List.of("Add", "Sub", "Mul", "Div", "Max", "Min", "Sum")) {
            add(op, new OnnxGraphs(13, "x", 6).weights("w", 0.3f, 1.5f, 6).node(op, in("x", "w"), "y"));
        }
        for (String op : List.of("Max", "Min", "Sum")) {
            add(op, new OnnxGraphs(13, "x", 6).weights("w", 0.5f, 0f, 6).weights("v", 0.5f, 0f, 1)
                    .node(op, in("x", "w", "v"), "y"));
        }
        add("Pow", new OnnxGraphs(13, "x", 6).weights("w", 0.5f, 0f, 6).node("Exp", in("x"), "e")
                .node("Pow", in("e", "w"), "y"));
        add("Pow", new OnnxGraphs(13, "x", 6).weights("two", 0f, 2f, 1).node("Pow", in("x", "two"), "y"));
        for (String op : List.of("Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual")) {
            // Floors of 2x take few values, so that Equal and the ...OrEqual forms see ties.
            add(op, new OnnxGraphs(13, "x", 6).node("Constant", in(), "c", t("value", floats(-1, 0, 1, -2, 0, 1)))
                    .node("Floor", in("x"), "fl").node(op, in("fl", "c"), "b")
                    .node("Cast", in("b"), "y", i("to", 1)));
        }
        logic();
    }

    private void logic() {
        for (String op : List.of("And", "Or")) {
            add(op, new OnnxGraphs(13, "x", 6).weights("z", 0f, 0f).weights("h", 0f, 1f)
                    .node("Greater", in("x", "z"), "p").node("Less", in("x", "h"), "q")
                    .node(op, in("p", "q"), "b").node("Cast", in("b"), "y", i("to", 1)));
        }
        add("Not", new OnnxGraphs(13, "x", 6).weights("z", 0f, 0f).node("Greater", in("x", "z"), "p")
                .node("Not", in("p"), "b").node("Cast", in("b"), "y", i("to", 1)));
        // IsNaN: the square root of a negative value is NaN, in ONNX Runtime and TensorFlow alike.
        add("IsNaN", new OnnxGraphs(13, "x", 6).node("Sqrt", in("x"), "r").node("IsNaN", in("r"), "b")
                .node("Cast", in("b"), "y", i("to", 1)));
        add("Where", new OnnxGraphs(13, "x", 6).weights("z", 0f, 0f).weights("w", 1f, 0f, 6)
                .node("Greater", in("x", "z"), "p").node("Where", in("p", "x", "w"), "y"));

        // Mod: floats with fmod 1 (the dividend's sign), integers of both signs with fmod 0 (the divisor's).
        add("Mod", new OnnxGraphs(13, "x", 6).weights("w", 0.3f, 1.5f, 6).node("Mod", in("x", "w"), "y",
                i("fmod", 1)));
        add("Mod", new OnnxGraphs(13, "x", 6).weights("ten", 0f, 10f).node("Mul", in("x", "ten"), "x10")
                .node("Floor", in("x10"), "fl").node("Cast", in("fl"), "n", i("to", 7)).ints("d", 3, -3, 4, -4, 5, -5)
                .node("Mod", in("n", "d"), "m").node("Cast", in("m"), "y", i("to", 1)));
    }

    private void reductions() {
        for (String op : List.of("ReduceMean", "ReduceMax", "ReduceMin")) {
            add(op, new OnnxGraphs(13, "x", 2, 3).node(op, in("x"), "y", list("axes", -1), i("keepdims", 0)));
            add(op, new OnnxGraphs(18, "x", 2, 3).ints("ax", 1).node(op, in("x", "ax"), "y"));
        }
        add("ReduceSum", new OnnxGraphs(11, "x", 2, 3).node("ReduceSum", in("x"), "y", list("axes", 1)));
        add("ReduceSum", new OnnxGraphs(13, "x", 2, 3).ints("ax", 2).node("ReduceSum", in("x", "ax"), "y",
                i("keepdims", 0)));
        add("ReduceMean", new OnnxGraphs(18, "x", 2, 3).ints("none").node("ReduceMean", in("x", "none"), "y",
                i("noop_with_empty_axes", 1)));
    }

    private void shapes() {
        add("Reshape", new OnnxGraphs(13, "x", 6).ints("s", 0, 3, 2).node("Reshape", in("x", "s"), "y"));
        add("Flatten", new OnnxGraphs(13, "x", 2, 3).node("Flatten", in("x"), "y"));
        add("Transpose", new OnnxGraphs(13, "x", 2, 3).node("Transpose", in("x"), "y", list("perm", 0, 2, 1)));
        add("Unsqueeze", new OnnxGraphs(13, "x", 6).ints("a", 1).node("Unsqueeze", in("x", "a"), "y"));
        add("Squeeze", new OnnxGraphs(13, "x", 1, 6).ints("a", 1).node("Squeeze", in("x", "a"), "y"));
        add("Expand", new OnnxGraphs(13, "x", 1, 6).ints("s", 3, 1).node("Expand", in("x", "s"), "y"));
        add("Cast", new OnnxGraphs(13, "x", 6).weights("k", 0f, 3f).node("Mul", in("x", "k"), "m")
                .node("Cast", in("m"), "n", i("to", 7)).node("Cast", in("n"), "y", i("to", 1)));
        add("Constant", new OnnxGraphs(13, "x", 3).node("Constant", in(), "c", t("value", floats(1, -2, 3)))
                .node("Mul", in("x", "c"), "y"));
        // Shapes from the input: a ConstantOfShape of a constant shape, or of sizes that do not change with the batch,
        // is folded before translating, never built; these read the batch.
        add("ConstantOfShape", new OnnxGraphs(15, "x", 3).node("Shape", in("x"), "s")
                .node("ConstantOfShape", in("s"), "c", t("value", floats(0.5f))).node("Add", in("x", "c"), "y"));
        // A filled true And a comparison, as transformers' BERT builds its attention mask (issue 58).
        TensorProto yes = TensorProto.newBuilder().setDataType(TensorProto.DataType.BOOL_VALUE).addDims(1)
                .setRawData(com.google.protobuf.ByteString.copyFrom(new byte[] {1})).build();
        add("ConstantOfShape", new OnnxGraphs(15, "x", 6).weights("z", 0f, 0f)
                .node("Shape", in("x"), "s").node("ConstantOfShape", in("s"), "t", t("value", yes)).node("Greater", in("x", "z"), "p")
                .node("And", in("t", "p"), "b").node("Cast", in("b"), "y", i("to", 1)));
        add("Shape", new OnnxGraphs(15, "x", 2, 3).ints("column", -1, 1, 1).node("Shape", in("x"), "s", i("end", 1))
                .node("Cast", in("s"), "sf", i("to", 1)).node("Reshape", in("sf", "column"), "sc")
                .node("Add", in("x", "sc"), "y"));
        add("Range", new OnnxGraphs(15, "x", 2).ints("a", 0).ints("d", 1).ints("column", -1, 1)
                .node("Shape", in("x"), "b", i("end", 1))
                .node("Squeeze", in("a"), "a0").node("Squeeze", in("b"), "b0").node("Squeeze", in("d"), "d0")
                .node("Range", in("a0", "b0", "d0"), "r").node("Cast", in("r"), "rf", i("to", 1))
                .node("Reshape", in("rf", "column"), "rc").node("Mul", in("x", "rc"), "y"));
        add("Concat", new OnnxGraphs(13, "x", 2, 3).weights("tok", 1f, 0f, 1, 3)
                .ints("s", 1, 1, 3).node("Shape", in("x"), "sx").node("Slice", in("sx", "z", "one"), "b")
                .ints("z", 0).ints("one", 1).ints("rest", 1, 3).node("Concat", in("b", "rest"), "es", i("axis", 0))
                .node("Expand", in("tok", "es"), "cls").node("Concat", in("cls", "x"), "y", i("axis", 1)));
        add("Slice", new OnnxGraphs(13, "x", 3, 4).ints("b", 0).ints("e", 1).ints("a", 1)
                .node("Slice", in("x", "b", "e", "a"), "y"));
        add("Slice", new OnnxGraphs(13, "x", 3, 4).ints("b", 3, -1).ints("e", 0, -4).ints("a", 2, 1)
                .ints("st", -2, -1).node("Slice", in("x", "b", "e", "a", "st"), "y"));
        add("Gather", new OnnxGraphs(13, "x", 3, 4).ints("k", 0).node("Squeeze", in("k"), "k0")
                .node("Gather", in("x", "k0"), "y", i("axis", 1)));
        add("Gather", new OnnxGraphs(13, "x", 3, 4).ints("k", -1, 1).node("Gather", in("x", "k"), "y",
                i("axis", 2)));
        splits();
    }

    private void splits() {
        String[] three = {"q", "k", "v"};
        add("Split", new OnnxGraphs(13, "x", 2, 9).node("Split", in("x"), three, i("axis", 2))
                .node("Sub", in("q", "k"), "d").node("Mul", in("d", "v"), "y"));
        add("Split", new OnnxGraphs(11, "x", 6).node("Split", in("x"), in("a", "b"), list("split", 2, 4), i("axis", 1))
                .node("ReduceSum", in("b"), "rb", list("axes", 1)).node("Mul", in("a", "rb"), "y"));
        add("Split", new OnnxGraphs(13, "x", 6).ints("sz", 1, 5).node("Split", in("x", "sz"), in("a", "b"),
                i("axis", -1)).node("ReduceMax", in("b"), "rb", list("axes", 1)).node("Add", in("a", "rb"), "y"));
        add("Split", new OnnxGraphs(18, "x", 7).node("Split", in("x"), three, i("axis", 1), i("num_outputs", 3))
                .node("Concat", in("v", "q", "k"), "y", i("axis", 1)));
    }

    private void layers() {
        add("Conv", new OnnxGraphs(13, "x", 2, 5, 5).weights("w", 0.3f, 0f, 4, 2, 3, 3).weights("b", 0.1f, 0f, 4)
                .node("Conv", in("x", "w", "b"), "y", list("pads", 1, 0, 1, 2), list("strides", 2, 1)));
        add("Conv", new OnnxGraphs(13, "x", 2, 5, 5).weights("w", 0.3f, 0f, 2, 1, 3, 3)
                .node("Conv", in("x", "w"), "y", i("group", 2), OnnxGraphs.s("auto_pad", "SAME_UPPER")));
        add("Conv", new OnnxGraphs(13, "x", 2, 6).weights("w", 0.3f, 0f, 3, 2, 3)
                .node("Conv", in("x", "w"), "y", list("pads", 1, 1), list("dilations", 2)));
        add("MaxPool", new OnnxGraphs(13, "x", 2, 5, 5).node("MaxPool", in("x"), "y", list("kernel_shape", 3, 3),
                list("pads", 1, 1, 1, 1), list("strides", 2, 2)));
        add("AveragePool", new OnnxGraphs(13, "x", 2, 5, 5).node("AveragePool", in("x"), "y",
                list("kernel_shape", 2, 2), list("pads", 1, 1, 0, 0)));
        // Resize as YOLOv8's export writes it (opset 12: roi, scales; nearest, asymmetric, floor), then ONNX's
        // defaults (half_pixel, round_prefer_floor) down and up by scales that are not whole, and other modes.
        add("Resize", new OnnxGraphs(12, "x", 2, 3, 3).node("Constant", in(), "roi", t("value", floats()))
                .node("Constant", in(), "sc", t("value", floats(1, 1, 2, 2))).node("Resize", in("x", "roi", "sc"), "y",
                        OnnxGraphs.s("mode", "nearest"), OnnxGraphs.s("coordinate_transformation_mode", "asymmetric"),
                        OnnxGraphs.s("nearest_mode", "floor")));
        add("Resize", new OnnxGraphs(13, "x", 2, 5, 4).node("Constant", in(), "sc", t("value", floats(1, 1, 0.6f,
                1.5f))).node("Resize", in("x", "", "sc"), "y", OnnxGraphs.s("mode", "nearest")));
        add("Resize", new OnnxGraphs(11, "x", 1, 4, 3).node("Constant", in(), "roi", t("value", floats()))
                .node("Constant", in(), "sc", t("value", floats(1, 1, 1.75f, 2.5f))).node("Resize",
                        in("x", "roi", "sc"), "y", OnnxGraphs.s("mode", "nearest"),
                        OnnxGraphs.s("coordinate_transformation_mode", "align_corners"),
                        OnnxGraphs.s("nearest_mode", "round_prefer_ceil")));
        add("Resize", new OnnxGraphs(10, "x", 2, 3, 3).node("Constant", in(), "sc", t("value", floats(1, 1, 2, 3)))
                .node("Resize", in("x", "sc"), "y", OnnxGraphs.s("mode", "nearest")));
        add("Upsample", new OnnxGraphs(9, "x", 2, 3, 3).node("Constant", in(), "sc", t("value", floats(1, 1, 2, 2)))
                .node("Upsample", in("x", "sc"), "y", OnnxGraphs.s("mode", "nearest")));
        add("GlobalAveragePool", new OnnxGraphs(13, "x", 2, 3, 3).node("GlobalAveragePool", in("x"), "y"));
        // Pad as ZeroPadding2D and torch's F.pad write it (issue 70): constant, then reflect.
        add("Pad", new OnnxGraphs(13, "x", 2, 3, 3).ints("p", 0, 0, 1, 2, 0, 0, 2, 1).node("Pad", in("x", "p"), "y"));
        add("Pad", new OnnxGraphs(13, "x", 2, 3, 3).ints("p", 0, 0, 1, 1, 0, 0, 1, 1).node("Pad", in("x", "p"), "y",
                OnnxGraphs.s("mode", "reflect")));
        // F.pad's sizes as torch.onnx.export computes them from constants, folded before translating (issue 70).
        TensorProto zero = TensorProto.newBuilder().setDataType(TensorProto.DataType.INT64_VALUE).addDims(1)
                .addInt64Data(0).build();
        add("Pad", new OnnxGraphs(13, "x", 2, 3, 3).ints("torch", 1, 2, 2, 1).ints("four", 4).ints("pairs", -1, 2)
                .ints("last", -1).ints("first", Long.MIN_VALUE).ints("rows", 0).ints("back", -1).ints("flat", -1)
                .node("ConstantOfShape", in("four"), "zeros", t("value", zero))
                .node("Concat", in("torch", "zeros"), "all", i("axis", 0)).node("Reshape", in("all", "pairs"), "r")
                .node("Slice", in("r", "last", "first", "rows", "back"), "reversed")
                .node("Transpose", in("reversed"), "tr", list("perm", 1, 0)).node("Reshape", in("tr", "flat"), "p")
                .node("Cast", in("p"), "pads", i("to", 7)).node("Pad", in("x", "pads"), "y"));
        // Pads computed from the input's shape, as swin pads its windows: folded for the input's fixed sizes.
        add("Pad", new OnnxGraphs(13, "x", 2, 3, 3).ints("three", 3).ints("four", 4).ints("zeros", 0, 0, 0, 0, 0, 0, 0)
                .node("Shape", in("x"), "dims").node("Slice", in("dims", "three", "four"), "width")
                .node("Sub", in("four", "width"), "more").node("Concat", in("zeros", "more"), "pads", i("axis", 0))
                .node("Pad", in("x", "pads"), "y"));
        // Tile: one grey channel made three, as exporters write a colour network fed grey images.
        add("Tile", new OnnxGraphs(13, "x", 1, 4).ints("times", 1, 3, 1).node("Tile", in("x", "times"), "y"));
        add("GlobalMaxPool", new OnnxGraphs(13, "x", 2, 3, 3).node("GlobalMaxPool", in("x"), "y"));
        add("BatchNormalization", new OnnxGraphs(15, "x", 2, 3, 3).weights("s", 0.2f, 1f, 2)
                .weights("o", 0.2f, 0f, 2).weights("mu", 0.2f, 0f, 2).weights("var", 0.1f, 1f, 2)
                .node("BatchNormalization", in("x", "s", "o", "mu", "var"), "y", f("epsilon", 1e-3f)));
        add("MatMul", new OnnxGraphs(13, "x", 2, 3).weights("w", 0.5f, 0f, 3, 4).node("MatMul", in("x", "w"), "y"));
        add("MatMul", new OnnxGraphs(13, "x", 2, 2, 3).node("Transpose", in("x"), "xt", list("perm", 0, 1, 3, 2))
                .node("MatMul", in("x", "xt"), "y"));
        add("Gemm", new OnnxGraphs(13, "x", 3).weights("w", 0.5f, 0f, 4, 3).weights("c", 0.5f, 0f, 4)
                .node("Gemm", in("x", "w", "c"), "y", i("transB", 1), f("alpha", 0.5f), f("beta", 2f)));
        add("LayerNormalization", new OnnxGraphs(17, "x", 2, 4).weights("g", 0.3f, 1f, 4).weights("b", 0.3f, 0f, 4)
                .node("LayerNormalization", in("x", "g", "b"), "y", i("axis", -1)));
    }

    /**
     * The registry as docs/research/graphs.md lists it: the default domain's names sorted, then other domains'
     * prefixed by their domain ("com.microsoft.Attention"), the first opset in parentheses where it is not 1.
     */
    static String operatorsLine() {
        return Translators.entries().stream().map(e -> e.qualifiedName()
                + (e.sinceOpset() > 1 ? " (" + e.sinceOpset() + ")" : ""))
                .collect(java.util.stream.Collectors.joining(", "));
    }

    @Test
    void docsGraphsListsExactlyTheRegisteredOperators() throws java.io.IOException {
        String doc = java.nio.file.Files.readString(java.nio.file.Path.of("docs", "research", "graphs.md"));
        int from = doc.indexOf("<!-- operators:begin -->\n");
        int to = doc.indexOf("\n<!-- operators:end -->");
        assertTrue(from >= 0 && to > from, "docs/research/graphs.md has no operators:begin/end markers");
        assertEquals(operatorsLine(), doc.substring(from + "<!-- operators:begin -->\n".length(), to),
                "docs/research/graphs.md's operator list (the line to put between the markers is the expected value)");
    }

    @Test
    void sizesComputedFromTheInputsShapeAreFoldedUnlessTheyReadTheBatch() {
        ModelProto padded = new OnnxGraphs(13, "x", 2, 3, 3).ints("three", 3).ints("four", 4)
                .ints("zeros", 0, 0, 0, 0, 0, 0, 0).node("Shape", in("x"), "dims")
                .node("Slice", in("dims", "three", "four"), "width").node("Sub", in("four", "width"), "more")
                .node("Concat", in("zeros", "more"), "pads", i("axis", 0)).node("Pad", in("x", "pads"), "y")
                .output("y").model();
        ConstantFolding.Folded folded = ConstantFolding.fold(padded, java.util.Set.of());
        // The whole shape holds the batch: computed; the width sliced from it, and what follows, folded.
        assertEquals(java.util.Set.of("width", "more", "pads"), folded.nodes());
        java.nio.LongBuffer pads = folded.values().get("pads").getRawData().asReadOnlyByteBuffer()
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).asLongBuffer();
        List<Long> values = new ArrayList<>();
        while (pads.hasRemaining()) {
            values.add(pads.get());
        }
        assertEquals(List.of(0L, 0L, 0L, 0L, 0L, 0L, 0L, 1L), values);
        assertFalse(folded.nodes().contains("y"));
        // The batch's size is not a constant: what reads it stays computed.
        ModelProto batch = new OnnxGraphs(15, "x", 3).node("Shape", in("x"), "s")
                .node("ConstantOfShape", in("s"), "c", t("value", floats(0.5f))).node("Add", in("x", "c"), "y")
                .output("y").model();
        assertTrue(ConstantFolding.fold(batch, java.util.Set.of()).nodes().isEmpty());
    }

    @Test
    void everyRegisteredOperatorTranslatesWithinOneMillionthOfOnnxRuntimeOnATinyGraph() {
        elementwise();
        reductions();
        shapes();
        layers();
        assertEquals(Translators.names(), cases.keySet(), "registered operators and operators with a graph here");
        float[] rows = TestModels.randomRows(7, ROWS, 64);
        int graphs = 0;
        List<String> failed = new ArrayList<>();
        for (Map.Entry<String, List<ModelProto>> e : cases.entrySet()) {
            for (ModelProto m : e.getValue()) {
                ConstantFolding.Folded folded = ConstantFolding.fold(m, java.util.Set.of());
                assertTrue(m.getGraph().getNodeList().stream().filter(n -> !folded.folds(n)).map(NodeProto::getOpType)
                        .anyMatch(e.getKey()::equals), e.getKey() + "'s graph holds no " + e.getKey() + " left to "
                        + "translate after constant folding");
                String what = e.getKey() + " (opset " + OnnxTfGraph.opset(m) + ", graph " + graphs + "): ";
                try {
                    TranslationCheck c = TranslationCheck.compare(m, rows, ROWS, Device.CPU);
                    if (!c.within(TOLERANCE)) {
                        failed.add(what + c.describe());
                    }
                } catch (RuntimeException ex) {
                    failed.add(what + ex);
                }
                graphs++;
            }
        }
        assertEquals(List.of(), failed);
        assertTrue(graphs > cases.size(), graphs + " graphs");
    }
}

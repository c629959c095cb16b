package org.odf2nna.onnx;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.onnx.proto.OnnxProto.TypeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;

/** Small ONNX graphs built node by node for the int8 and opset tests: a graph input {@code x} of rows, output y. */
public final class GraphModels {

    private final GraphProto.Builder graph = GraphProto.newBuilder().setName("g");
    private final Random random;
    private final long opset;

    GraphModels(long seed, long opset, int width) {
        this.random = new Random(seed);
        this.opset = opset;
        graph.addInput(value("x", TensorProto.DataType.FLOAT_VALUE, -1, width));
    }

    static ValueInfoProto value(String name, int type, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(d < 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam("N")
                    : TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(type).setShape(shape))).build();
    }

    /** A float initializer of gaussian values times {@code scale}. */
    String weight(String name, double scale, long... dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (random.nextGaussian() * scale);
        }
        graph.addInitializer(OnnxTensors.newTensor(name, OnnxTensors.FLOAT, v, dims));
        return name;
    }

    String constant(String name, float... values) {
        graph.addInitializer(OnnxTensors.newTensor(name, OnnxTensors.FLOAT, values, new long[] {values.length}));
        return name;
    }

    String ints(String name, long... values) {
        graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(values.length).addAllInt64Data(java.util.Arrays.stream(values).boxed().toList()));
        return name;
    }

    GraphModels node(String op, List<String> inputs, String output, AttributeProto... attributes) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(output + "_node").addAllInput(inputs)
                .addOutput(output);
        for (AttributeProto a : attributes) {
            n.addAttribute(a);
        }
        graph.addNode(n);
        return this;
    }

    static AttributeProto list(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    static AttributeProto integer(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto real(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value)
                .build();
    }

    ModelProto build(String output, long... outputDims) {
        GraphProto.Builder g = graph.clone().addOutput(value(output, TensorProto.DataType.FLOAT_VALUE, outputDims));
        return ModelProto.newBuilder().setIrVersion(opset >= 13 ? 7 : 4).setGraph(g)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(opset)).build();
    }

    /**
     * 64 values per row as a 1×8×8 image: Conv 4×3×3 (bias), Relu, Flatten, MatMul 256×16 + Add, Relu, then the rows
     * reshaped 4×4 and multiplied by themselves (a MatMul of two computed tensors, as attention has) added back, and
     * a Gemm 16→3 with transB=1 and a bias.
     */
    public static ModelProto convNet(long seed) {
        GraphModels m = new GraphModels(seed, 13, 64);
        m.node("Reshape", List.of("x", m.ints("img", -1, 1, 8, 8)), "img_x")
                .node("Conv", List.of("img_x", m.weight("conv.w", 0.3, 4, 1, 3, 3), m.weight("conv.b", 0.1, 4)),
                        "conv", list("pads", 1, 1, 1, 1))
                .node("Relu", List.of("conv"), "conv_r")
                .node("Flatten", List.of("conv_r"), "flat")
                .node("MatMul", List.of("flat", m.weight("fc.w", 0.1, 256, 16)), "fc")
                .node("Add", List.of("fc", m.weight("fc.b", 0.1, 16)), "fc_b")
                .node("Relu", List.of("fc_b"), "h")
                .node("Reshape", List.of("h", m.ints("sq", -1, 4, 4)), "h4")
                .node("MatMul", List.of("h4", "h4"), "hh")
                .node("Reshape", List.of("hh", m.ints("back", -1, 16)), "hh2")
                .node("Add", List.of("h", "hh2"), "mix")
                .node("Gemm", List.of("mix", m.weight("out.w", 0.3, 3, 16), m.weight("out.b", 0.1, 3)), "y",
                        integer("transB", 1));
        return m.build("y", -1, 3);
    }

    /**
     * What exporters wrote at opset 9, 6 values per row: Unsqueeze and Squeeze with axes attributes, Gemm 6→8, Relu,
     * Slice with starts and ends as attributes, Clip with min and max, Dropout with its ratio, Gemm 6→3, LogSoftmax.
     */
    public static ModelProto opset9Chain() {
        GraphModels m = new GraphModels(4, 9, 6);
        m.node("Unsqueeze", List.of("x"), "u", list("axes", 1))
                .node("Squeeze", List.of("u"), "s", list("axes", 1))
                .node("Gemm", List.of("s", m.weight("w1", 0.5, 8, 6), m.weight("b1", 0.1, 8)), "g1",
                        integer("transB", 1))
                .node("Relu", List.of("g1"), "r1")
                .node("Slice", List.of("r1"), "sl", list("starts", 1), list("ends", 7), list("axes", 1))
                .node("Clip", List.of("sl"), "c", real("min", 0f), real("max", 1.5f))
                .node("Dropout", List.of("c"), "d", real("ratio", 0.3f))
                .node("Gemm", List.of("d", m.weight("w2", 0.5, 6, 3), m.weight("b2", 0.1, 3)), "g2")
                .node("LogSoftmax", List.of("g2"), "y", integer("axis", 1));
        return m.build("y", -1, 3);
    }

    /** Opset 9, 6 values per row: Upsample (deprecated at 10) between a Reshape and a Gemm. */
    public static ModelProto opset9Upsample() {
        GraphModels m = new GraphModels(1, 9, 6);
        m.node("Reshape", List.of("x", m.ints("shape", -1, 1, 2, 3)), "r")
                .node("Upsample", List.of("r", m.constant("scales", 1, 1, 1, 1)), "up")
                .node("Flatten", List.of("up"), "f")
                .node("Gemm", List.of("f", m.weight("w", 0.5, 6, 2), m.weight("b", 0.1, 2)), "y");
        return m.build("y", -1, 2);
    }

    /** Rows of gaussian values with a few of each scale, seeded. */
    public static float[] rows(long seed, int rows, int width) {
        Random r = new Random(seed);
        float[] x = new float[rows * width];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * ((i / width) % 3 == 0 ? 2 : 1));
        }
        return x;
    }

    static List<String> ops(ModelProto model) {
        List<String> ops = new ArrayList<>();
        model.getGraph().getNodeList().forEach(n -> ops.add(n.getOpType()));
        return ops;
    }

    static long count(List<String> ops, String op) {
        return ops.stream().filter(op::equals).count();
    }
}

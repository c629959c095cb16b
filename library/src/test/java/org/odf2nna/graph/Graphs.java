package org.odf2nna.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.odf2nna.onnx.OnnxValues;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.onnx.proto.OnnxProto.TypeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;

/** Small ONNX graphs built in code for the graph tests: nodes, initializers and shapes as exporters write them. */
public final class Graphs {

    private final GraphProto.Builder graph = GraphProto.newBuilder().setName("g");
    private final Random random;
    private int nodes;

    public Graphs(long seed) {
        random = new Random(seed);
    }

    /** A float input with a symbolic batch and these other dimensions. */
    public Graphs input(String name, long... dims) {
        graph.addInput(info(name, dims));
        return this;
    }

    /**
     * An input of element type {@code type} whose dimensions are sizes ("3") or symbolic names ("H"); the first is the
     * batch, as written.
     */
    public Graphs inputOf(String name, int type, String... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (String d : dims) {
            shape.addDim(d.matches("[0-9]+") ? TensorShapeProto.Dimension.newBuilder().setDimValue(Long.parseLong(d))
                    : TensorShapeProto.Dimension.newBuilder().setDimParam(d));
        }
        graph.addInput(ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(type).setShape(shape))).build());
        return this;
    }

    /** An int64 initializer (axes, shapes). */
    public String int64(String name, long... values) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(values.length);
        for (long v : values) {
            t.addInt64Data(v);
        }
        graph.addInitializer(t);
        return name;
    }

    public Graphs output(String name, long... dims) {
        graph.addOutput(info(name, dims));
        return this;
    }

    private static ValueInfoProto info(String name, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
        for (long d : dims) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(OnnxValues.FLOAT).setShape(shape))).build();
    }

    /** A random initializer (values in [-scale, scale]). */
    public String init(String name, double scale, long... dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        return init(name, v, dims);
    }

    public String init(String name, float[] values, long... dims) {
        graph.addInitializer(OnnxValues.newTensor(name, OnnxValues.FLOAT, values, dims));
        return name;
    }

    /** A scalar as a Constant node, as PyTorch writes GELU's constants. */
    public String constant(String name, float value) {
        graph.addNode(NodeProto.newBuilder().setOpType("Constant").setName(name).addOutput(name)
                .addAttribute(AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR)
                        .setT(TensorProto.newBuilder().setDataType(OnnxValues.FLOAT).addFloatData(value))));
        return name;
    }

    /** A node with one output named {@code out}. */
    public String node(String op, String out, String... inputs) {
        return node(op, out, List.of(), inputs);
    }

    public String node(String op, String out, List<AttributeProto> attributes, String... inputs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName("/" + op + "_" + nodes++).addOutput(out);
        for (String in : inputs) {
            n.addInput(in);
        }
        n.addAllAttribute(attributes);
        graph.addNode(n);
        return out;
    }

    /** A node as built by hand (several outputs). */
    public void raw(NodeProto node) {
        graph.addNode(node);
    }

    public static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    public static AttributeProto integer(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    /**
     * A transformer FFN's first layer on {@code x} (last dimension 6): 16 hidden units before their activation, the
     * first eight dead (zero weights, a bias far below zero: GELU holds them near 0), the others with weights of SD 0.6
     * and biases of SD 0.2 drawn from {@code seed}; nodes mm1 and pre, initializers w1 and b1.
     */
    public String halfDeadFirstLayer(String x, long seed) {
        Random r = new Random(seed);
        float[] w1 = new float[6 * 16];
        float[] b1 = new float[16];
        for (int i = 0; i < 6; i++) {
            for (int j = 8; j < 16; j++) {
                w1[i * 16 + j] = (float) (r.nextGaussian() * 0.6);
            }
        }
        for (int j = 0; j < 16; j++) {
            b1[j] = j < 8 ? -6f : (float) (r.nextGaussian() * 0.2);
        }
        return node("Add", "pre", init("b1", b1, 16), node("MatMul", "mm1", x, init("w1", w1, 6, 16)));
    }

    /** Exact GELU as PyTorch exports it: Div(√2) → Erf → Add(1) → Mul(x) → Mul(0.5). */
    public String erfGelu(String x, String tag) {
        String d = node("Div", tag + "_div", x, constant(tag + "_sqrt2", (float) Math.sqrt(2)));
        String e = node("Erf", tag + "_erf", d);
        String a = node("Add", tag + "_add1", e, constant(tag + "_one", 1f));
        String m = node("Mul", tag + "_mul", x, a);
        return node("Mul", tag + "_gelu", m, constant(tag + "_half", 0.5f));
    }

    /** GELU's tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
    public String tanhGelu(String x, String tag) {
        String cube = node("Pow", tag + "_cube", x, constant(tag + "_three", 3f));
        String scaled = node("Mul", tag + "_c", cube, constant(tag + "_k", 0.044715f));
        String inner = node("Add", tag + "_inner", x, scaled);
        String arg = node("Mul", tag + "_arg", inner, constant(tag + "_s", (float) Math.sqrt(2 / Math.PI)));
        String t = node("Tanh", tag + "_tanh", arg);
        String one = node("Add", tag + "_one_plus", t, constant(tag + "_one", 1f));
        String half = node("Mul", tag + "_halfx", x, constant(tag + "_half", 0.5f));
        return node("Mul", tag + "_gelu", half, one);
    }

    public ModelProto model(long opset) {
        return ModelProto.newBuilder().setIrVersion(opset >= 17 ? 8 : 7).setProducerName("graph-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(graph).build();
    }

    List<String> initializerNames() {
        List<String> names = new ArrayList<>();
        graph.getInitializerList().forEach(t -> names.add(t.getName()));
        return names;
    }

    /** The largest absolute difference between two arrays of one length. */
    public static double maxDifference(float[] a, float[] b) {
        org.junit.jupiter.api.Assertions.assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    /** {@code y} of {@code model} on {@code rows}, fed as {@code feed} says, with a symbolic batch. */
    public static float[] runY(ModelProto model, GraphFeed feed, GraphRows rows) {
        ModelProto runnable = BlockStatistics.relaxed(model.toBuilder(), feed.data().name()).build();
        try (GraphFeed.Session s = feed.open(runnable, org.odf2nna.Device.CPU, BlockFinderTest.FILE)) {
            return s.run(rows, 0, rows.count(), List.of("y")).get("y");
        }
    }

    /** Rows of random values in [-1, 1]. */
    public static float[] rows(long seed, int count, int width) {
        Random r = new Random(seed);
        float[] v = new float[count * width];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return v;
    }
}

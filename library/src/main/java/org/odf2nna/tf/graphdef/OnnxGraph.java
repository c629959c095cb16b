package org.odf2nna.tf.graphdef;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.odf2nna.onnx.OnnxValues;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.onnx.proto.OnnxProto.TypeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * The ONNX graph the translators write into: nodes in the order they are emitted (which is a topological order, as
 * each is emitted after its inputs), constants as initializers (each constant value once), names made unique.
 */
public final class OnnxGraph {

    static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    static final int INT64 = TensorProto.DataType.INT64_VALUE;

    private final List<NodeProto> nodes = new ArrayList<>();
    private final Map<String, TensorProto> initializers = new LinkedHashMap<>();
    private final Map<TfValue, String> constantNames = new IdentityHashMap<>();
    private final Set<String> used = new HashSet<>();

    /** The current TF node's name, which the nodes emitted for it are named after. */
    private String scope = "node";

    void enter(String tfNodeName) {
        scope = tfNodeName;
    }

    /** A name not used yet, from {@code base}. */
    String unique(String base) {
        String name = base;
        for (int i = 1; !used.add(name); i++) {
            name = base + "_" + i;
        }
        return name;
    }

    /** The ONNX tensor holding {@code value}: its own name, or an initializer made for the constant (once). */
    String tensor(TfValue value) {
        if (!value.isConstant()) {
            return value.name();
        }
        return constantNames.computeIfAbsent(value, v -> {
            String name = unique(scope + (v.isFloat() ? "/const" : "/shape"));
            initializers.put(name, v.isFloat() ? floatTensor(name, v.floats(), v.shape())
                    : intTensor(name, v.ints(), v.shape()));
            return name;
        });
    }

    /** An int64 initializer (axes, shapes, pads) named after the current node. */
    String ints(String what, long... values) {
        return tensor(TfValue.ints(new long[] {values.length}, values));
    }

    /**
     * Emits one node of the current TF node reading {@code inputs} (ONNX tensor names), and returns its output as a
     * symbolic value of {@code shape}. {@code suffix} tells apart several nodes emitted for one TF node.
     */
    TfValue node(String opType, String suffix, List<String> inputs, long[] shape, AttributeProto... attributes) {
        String name = unique(scope + (suffix.isEmpty() ? "" : "/" + suffix));
        String output = unique(name + ":0");
        NodeProto.Builder node = NodeProto.newBuilder().setOpType(opType).setName(name).addAllInput(inputs)
                .addOutput(output);
        for (AttributeProto a : attributes) {
            node.addAttribute(a);
        }
        nodes.add(node.build());
        return TfValue.symbolic(output, shape);
    }

    TfValue node(String opType, List<String> inputs, long[] shape, AttributeProto... attributes) {
        return node(opType, "", inputs, shape, attributes);
    }

    /**
     * The graph: {@code input} fed, {@code output} returned under {@code outputName}; then {@link GraphFolds} folds
     * what TensorFlow computes in several ops into fewer (a batch normalisation into the dense layer before it,
     * transposes that cancel).
     */
    GraphProto build(String name, TfValue input, TfValue output, String outputName) {
        String out = tensor(output);
        List<NodeProto> all = new ArrayList<>();
        for (NodeProto n : nodes) {
            all.add(renamed(n, out, outputName));
        }
        Map<String, TensorProto> inits = new LinkedHashMap<>(initializers);
        if (output.isConstant() || out.equals(input.name())) {
            all.add(NodeProto.newBuilder().setOpType("Identity").setName(outputName + "/Identity").addInput(out)
                    .addOutput(outputName).build());
        }
        GraphFolds folds = new GraphFolds(all, inits, outputName);
        folds.run();
        GraphProto.Builder graph = GraphProto.newBuilder().setName(name)
                .addInput(info(input.name(), input.shape()))
                .addOutput(info(outputName, output.shape()));
        folds.nodes().forEach(graph::addNode);
        folds.initializers().values().forEach(graph::addInitializer);
        return graph.build();
    }

    /** {@code node} with tensor {@code from} renamed {@code to} wherever it reads or writes it. */
    static NodeProto renamed(NodeProto node, String from, String to) {
        if (!node.getInputList().contains(from) && !node.getOutputList().contains(from)) {
            return node;
        }
        NodeProto.Builder b = node.toBuilder().clearInput().clearOutput();
        node.getInputList().forEach(i -> b.addInput(i.equals(from) ? to : i));
        node.getOutputList().forEach(o -> b.addOutput(o.equals(from) ? to : o));
        return b.build();
    }

    static ValueInfoProto info(String name, long[] shape) {
        TensorShapeProto.Builder dims = TensorShapeProto.newBuilder();
        for (int d = 0; d < shape.length; d++) {
            dims.addDim(shape[d] >= 0 ? TensorShapeProto.Dimension.newBuilder().setDimValue(shape[d])
                    : TensorShapeProto.Dimension.newBuilder().setDimParam(d == 0 ? "batch" : "d" + d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(FLOAT).setShape(dims))).build();
    }

    /** A float tensor stored as raw (little-endian) data. */
    static TensorProto floatTensor(String name, float[] values, long[] shape) {
        return OnnxValues.newTensor(name, FLOAT, values, shape);
    }

    static TensorProto intTensor(String name, long[] values, long[] shape) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(INT64);
        for (long v : values) {
            t.addInt64Data(v);
        }
        for (long d : shape) {
            t.addDims(d);
        }
        return t.build();
    }

    static float[] floatsOf(TensorProto t) {
        if (t.getFloatDataCount() > 0) {
            float[] v = new float[t.getFloatDataCount()];
            for (int i = 0; i < v.length; i++) {
                v[i] = t.getFloatData(i);
            }
            return v;
        }
        ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / 4];
        b.asFloatBuffer().get(v);
        return v;
    }

    static AttributeProto attribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto attribute(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value)
                .build();
    }

    static AttributeProto attribute(String name, String value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(value)).build();
    }

    static AttributeProto attribute(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }
}

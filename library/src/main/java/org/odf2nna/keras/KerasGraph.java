package org.odf2nna.keras;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.odf2nna.InputException;
import org.odf2nna.onnx.OnnxValues;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.onnx.proto.OnnxProto.TypeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * The ONNX graph a Keras model's layers are translated into, as {@link KerasLayers}' translators add to it: nodes
 * named after the Keras layers ({@code conv2d/Conv}), weights as initializers ({@code conv2d.kernel}), and each
 * tensor's Keras shape and layout.
 *
 * <p>Keras keeps images channels last (NHWC); ONNX's Conv and pools read channels first (NCHW). A tensor is moved to
 * channels first once, by a Transpose, where the first layer that needs it reads it, and stays so through the
 * element-wise layers, BatchNormalization, Add and Concatenate; it goes back to channels last only where the order of
 * its values matters (Flatten, Reshape, a Dense over the last axis), so that Flatten gives the values in Keras' order
 * and the Dense head's weights stay as they are.
 */
final class KerasGraph {

    /**
     * A tensor of the graph: its ONNX name, its shape as Keras sees it (batch first, -1 where unknown), and whether
     * ONNX holds it channels first (the Keras channel axis, the last, moved to position 1).
     */
    record Value(String name, long[] shape, boolean channelsFirst) {

        Value {
            shape = shape.clone();
        }

        int rank() {
            return shape.length;
        }

        /** The Keras last axis' size (the channels or units), -1 when unknown. */
        long channels() {
            return shape[shape.length - 1];
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        /** The same tensor under a new name and shape, in the same layout. */
        Value as(String newName, long[] newShape) {
            return new Value(newName, newShape, channelsFirst && newShape.length >= 3);
        }
    }

    private final Path file;
    private final GraphProto.Builder graph = GraphProto.newBuilder().setName("keras");
    private final Map<String, Integer> used = new HashMap<>();

    KerasGraph(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    GraphProto.Builder proto() {
        return graph;
    }

    // ---- inputs and outputs --------------------------------------------------------------------------

    /** A graph input of Keras shape {@code shape} (batch first), float32. */
    Value input(String name, long[] shape) {
        graph.addInput(info(name, shape, true));
        used.put(name, 1);
        return new Value(name, shape, false);
    }

    static ValueInfoProto info(String name, long[] shape, boolean batchParam) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (int i = 0; i < shape.length; i++) {
            s.addDim(i == 0 && batchParam || shape[i] < 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam(
                    i == 0 ? "batch" : "d" + i).build() : TensorShapeProto.Dimension.newBuilder().setDimValue(shape[i])
                    .build());
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(s))).build();
    }

    // ---- nodes and initializers ----------------------------------------------------------------------

    /** A name not used yet: {@code base}, else {@code base_1}, {@code base_2}, ... */
    String fresh(String base) {
        int n = used.merge(base, 1, Integer::sum) - 1;
        return n == 0 ? base : fresh(base + "_" + n);
    }

    /** Adds the node {@code LAYER/OP} reading {@code inputs}; returns its one output's name. */
    String node(String layer, String op, List<String> inputs, AttributeProto... attributes) {
        String name = fresh(layer + "/" + op);
        String out = name + "_output";
        used.put(out, 1);
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(out);
        for (AttributeProto a : attributes) {
            n.addAttribute(a);
        }
        graph.addNode(n);
        return out;
    }

    /** A float initializer {@code LAYER.WHAT}; returns its name. */
    String floats(String layer, String what, float[] values, long... dims) {
        String name = fresh(layer + "." + what);
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .addAllDims(box(dims)).setRawData(ByteString.copyFrom(b.array())));
        return name;
    }

    /** An int64 initializer {@code LAYER.WHAT} of one dimension; returns its name. */
    String int64s(String layer, String what, long... values) {
        String name = fresh(layer + "." + what);
        graph.addInitializer(OnnxValues.int64Vector(name, values));
        return name;
    }

    private static List<Long> box(long[] dims) {
        List<Long> out = new ArrayList<>();
        for (long d : dims) {
            out.add(d);
        }
        return out;
    }

    static AttributeProto ints(String name, long... values) {
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
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    static AttributeProto text(String name, String value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(value)).build();
    }

    // ---- layouts -------------------------------------------------------------------------------------

    /** {@code v} held channels first (a Transpose named after {@code layer} when it is not yet). */
    Value channelsFirst(String layer, Value v) {
        if (v.channelsFirst() || v.rank() < 3) {
            return v;
        }
        int r = v.rank();
        long[] perm = new long[r];
        perm[1] = r - 1;
        for (int i = 2; i < r; i++) {
            perm[i] = i - 1;
        }
        String out = node(layer, "Transpose", List.of(v.name()), ints("perm", perm));
        return new Value(out, v.shape(), true);
    }

    /** {@code v} held channels last, as Keras holds it (a Transpose named after {@code layer} when it is not). */
    Value channelsLast(String layer, Value v) {
        if (!v.channelsFirst()) {
            return v;
        }
        int r = v.rank();
        long[] perm = new long[r];
        for (int i = 1; i < r - 1; i++) {
            perm[i] = i + 1;
        }
        perm[r - 1] = 1;
        String out = node(layer, "Transpose", List.of(v.name()), ints("perm", perm));
        return new Value(out, v.shape(), false);
    }

    /** The ONNX axis of Keras axis {@code axis} (negative counts from the end) of {@code v}. */
    int onnxAxis(Value v, int axis, String place) {
        int r = v.rank();
        int k = axis < 0 ? axis + r : axis;
        if (k <= 0 || k >= r) {
            throw new InputException(file, place, "names axis " + axis + " of a tensor of rank " + r
                    + " (the batch axis, or none)");
        }
        if (!v.channelsFirst()) {
            return k;
        }
        return k == r - 1 ? 1 : k + 1;
    }

    /**
     * The dims a per-channel constant of {@code v} broadcasts with: {@code [C]} channels last, {@code [C, 1, ..., 1]}
     * channels first.
     */
    static long[] channelDims(Value v, int channels) {
        if (!v.channelsFirst()) {
            return new long[] {channels};
        }
        long[] dims = new long[v.rank() - 1];
        Arrays.fill(dims, 1);
        dims[0] = channels;
        return dims;
    }

    /** Finishes the graph with {@code output} as its one output (an Identity to the name {@code name}). */
    void output(Value output, String name) {
        Value v = channelsLast(name, output);
        graph.addNode(NodeProto.newBuilder().setOpType("Identity").setName(fresh(name + "/Identity"))
                .addInput(v.name()).addOutput(name));
        graph.addOutput(info(name, v.shape(), true));
    }
}

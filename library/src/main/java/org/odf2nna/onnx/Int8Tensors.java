package org.odf2nna.onnx;

import com.google.protobuf.ByteString;
import java.util.List;
import java.util.Set;
import org.odf2nna.network.Float16;
import org.odf2nna.network.Int8Quantization;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/** The tensors and small nodes both int8 writers ({@link Int8Weights}, {@link GraphQuantizer}) add to a graph. */
final class Int8Tensors {

    private Int8Tensors() {
    }

    static TensorProto int8Tensor(String name, byte[] values, long[] dims) {
        return rawTensor(name, TensorProto.DataType.INT8_VALUE, values, dims);
    }

    static TensorProto uint8Scalar(String name, int value) {
        return rawTensor(name, TensorProto.DataType.UINT8_VALUE, new byte[] {(byte) value}, new long[0]);
    }

    static TensorProto int32Tensor(String name, int[] values, long[] dims) {
        byte[] raw = new byte[4 * values.length];
        for (int k = 0; k < values.length; k++) {
            for (int b = 0; b < 4; b++) {
                raw[4 * k + b] = (byte) (values[k] >>> (8 * b));
            }
        }
        return rawTensor(name, TensorProto.DataType.INT32_VALUE, raw, dims);
    }

    static TensorProto floatTensor(String name, float[] values, long[] dims) {
        return OnnxTensors.newTensor(name, OnnxTensors.FLOAT, values, dims);
    }

    private static TensorProto rawTensor(String name, int type, byte[] raw, long[] dims) {
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(type)
                .setRawData(ByteString.copyFrom(raw));
        for (long d : dims) {
            b.addDims(d);
        }
        return b.build();
    }

    /** A float16 tensor of values that are all halves ({@link Int8Quantization#halfStored}). */
    static TensorProto halfTensor(String name, float[] values, long[] dims) {
        byte[] raw = new byte[2 * values.length];
        for (int k = 0; k < values.length; k++) {
            short h = Float16.toBits(values[k]);
            raw[2 * k] = (byte) h;
            raw[2 * k + 1] = (byte) (h >>> 8);
        }
        return rawTensor(name, TensorProto.DataType.FLOAT16_VALUE, raw, dims);
    }

    static NodeProto castToFloat(String input, String output) {
        return node("Cast", List.of(input), List.of(output), intAttribute("to", TensorProto.DataType.FLOAT_VALUE));
    }

    static AttributeProto intAttribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto floatAttribute(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value)
                .build();
    }

    /** An unnamed node of the default domain. */
    static NodeProto node(String op, List<String> inputs, List<String> outputs, AttributeProto... attributes) {
        NodeProto.Builder b = NodeProto.newBuilder().setOpType(op).addAllInput(inputs).addAllOutput(outputs);
        for (AttributeProto a : attributes) {
            b.addAttribute(a);
        }
        return b.build();
    }

    /**
     * Per-unit weight scales as the initializer {@code name} of shape {@code dims}: float16 (the network holds these
     * values) read through a Cast added to {@code nodes}, 2 bytes a unit, when every scale is a half
     * ({@link Int8Quantization#halfStored}); float otherwise. Returns the float tensor to read.
     */
    static String scales(GraphProto.Builder graph, Set<String> names, String name, String layer, float[] scales,
            long[] dims, List<NodeProto> nodes) {
        if (Int8Quantization.halfStored(scales)) {
            graph.addInitializer(halfTensor(name, scales, dims));
            String cast = GraphIndex.uniqueName(names, layer + "_ws");
            nodes.add(castToFloat(name, cast));
            return cast;
        }
        graph.addInitializer(floatTensor(name, scales, dims));
        return name;
    }
}

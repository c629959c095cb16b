package org.odf2nna.onnx;

import java.nio.file.Path;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * The tensor reading and writing of this package for code outside it (the graph blocks of {@code graph}, the
 * initializers {@code tf.graphdef} writes): values as floats with the same checks and messages, and copies written
 * back in the tensor's own type and storage.
 */
public final class OnnxValues {

    public static final int FLOAT = OnnxTensors.FLOAT;
    public static final int DOUBLE = OnnxTensors.DOUBLE;

    private OnnxValues() {
    }

    /** The tensor's values as floats; {@code place} names it in messages. */
    public static float[] floats(TensorProto tensor, Path modelFile, String place) {
        return OnnxTensors.floats(tensor, modelFile, place);
    }

    /** The tensor's dimensions. */
    public static long[] dims(TensorProto tensor) {
        return OnnxTensors.dims(tensor);
    }

    /** A copy of {@code original} (name, type kept) holding {@code values} with shape {@code dims}. */
    public static TensorProto withValues(TensorProto original, float[] values, long[] dims) {
        return OnnxTensors.withValues(original, values, dims);
    }

    /** A new tensor of {@code dataType} (FLOAT or DOUBLE) stored as raw data. */
    public static TensorProto newTensor(String name, int dataType, float[] values, long[] dims) {
        return OnnxTensors.newTensor(name, dataType, values, dims);
    }

    /** A one-dimensional INT64 constant stored as typed data: a shape, axes or indices. */
    public static TensorProto int64Vector(String name, long... values) {
        return OnnxTensors.int64Vector(name, values);
    }
}

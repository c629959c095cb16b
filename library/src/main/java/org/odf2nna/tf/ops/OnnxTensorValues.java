package org.odf2nna.tf.ops;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.ObjIntConsumer;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * The values of an ONNX tensor held in the model (initializer or Constant attribute), read for the TensorFlow
 * translation: floating types as floats, integer types as longs; and a float tensor's values written back in its own
 * storage (raw bytes or the typed field), every other field left as it was.
 */
public final class OnnxTensorValues {

    private OnnxTensorValues() {
    }

    public static boolean isFloating(int type) {
        return type == TensorProto.DataType.FLOAT_VALUE || type == TensorProto.DataType.DOUBLE_VALUE
                || type == TensorProto.DataType.FLOAT16_VALUE;
    }

    public static boolean isInteger(int type) {
        switch (TensorProto.DataType.forNumber(type)) {
            case INT8: case INT16: case INT32: case INT64: case UINT8: case UINT16: case UINT32: case UINT64:
                return true;
            default:
                return false;
        }
    }

    public static long[] dims(TensorProto t) {
        return t.getDimsList().stream().mapToLong(Long::longValue).toArray();
    }

    static int count(TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) {
            n *= d;
        }
        return Math.toIntExact(n);
    }

    public static float[] floats(TensorProto t) {
        float[] out = new float[count(t)];
        int type = t.getDataType();
        forEachValue(t, (raw, i) -> out[i] = raw != null ? rawFloat(raw, type) : typedFloat(t, type, i));
        return out;
    }

    private static float rawFloat(ByteBuffer b, int type) {
        return type == TensorProto.DataType.DOUBLE_VALUE ? (float) b.getDouble()
                : type == TensorProto.DataType.FLOAT16_VALUE ? half(b.getShort())
                : b.getFloat();
    }

    private static float typedFloat(TensorProto t, int type, int i) {
        return type == TensorProto.DataType.DOUBLE_VALUE ? (float) t.getDoubleData(i)
                : type == TensorProto.DataType.FLOAT16_VALUE ? half((short) t.getInt32Data(i))
                : t.getFloatData(i);
    }

    /**
     * Offers each of the tensor's values, by index in order, to {@code value}: with its raw bytes where it has them
     * (the buffer, little-endian as ONNX stores them, standing at that value), else with null (the value is in its
     * typed field). Serves {@link #floats} and {@link #longs}.
     */
    private static void forEachValue(TensorProto t, ObjIntConsumer<ByteBuffer> value) {
        ByteBuffer raw = t.getRawData().isEmpty() ? null
                : t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        int n = count(t);
        for (int i = 0; i < n; i++) {
            value.accept(raw, i);
        }
    }

    /** IEEE 754 half precision to float (Float.float16ToFloat arrives only in Java 20). */
    static float half(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float value = mantissa * 0x1p-24f;
            return sign == 0 ? value : -value;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    public static long[] longs(TensorProto t) {
        long[] out = new long[count(t)];
        int type = t.getDataType();
        forEachValue(t, (raw, i) -> out[i] = raw != null ? rawLong(raw, type) : typedLong(t, type, i));
        return out;
    }

    private static long rawLong(ByteBuffer b, int type) {
        switch (TensorProto.DataType.forNumber(type)) {
            case INT64: case UINT64: return b.getLong();
            case INT32: return b.getInt();
            case UINT32: return b.getInt() & 0xffffffffL;
            case INT16: return b.getShort();
            case UINT16: return b.getShort() & 0xffff;
            case INT8: return b.get();
            default: return b.get() & 0xff;
        }
    }

    private static long typedLong(TensorProto t, int type, int i) {
        return type == TensorProto.DataType.INT64_VALUE ? t.getInt64Data(i)
                : type == TensorProto.DataType.UINT64_VALUE || type == TensorProto.DataType.UINT32_VALUE
                ? t.getUint64Data(i) : t.getInt32Data(i);
    }

    /** The tensor with new values of the same count, stored as the original stored its own. */
    public static TensorProto withFloats(TensorProto original, float[] values) {
        if (values.length != count(original) || original.getDataType() != TensorProto.DataType.FLOAT_VALUE) {
            throw new IllegalArgumentException("initializer '" + original.getName() + "' is not a float tensor of "
                    + values.length + " values");
        }
        TensorProto.Builder b = original.toBuilder();
        if (!original.getRawData().isEmpty()) {
            ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : values) {
                bytes.putFloat(v);
            }
            b.setRawData(ByteString.copyFrom(bytes.array()));
        } else {
            b.clearFloatData();
            for (float v : values) {
                b.addFloatData(v);
            }
        }
        return b.build();
    }
}

package org.odf2nna.tf.ops;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
        int n = count(t);
        float[] out = new float[n];
        int type = t.getDataType();
        if (!t.getRawData().isEmpty()) {
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                out[i] = type == TensorProto.DataType.DOUBLE_VALUE ? (float) b.getDouble()
                        : type == TensorProto.DataType.FLOAT16_VALUE ? half(b.getShort())
                        : b.getFloat();
            }
        } else if (type == TensorProto.DataType.DOUBLE_VALUE) {
            for (int i = 0; i < n; i++) {
                out[i] = (float) t.getDoubleData(i);
            }
        } else if (type == TensorProto.DataType.FLOAT16_VALUE) {
            for (int i = 0; i < n; i++) {
                out[i] = half((short) t.getInt32Data(i));
            }
        } else {
            for (int i = 0; i < n; i++) {
                out[i] = t.getFloatData(i);
            }
        }
        return out;
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
        int n = count(t);
        long[] out = new long[n];
        int type = t.getDataType();
        if (!t.getRawData().isEmpty()) {
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                switch (TensorProto.DataType.forNumber(type)) {
                    case INT64: case UINT64: out[i] = b.getLong(); break;
                    case INT32: out[i] = b.getInt(); break;
                    case UINT32: out[i] = b.getInt() & 0xffffffffL; break;
                    case INT16: out[i] = b.getShort(); break;
                    case UINT16: out[i] = b.getShort() & 0xffff; break;
                    case INT8: out[i] = b.get(); break;
                    default: out[i] = b.get() & 0xff;
                }
            }
        } else if (type == TensorProto.DataType.INT64_VALUE) {
            for (int i = 0; i < n; i++) {
                out[i] = t.getInt64Data(i);
            }
        } else if (type == TensorProto.DataType.UINT64_VALUE || type == TensorProto.DataType.UINT32_VALUE) {
            for (int i = 0; i < n; i++) {
                out[i] = t.getUint64Data(i);
            }
        } else {
            for (int i = 0; i < n; i++) {
                out[i] = t.getInt32Data(i);
            }
        }
        return out;
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

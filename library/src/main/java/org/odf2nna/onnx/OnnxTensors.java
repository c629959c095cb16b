package org.odf2nna.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.odf2nna.InputException;
import org.odf2nna.Memory;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/** Reading float values out of ONNX tensors and writing them back in the tensor's own type and storage. */
final class OnnxTensors {

    static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    static final int DOUBLE = TensorProto.DataType.DOUBLE_VALUE;

    private OnnxTensors() {
    }

    /**
     * Number of elements the shape claims: -1 when a dimension is negative, {@link Long#MAX_VALUE} when
     * the product overflows.
     */
    static long elementCount(TensorProto tensor) {
        long n = 1;
        for (long d : tensor.getDimsList()) {
            if (d < 0) {
                return -1;
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                return Long.MAX_VALUE;
            }
        }
        return n;
    }

    static long[] dims(TensorProto tensor) {
        return tensor.getDimsList().stream().mapToLong(Long::longValue).toArray();
    }

    static boolean isExternal(TensorProto tensor) {
        return tensor.getDataLocation() == TensorProto.DataLocation.EXTERNAL;
    }

    static String typeName(int dataType) {
        TensorProto.DataType type = TensorProto.DataType.forNumber(dataType);
        return type == null ? "type " + dataType : type.name();
    }

    /**
     * The tensor's values as floats. The shape is checked against the data actually stored before
     * anything is allocated, so a shape that claims more values than the file holds is an error, not an
     * attempt to allocate them.
     *
     * @param modelFile the model file (external data is found beside it), for messages too
     * @param place     where the tensor is used, for messages ("initializer 'fc1.weight' of node 'Gemm_0'")
     */
    static float[] floats(TensorProto tensor, Path modelFile, String place) {
        int type = tensor.getDataType();
        if (type != FLOAT && type != DOUBLE) {
            throw new InputException(modelFile, place, "has element type " + typeName(type)
                    + "; only FLOAT and DOUBLE weights are supported");
        }
        long count = elementCount(tensor);
        if (count < 0) {
            throw new InputException(modelFile, place, "has a negative dimension in its shape "
                    + Arrays.toString(dims(tensor)));
        }
        if (count > MAX_VALUES) {
            throw new InputException(modelFile, place, "has " + (count == Long.MAX_VALUE ? "more than 2^63"
                    : Long.toString(count)) + " values (shape " + Arrays.toString(dims(tensor))
                    + "), too many for one array (at most " + MAX_VALUES + ")");
        }
        int n = (int) count;
        int width = type == FLOAT ? 4 : 8;
        long bytes = (long) n * width;
        if (isExternal(tensor)) {
            return readExternal(tensor, modelFile, place, n, type);
        }
        if (tensor.hasRawData()) {
            ByteString raw = tensor.getRawData();
            if (raw.size() != bytes) {
                throw new InputException(modelFile, place, "holds " + raw.size() + " bytes of data, but its shape "
                        + Arrays.toString(dims(tensor)) + " of " + typeName(type) + " needs " + bytes);
            }
            Memory.require(4L * n, modelFile, place, "its " + n + " values");
            float[] values = new float[n];
            ByteBuffer buffer = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            decode(buffer, type, values, 0, n);
            return values;
        }
        int stored = type == FLOAT ? tensor.getFloatDataCount() : tensor.getDoubleDataCount();
        if (stored != n) {
            throw new InputException(modelFile, place, "holds " + stored + " values, but its shape "
                    + Arrays.toString(dims(tensor)) + " needs " + n);
        }
        Memory.require(4L * n, modelFile, place, "its " + n + " values");
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = type == FLOAT ? tensor.getFloatData(i) : (float) tensor.getDoubleData(i);
        }
        return values;
    }

    /** Most values one Java array holds. */
    static final int MAX_VALUES = Integer.MAX_VALUE - 8;

    private static void decode(ByteBuffer buffer, int type, float[] into, int from, int count) {
        for (int i = from; i < from + count; i++) {
            into[i] = type == FLOAT ? buffer.getFloat() : (float) buffer.getDouble();
        }
    }

    /**
     * Reads an external-data tensor straight from its file into floats, a chunk at a time: the file may be
     * larger than 2 GiB (only this tensor's bytes are read), and no second copy of the bytes is held.
     */
    private static float[] readExternal(TensorProto tensor, Path modelFile, String place, int n, int type) {
        int width = type == FLOAT ? 4 : 8;
        long expectedBytes = (long) n * width;
        ExternalData.ExternalRef ref = ExternalData.ExternalRef.of(tensor, modelFile, place);
        if (ref.length() >= 0 && ref.length() != expectedBytes) {
            throw new InputException(modelFile, place, "external data length " + ref.length()
                    + " does not match its shape (" + expectedBytes + " bytes)");
        }
        try (FileChannel channel = FileChannel.open(ref.file(), StandardOpenOption.READ)) {
            ref.checkWithin(channel.size(), expectedBytes);
            Memory.require(4L * n, modelFile, place, "its " + n + " values");
            float[] values = new float[n];
            ByteBuffer buffer = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            long position = ref.offset();
            int done = 0;
            while (done < n) {
                int take = Math.min(n - done, buffer.capacity() / width);
                buffer.clear().limit(take * width);
                while (buffer.hasRemaining()) {
                    if (channel.read(buffer, position + buffer.position()) < 0) {
                        throw new InputException(modelFile, place, "external data file '" + ref.location()
                                + "' ended early (it shrank while being read?)");
                    }
                }
                buffer.flip();
                decode(buffer, type, values, done, take);
                position += (long) take * width;
                done += take;
            }
            return values;
        } catch (IOException e) {
            throw new InputException(modelFile, place, "cannot read external data file '" + ref.location() + "': "
                    + e.getMessage(), e);
        }
    }

    /**
     * A copy of {@code original} (name, type, doc string kept) holding {@code values} with shape {@code dims}.
     * Data kept in raw_data or in an external file is written as raw_data; typed fields stay typed.
     */
    static TensorProto withValues(TensorProto original, float[] values, long[] dims) {
        boolean raw = original.hasRawData() || isExternal(original)
                || (original.getFloatDataCount() == 0 && original.getDoubleDataCount() == 0);
        TensorProto.Builder b = original.toBuilder()
                .clearDims()
                .clearFloatData()
                .clearDoubleData()
                .clearRawData()
                .clearExternalData()
                .clearDataLocation();
        for (long d : dims) {
            b.addDims(d);
        }
        fill(b, original.getDataType(), values, raw);
        return b.build();
    }

    static TensorProto newTensor(String name, int dataType, float[] values, long[] dims) {
        return newTensor(name, dataType, values, dims, true);
    }

    /** A new tensor of {@code dataType} (FLOAT or DOUBLE) stored as typed data, the form of small constants. */
    static TensorProto newTypedTensor(String name, int dataType, float[] values, long[] dims) {
        return newTensor(name, dataType, values, dims, false);
    }

    private static TensorProto newTensor(String name, int dataType, float[] values, long[] dims, boolean raw) {
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(dataType);
        for (long d : dims) {
            b.addDims(d);
        }
        fill(b, dataType, values, raw);
        return b.build();
    }

    /** A one-dimensional INT64 constant stored as typed data: a shape, axes or indices. */
    static TensorProto int64Vector(String name, long... values) {
        return TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(values.length).addAllInt64Data(Arrays.stream(values).boxed().toList()).build();
    }

    /** The values as ONNX raw data: little-endian floats, or doubles with {@code asDouble}. */
    private static ByteString littleEndian(float[] values, boolean asDouble) {
        byte[] bytes = new byte[values.length * (asDouble ? 8 : 4)];
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (asDouble) {
            for (float v : values) {
                buffer.putDouble(v);
            }
        } else {
            buffer.asFloatBuffer().put(values);
        }
        // The array is wrapped, not copied again (a 4096 × 4096 layer's weights are 64 MB), and never written after.
        return UnsafeByteOperations.unsafeWrap(bytes);
    }

    private static void fill(TensorProto.Builder b, int dataType, float[] values, boolean raw) {
        if (dataType == FLOAT) {
            if (raw) {
                b.setRawData(littleEndian(values, false));
            } else {
                for (float v : values) {
                    b.addFloatData(v);
                }
            }
        } else if (dataType == DOUBLE) {
            if (raw) {
                b.setRawData(littleEndian(values, true));
            } else {
                for (float v : values) {
                    b.addDoubleData(v);
                }
            }
        } else {
            throw new IllegalArgumentException("cannot write values of " + typeName(dataType));
        }
    }
}

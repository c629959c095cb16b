package org.odf2nna.onnx;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.odf2nna.InputException;
import org.odf2nna.onnx.proto.OnnxProto.StringStringEntryProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/** Reading float values out of ONNX tensors and writing them back in the tensor's own type and storage. */
final class OnnxTensors {

    static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    static final int DOUBLE = TensorProto.DataType.DOUBLE_VALUE;

    private OnnxTensors() {
    }

    static long elementCount(TensorProto tensor) {
        long n = 1;
        for (long d : tensor.getDimsList()) {
            n = Math.multiplyExact(n, d);
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
     * The tensor's values as floats.
     *
     * @param modelFile the model file (external data is found beside it), for messages too
     * @param place     where the tensor is used, for messages ("initializer 'fc1.weight' of node 'Gemm_0'")
     */
    static float[] floats(TensorProto tensor, Path modelFile, String place) {
        long count = elementCount(tensor);
        if (count > Integer.MAX_VALUE - 8) {
            throw new InputException(modelFile, place, "has " + count + " values, too many for one array");
        }
        int n = (int) count;
        int type = tensor.getDataType();
        if (type != FLOAT && type != DOUBLE) {
            throw new InputException(modelFile, place, "has element type " + typeName(type)
                    + "; only FLOAT and DOUBLE weights are supported");
        }
        int width = type == FLOAT ? 4 : 8;
        ByteString raw = null;
        if (isExternal(tensor)) {
            raw = readExternal(tensor, modelFile, place, (long) n * width);
        } else if (tensor.hasRawData()) {
            raw = tensor.getRawData();
        }
        float[] values = new float[n];
        if (raw != null) {
            if (raw.size() != (long) n * width) {
                throw new InputException(modelFile, place, "holds " + raw.size() + " bytes of data, but its shape "
                        + Arrays.toString(dims(tensor)) + " of " + typeName(type) + " needs " + (long) n * width);
            }
            ByteBuffer buffer = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                values[i] = type == FLOAT ? buffer.getFloat() : (float) buffer.getDouble();
            }
            return values;
        }
        int stored = type == FLOAT ? tensor.getFloatDataCount() : tensor.getDoubleDataCount();
        if (stored != n) {
            throw new InputException(modelFile, place, "holds " + stored + " values, but its shape "
                    + Arrays.toString(dims(tensor)) + " needs " + n);
        }
        for (int i = 0; i < n; i++) {
            values[i] = type == FLOAT ? tensor.getFloatData(i) : (float) tensor.getDoubleData(i);
        }
        return values;
    }

    private static ByteString readExternal(TensorProto tensor, Path modelFile, String place, long expectedBytes) {
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto entry : tensor.getExternalDataList()) {
            switch (entry.getKey()) {
                case "location":
                    location = entry.getValue();
                    break;
                case "offset":
                    offset = parseLong(entry.getValue(), modelFile, place);
                    break;
                case "length":
                    length = parseLong(entry.getValue(), modelFile, place);
                    break;
                default:
                    break;
            }
        }
        if (location == null || location.isEmpty()) {
            throw new InputException(modelFile, place, "keeps its data externally but names no file");
        }
        Path folder = modelFile.toAbsolutePath().getParent();
        Path dataFile = folder.resolve(location).normalize();
        if (!dataFile.startsWith(folder.normalize())) {
            throw new InputException(modelFile, place, "external data file '" + location
                    + "' lies outside the model's folder");
        }
        if (!Files.isRegularFile(dataFile)) {
            throw new InputException(modelFile, place, "external data file '" + location + "' not found");
        }
        long bytes = length >= 0 ? length : expectedBytes;
        if (bytes != expectedBytes) {
            throw new InputException(modelFile, place, "external data length " + bytes + " does not match its shape ("
                    + expectedBytes + " bytes)");
        }
        try (FileChannel channel = FileChannel.open(dataFile, StandardOpenOption.READ)) {
            if (offset < 0 || offset + bytes > channel.size()) {
                throw new InputException(modelFile, place, "external data file '" + location + "' is too short ("
                        + channel.size() + " bytes; need " + (offset + bytes) + ")");
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) bytes);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, offset + buffer.position()) < 0) {
                    break;
                }
            }
            buffer.flip();
            return ByteString.copyFrom(buffer);
        } catch (IOException e) {
            throw new InputException(modelFile, place, "cannot read external data file '" + location + "': "
                    + e.getMessage(), e);
        }
    }

    private static long parseLong(String text, Path modelFile, String place) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new InputException(modelFile, place, "external data entry '" + text + "' is not a number");
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
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(dataType);
        for (long d : dims) {
            b.addDims(d);
        }
        fill(b, dataType, values, true);
        return b.build();
    }

    private static void fill(TensorProto.Builder b, int dataType, float[] values, boolean raw) {
        if (dataType == FLOAT) {
            if (raw) {
                ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : values) {
                    buffer.putFloat(v);
                }
                buffer.flip();
                b.setRawData(ByteString.copyFrom(buffer));
            } else {
                for (float v : values) {
                    b.addFloatData(v);
                }
            }
        } else if (dataType == DOUBLE) {
            if (raw) {
                ByteBuffer buffer = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : values) {
                    buffer.putDouble(v);
                }
                buffer.flip();
                b.setRawData(ByteString.copyFrom(buffer));
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

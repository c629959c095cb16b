package org.odf2nna.onnx;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.odf2nna.InputException;
import org.odf2nna.Memory;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.StringStringEntryProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * Models whose initializers keep their data in separate files (ONNX's external data, the way models over
 * 2 GiB are stored). The file names are relative to the model's folder: ONNX Runtime is told that folder
 * when a model is loaded from memory, and a model written to another folder gets its external tensors
 * inlined, so that it never refers to files that are not beside it.
 */
public final class ExternalData {

    /** Protobuf's limit for one serialised message, with room for the message's own fields. */
    static final long MAX_INLINE_BYTES = OnnxModelFile.MAX_PROTO_BYTES - (16L << 20);

    private ExternalData() {
    }

    public static boolean hasExternalData(ModelProto model) {
        for (TensorProto t : model.getGraph().getInitializerList()) {
            if (OnnxTensors.isExternal(t)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Refuses, naming the initializer, an external data reference that does not resolve to a file in the model's folder
     * (said before ONNX Runtime is asked to load the model, in the words the dense-chain reader uses).
     */
    public static void checkReferences(ModelProto model, Path modelFile) {
        for (TensorProto t : model.getGraph().getInitializerList()) {
            if (OnnxTensors.isExternal(t)) {
                ExternalRef.of(t, modelFile, "initializer '" + t.getName() + "'");
            }
        }
    }

    /**
     * The model as it must be written to {@code output}: unchanged when it has no external data or
     * {@code output} is in the model's own folder (its file references stay valid), else with every
     * external initializer read into raw_data. A result that would not fit in one protobuf message is
     * refused.
     *
     * @param source the model file the external data belongs to
     */
    public static ModelProto forOutput(ModelProto model, Path source, Path output) {
        if (hasExternalData(model)) {
            Path from = source.toAbsolutePath().normalize().getParent();
            Path to = output.toAbsolutePath().normalize().getParent();
            if (!from.equals(to)) {
                model = inline(model, source, output);
            }
        }
        checkFitsOneMessage(model, output, MAX_INLINE_BYTES);
        return model;
    }

    /** Refuses a model whose inline data would exceed protobuf's 2 GiB limit for one message. */
    static void checkFitsOneMessage(ModelProto model, Path output, long limit) {
        long inline = 0;
        for (TensorProto t : model.getGraph().getInitializerList()) {
            inline += t.getRawData().size() + 4L * t.getFloatDataCount() + 8L * t.getDoubleDataCount()
                    + 8L * t.getInt64DataCount() + 4L * t.getInt32DataCount();
        }
        if (inline > limit) {
            throw new InputException(output, null, "would hold " + inline + " bytes of weights inside the ONNX "
                    + "file, over protobuf's 2 GiB limit for one file; prune more (a larger ε), or write it into "
                    + "the input model's folder so that weights outside the dense chain stay in their external files");
        }
    }

    private static ModelProto inline(ModelProto model, Path source, Path output) {
        GraphProto.Builder graph = model.getGraph().toBuilder();
        long total = 0;
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            TensorProto t = graph.getInitializer(i);
            if (!OnnxTensors.isExternal(t)) {
                continue;
            }
            String place = "initializer '" + t.getName() + "'";
            ByteString bytes = read(t, source, place);
            total += bytes.size();
            if (total > MAX_INLINE_BYTES) {
                throw new InputException(source, place, "cannot be copied into " + output + ": the model's external "
                        + "data exceeds protobuf's 2 GiB limit for one file; write the output into the model's "
                        + "own folder, where it can refer to the same data files");
            }
            graph.setInitializer(i, t.toBuilder().clearExternalData().clearDataLocation().setRawData(bytes));
        }
        return model.toBuilder().setGraph(graph).build();
    }

    /** The raw bytes of an external tensor, checked against its file. */
    static ByteString read(TensorProto tensor, Path modelFile, String place) {
        ExternalRef ref = ExternalRef.of(tensor, modelFile, place);
        long bytes = ref.length;
        if (bytes < 0) {
            long count = OnnxTensors.elementCount(tensor);
            int width = elementBytes(tensor.getDataType());
            if (count < 0 || width <= 0 || count > Long.MAX_VALUE / width) {
                throw new InputException(modelFile, place, "keeps its data externally without a length, and its "
                        + "shape and type do not give one");
            }
            bytes = count * width;
        }
        if (bytes > MAX_INLINE_BYTES) {
            throw new InputException(modelFile, place, "has " + bytes + " bytes of external data, over protobuf's "
                    + "2 GiB limit for one file");
        }
        Memory.require(bytes, modelFile, place, "its " + bytes + " bytes of external data");
        try (FileChannel channel = FileChannel.open(ref.file, StandardOpenOption.READ)) {
            ref.checkWithin(channel.size(), bytes);
            ByteBuffer buffer = ByteBuffer.allocate((int) bytes);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, ref.offset + buffer.position()) < 0) {
                    throw new InputException(modelFile, place, "external data file '" + ref.location
                            + "' ended early (it shrank while being read?)");
                }
            }
            buffer.flip();
            return ByteString.copyFrom(buffer);
        } catch (IOException e) {
            throw new InputException(modelFile, place, "cannot read external data file '" + ref.location + "': "
                    + e.getMessage(), e);
        }
    }

    static int elementBytes(int dataType) {
        TensorProto.DataType type = TensorProto.DataType.forNumber(dataType);
        if (type == null) {
            return -1;
        }
        switch (type) {
            case FLOAT:
            case INT32:
            case UINT32:
                return 4;
            case DOUBLE:
            case INT64:
            case UINT64:
            case COMPLEX64:
                return 8;
            case COMPLEX128:
                return 16;
            case FLOAT16:
            case BFLOAT16:
            case INT16:
            case UINT16:
                return 2;
            case INT8:
            case UINT8:
            case BOOL:
                return 1;
            default:
                return -1;
        }
    }

    /** Where an external tensor's bytes are: a file in the model's folder, an offset and a length (-1: unknown). */
    record ExternalRef(String location, Path file, long offset, long length, Path modelFile, String place) {

        static ExternalRef of(TensorProto tensor, Path modelFile, String place) {
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
            Path folder = modelFile.toAbsolutePath().normalize().getParent();
            Path dataFile;
            try {
                dataFile = folder.resolve(location).normalize();
            } catch (java.nio.file.InvalidPathException e) {
                throw new InputException(modelFile, place, "external data file name '" + location
                        + "' is not a valid path");
            }
            if (!dataFile.startsWith(folder)) {
                throw new InputException(modelFile, place, "external data file '" + location
                        + "' lies outside the model's folder");
            }
            if (!Files.isRegularFile(dataFile)) {
                throw new InputException(modelFile, place, "external data file '" + location + "' not found");
            }
            if (offset < 0) {
                throw new InputException(modelFile, place, "external data offset " + offset + " is negative");
            }
            if (length < -1) {
                throw new InputException(modelFile, place, "external data length " + length + " is negative");
            }
            return new ExternalRef(location, dataFile, offset, length, modelFile, place);
        }

        /** Refuses a range past the end of the data file. */
        void checkWithin(long fileSize, long bytes) {
            if (offset > fileSize || bytes > fileSize - offset) {
                throw new InputException(modelFile, place, "external data file '" + location + "' is too short ("
                        + fileSize + " bytes; need " + (offset + bytes) + ")");
            }
        }

        private static long parseLong(String text, Path modelFile, String place) {
            try {
                return Long.parseLong(text.trim());
            } catch (NumberFormatException e) {
                throw new InputException(modelFile, place, "external data entry '" + text + "' is not a number");
            }
        }
    }
}

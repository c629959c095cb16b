package org.odf2nna.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.odf2nna.InputException;
import org.odf2nna.io.ProtobufFiles;
import org.odf2nna.Memory;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/** Loads ONNX files into protobuf objects, turning every way a file can be wrong into a clear message. */
public final class OnnxModelFile {

    /** Protobuf's own limit for one message; bigger models keep their weights as external data. */
    static final long MAX_PROTO_BYTES = Integer.MAX_VALUE;

    private OnnxModelFile() {
    }

    public static ModelProto read(Path file) {
        if (Files.isDirectory(file)) {
            throw new InputException(file, null, "is a directory, expected an ONNX file");
        }
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new InputException(file, null, "no such file");
        } catch (IOException e) {
            throw new InputException(file, null, "cannot read: " + e.getMessage(), e);
        }
        if (size == 0) {
            throw new InputException(file, null, "is empty, expected an ONNX model");
        }
        if (size >= MAX_PROTO_BYTES) {
            throw new InputException(file, null, "is " + size + " bytes; an ONNX protobuf must stay under 2 GiB "
                    + "(store the weights as external data)");
        }
        // The parsed model holds about the file's size, and running it in ONNX Runtime takes a serialised copy.
        Memory.require(2 * size, file, null, "its " + size + " bytes (read, then copied for ONNX Runtime)");
        ModelProto model = ProtobufFiles.parse(file, ModelProto.parser(), file, "",
                e -> "is not an ONNX model (" + describe(e) + ")");
        return checked(model, file);
    }

    /**
     * Parses an ONNX model held in memory with the same checks as {@link #read}; {@code file} names it in
     * messages (the fuzz tests use this entry).
     */
    static ModelProto parse(byte[] bytes, Path file) {
        if (bytes.length == 0) {
            throw new InputException(file, null, "is empty, expected an ONNX model");
        }
        ModelProto model;
        try {
            model = ModelProto.parseFrom(CodedInputStream.newInstance(bytes));
        } catch (InvalidProtocolBufferException e) {
            throw new InputException(file, null, "is not an ONNX model (" + describe(e) + ")", e);
        } catch (IOException e) {
            throw new InputException(file, null, "cannot read: " + e.getMessage(), e);
        }
        return checked(model, file);
    }

    private static ModelProto checked(ModelProto model, Path file) {
        if (!model.hasGraph()) {
            throw new InputException(file, "graph", "is missing: this is not an ONNX model with a graph "
                    + "(no graph found)");
        }
        if (model.getGraph().getNodeCount() == 0) {
            throw new InputException(file, "graph", "has no nodes");
        }
        return model;
    }

    private static String describe(InvalidProtocolBufferException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        if (message.contains("truncated")) {
            return "the file is truncated";
        }
        return "protobuf parse error: " + message;
    }
}

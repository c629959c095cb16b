package org.odf2nna.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.odf2nna.InputException;
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
        ModelProto model;
        try (InputStream in = Files.newInputStream(file)) {
            CodedInputStream coded = CodedInputStream.newInstance(in);
            coded.setSizeLimit(Integer.MAX_VALUE);
            model = ModelProto.parseFrom(coded);
        } catch (InvalidProtocolBufferException e) {
            throw new InputException(file, null, "is not an ONNX model (" + describe(e) + ")", e);
        } catch (AccessDeniedException e) {
            throw new InputException(file, null, "cannot read: permission denied", e);
        } catch (IOException e) {
            throw new InputException(file, null, "cannot read: " + e.getMessage(), e);
        }
        if (!model.hasGraph()) {
            throw new InputException(file, null, "is not an ONNX model with a graph (no graph found)");
        }
        if (model.getGraph().getNodeCount() == 0) {
            throw new InputException(file, null, "has a graph with no nodes");
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

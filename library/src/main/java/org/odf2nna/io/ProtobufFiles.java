package org.odf2nna.io;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import org.odf2nna.InputException;

/** Reading a whole protobuf file (an ONNX model, a SavedModel's graph), with one wording of what went wrong. */
public final class ProtobufFiles {

    private ProtobufFiles() {
    }

    /**
     * Parses {@code file} with {@code parser}, past protobuf's default 64 MiB limit (models up to 2 GiB).
     *
     * @param named     what the error names (the file, or the folder that holds it)
     * @param what      how "cannot read" names the file after {@code named} ("" for {@code named} itself)
     * @param unparsed  the message when the bytes do not parse
     * @throws InputException naming {@code named} when the file cannot be read or does not parse
     */
    public static <T> T parse(Path file, Parser<T> parser, Path named, String what,
            Function<InvalidProtocolBufferException, String> unparsed) {
        String cannotRead = what.isEmpty() ? "cannot read: " : "cannot read " + what + ": ";
        try (InputStream in = Files.newInputStream(file)) {
            CodedInputStream coded = CodedInputStream.newInstance(in);
            coded.setSizeLimit(Integer.MAX_VALUE);
            return parser.parseFrom(coded);
        } catch (InvalidProtocolBufferException e) {
            throw new InputException(named, null, unparsed.apply(e), e);
        } catch (AccessDeniedException e) {
            throw new InputException(named, null, cannotRead + "permission denied", e);
        } catch (IOException e) {
            throw new InputException(named, null, cannotRead + e.getMessage(), e);
        }
    }
}

package org.odf2nna.keras;

import static org.odf2nna.keras.KerasReader.MAX_BYTES;

import io.jhdf.api.Attribute;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Small readings of a Keras file's parts that need no reader ({@link KerasReader}): a zip entry's bytes within the size
 * limit, the names of an archive's entries, an HDF5 attribute as a string, and an error's first line for a message.
 * Its own room because none of them knows the model, where {@link KerasReader} builds it.
 */
final class KerasFileParts {

    private KerasFileParts() {
    }

    static String attributeString(Attribute a) {
        Object data = a.getData();
        if (data instanceof String s) {
            return s;
        }
        if (data instanceof String[] array && array.length == 1) {
            return array[0];
        }
        return null;
    }

    static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[65536];
        long total = 0;
        int n;
        while ((n = in.read(buffer)) > 0) {
            total += n;
            if (total > MAX_BYTES) {
                throw new IOException("an entry unpacks to more than 1 GiB");
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    static String names(List<KerasModel.ZipPart> parts) {
        List<String> names = parts.stream().map(KerasModel.ZipPart::name).limit(5).toList();
        return String.join(", ", names) + (parts.size() > 5 ? ", ..." : "");
    }

    static String firstLine(String message) {
        if (message == null) {
            return "no details";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}

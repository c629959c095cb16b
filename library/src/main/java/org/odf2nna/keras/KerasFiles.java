package org.odf2nna.keras;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Recognises Keras model files by their first bytes, whatever their name. */
public final class KerasFiles {

    /** How a Keras model is stored. */
    public enum Container {
        /** {@code model.save("x.keras")}: a zip of config.json, metadata.json and model.weights.h5. */
        KERAS_ZIP,
        /** {@code model.save("x.h5")}: one HDF5 file with a model_config attribute and a model_weights group. */
        LEGACY_H5
    }

    private static final byte[] ZIP = {'P', 'K', 3, 4};
    private static final byte[] HDF5 = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    private KerasFiles() {
    }

    /** The container a regular file's first bytes announce, or null when it is neither a zip nor HDF5. */
    public static Container detect(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        byte[] head = new byte[8];
        int read = 0;
        try (InputStream in = Files.newInputStream(file)) {
            while (read < head.length) {
                int n = in.read(head, read, head.length - read);
                if (n < 0) {
                    break;
                }
                read += n;
            }
        } catch (IOException e) {
            return null;
        }
        if (read >= 4 && Arrays.equals(Arrays.copyOf(head, 4), ZIP)) {
            return Container.KERAS_ZIP;
        }
        if (read == 8 && Arrays.equals(head, HDF5)) {
            return Container.LEGACY_H5;
        }
        return null;
    }
}

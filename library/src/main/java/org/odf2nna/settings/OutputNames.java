package org.odf2nna.settings;

import java.nio.file.Path;
import java.util.Locale;

/** The default names of what the workflows write: the input's name without its extension, and a suffix. */
final class OutputNames {

    private static final String[] EXTENSIONS = {".csv.gz", ".csv", ".onnx", ".keras", ".h5", ".gz"};

    private OutputNames() {
    }

    /** {@code input}'s file name without its extension, then {@code suffix}, in the working folder. */
    static Path of(Path input, String suffix) {
        return Path.of(stem(input.getFileName().toString()) + suffix);
    }

    /** {@code name} without the first of the known extensions it ends with, in any case. */
    static String stem(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (String extension : EXTENSIONS) {
            if (lower.endsWith(extension)) {
                return name.substring(0, name.length() - extension.length());
            }
        }
        return name;
    }
}

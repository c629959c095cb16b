package org.odf2nna.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.odf2nna.InputException;

/** Checks an output path before any work is done, so a long run does not fail at its last step. */
public final class OutputPaths {

    private OutputPaths() {
    }

    /**
     * @param output the file to be written
     * @param inputs files the run reads, which must never be overwritten
     */
    public static void checkWritable(Path output, Path... inputs) {
        Path absolute = checkNotAnInput(output, inputs);
        if (Files.isDirectory(absolute)) {
            throw InputException.usage(output, "is a directory; give a file name for the output");
        }
        Path folder = absolute.getParent();
        if (folder == null || !Files.isDirectory(folder)) {
            throw new InputException(output, null, "cannot be written: folder " + folder + " does not exist");
        }
        if (!Files.isWritable(folder)) {
            throw new InputException(output, null, "cannot be written: folder " + folder + " is not writable");
        }
        if (Files.exists(absolute) && !Files.isWritable(absolute)) {
            throw new InputException(output, null, "exists and is read-only");
        }
    }

    /** Refuses an output that is one of the run's inputs; returns the output's absolute, normalised path. */
    private static Path checkNotAnInput(Path output, Path... inputs) {
        Path absolute = output.toAbsolutePath().normalize();
        for (Path input : inputs) {
            if (input != null && sameFile(absolute, input)) {
                throw InputException.usage(output, "is an input of this run; choose another output path "
                        + "(the input is never overwritten)");
            }
        }
        return absolute;
    }

    /**
     * Checks a directory to be written (a SavedModel): it must not be an input, and must not exist yet or
     * be empty, so that nothing of the user's is replaced.
     */
    public static void checkNewDirectory(Path output, Path... inputs) {
        Path absolute = checkNotAnInput(output, inputs);
        if (Files.exists(absolute)) {
            if (!Files.isDirectory(absolute)) {
                throw InputException.usage(output, "exists and is a file; a SavedModel is written as a directory");
            }
            try (java.util.stream.Stream<Path> entries = Files.list(absolute)) {
                if (entries.findAny().isPresent()) {
                    throw InputException.usage(output, "exists and is not empty; choose a new directory for "
                            + "the SavedModel");
                }
            } catch (IOException e) {
                throw new InputException(output, null, "cannot be read: " + e.getMessage(), e);
            }
        }
        Path folder = absolute.getParent();
        if (folder == null || !Files.isDirectory(folder)) {
            throw new InputException(output, null, "cannot be written: folder " + folder + " does not exist");
        }
        if (!Files.isWritable(folder)) {
            throw new InputException(output, null, "cannot be written: folder " + folder + " is not writable");
        }
    }

    private static boolean sameFile(Path a, Path b) {
        Path nb = b.toAbsolutePath().normalize();
        if (a.equals(nb)) {
            return true;
        }
        try {
            return Files.exists(a) && Files.exists(nb) && Files.isSameFile(a, nb);
        } catch (IOException e) {
            return false;
        }
    }
}

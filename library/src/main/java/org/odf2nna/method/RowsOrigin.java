package org.odf2nna.method;

import java.nio.file.Path;
import org.odf2nna.InputException;

/**
 * Where a workflow's training and validation rows came from, as its messages and reports name them: the CSV files they
 * were read from, or rows handed over in memory (no file to name).
 *
 * @param train      the training rows' file, or null for rows in memory
 * @param validation the validation rows' file, or null: held out of {@code train} (or handed over in memory)
 */
record RowsOrigin(Path train, Path validation) {

    /** Rows handed over in memory. */
    static final RowsOrigin IN_MEMORY = new RowsOrigin(null, null);

    /** What messages and reports call training rows handed over in memory. */
    private static final String IN_MEMORY_NAME = "(training rows)";

    /** What messages call validation rows handed over in memory. */
    static final String IN_MEMORY_VALIDATION = "(validation rows)";

    /** Whether the rows were handed over in memory rather than read from files. */
    boolean inMemory() {
        return train == null;
    }

    /** The rows as the report names them: the training file (and the validation file), or the rows in memory. */
    String describe() {
        if (train == null) {
            return IN_MEMORY_NAME;
        }
        return validation == null ? train.toString() : train + " (validation: " + validation + ")";
    }

    /** The file the validation rows came from: the validation file, or the training file they were held out of. */
    Path validationFile() {
        return validation != null ? validation : train;
    }

    /** A mistake in the training rows at {@code place} (null: the rows as a whole), named as they came. */
    InputException inTraining(String place, String message) {
        if (train != null) {
            return new InputException(train, place, message);
        }
        return new InputException(null, place == null ? IN_MEMORY_NAME : IN_MEMORY_NAME + ": " + place, message);
    }
}

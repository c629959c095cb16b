package org.odf2nna.data;

import java.io.Closeable;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Rows of a data file streamed in {@link Batch}es: a CSV file ({@link CsvReader}), a NumPy {@code .npy} array (inputs
 * only, rows on its first axis) or an {@code .npz} archive (array {@code x}, and {@code y} for the targets when it is
 * there) ({@link NumpyRows}). Memory holds one batch, never the file.
 */
public interface RowReader extends Closeable {

    /** Opens {@code file} by its name: {@code .npy} and {@code .npz} as NumPy files, anything else as CSV. */
    static RowReader open(Path file, ColumnRequest request) {
        return switch (NumpyRows.kindOf(file)) {
            case NPY -> NumpyRows.npy(file, request);
            case NPZ -> NumpyRows.npz(file, "x", request);
            default -> CsvReader.open(file, request);
        };
    }

    /** Whether {@code file} is read as a NumPy file (by its name). */
    static boolean isNumpy(Path file) {
        return NumpyRows.kindOf(file) != NumpyRows.Kind.CSV;
    }

    /** The column names (a CSV file's header; for a NumPy array {@code x[0]}, {@code x[1]}, ... and {@code y}). */
    static List<String> readHeader(Path file) {
        if (isNumpy(file)) {
            try (RowReader r = open(file, ColumnRequest.of(-1, null, ColumnRequest.Target.OPTIONAL))) {
                List<String> names = new java.util.ArrayList<>(r.featureNames());
                if (r.hasTarget()) {
                    names.add(r.targetName());
                }
                return names;
            }
        }
        return CsvReader.readHeader(file);
    }

    Path file();

    boolean hasTarget();

    /** The target column's name, or null without one. */
    String targetName();

    /** The feature columns' names, in the order the rows hold them. */
    List<String> featureNames();

    int featureCount();

    /** Columns that are neither features nor the target (a model reading its columns by name ignores them). */
    List<String> ignoredColumns();

    long rowsRead();

    /** Bytes consumed so far, for progress. */
    long bytesRead();

    long totalBytes();

    /** The next block of up to {@code maxRows} rows, or null at the end. */
    Batch next(int maxRows);

    /** The error for a file without rows; call it once {@link #next} returned null before any row. */
    org.odf2nna.InputException noDataRows();

    @Override
    void close();

    /** The file's kind in words, for messages. */
    static String describe(Path file) {
        return switch (NumpyRows.kindOf(file)) {
            case NPY -> "NumPy array";
            case NPZ -> "NumPy archive";
            default -> "CSV file";
        };
    }

    /**
     * Where a row is, for messages: "row N" in a NumPy file (N counts rows from 1), "line N" in a CSV file (N counts
     * lines, the header's too), as {@link Batch#lines} numbers them.
     */
    static String place(Path file, long number) {
        return (isNumpy(file) ? "row " : "line ") + number;
    }

    /** The lower-case name of {@code file}, for telling its kind. */
    static String lowerName(Path file) {
        Path name = file.getFileName();
        return name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
    }
}

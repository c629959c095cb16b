package org.odf2nna.data;

import java.io.Closeable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.odf2nna.InputException;

/**
 * Rows of a data file streamed in {@link Batch}es: a CSV file ({@link CsvReader}), a NumPy {@code .npy} array (inputs
 * only, rows on its first axis) or an {@code .npz} archive (array {@code x} or an array named after the input, and the
 * labels' array) ({@link NumpyRows}), or a Parquet file (columns of one number each, read as a CSV file's, or a list
 * column per input) ({@link ParquetRows}). Memory holds one batch (and a Parquet file's row group), never the file.
 */
public interface RowReader extends Closeable {

    /**
     * The array that holds a model's rows where it has one input, or where the files hold no array named after its
     * data input: {@code x} ({@link InputArrays} decides which array feeds which input).
     */
    String ROWS = "x";

    /** Opens {@code file} by its name, reading its rows from array {@link #ROWS} ({@link #open(Path, String, ColumnRequest)}). */
    static RowReader open(Path file, ColumnRequest request) {
        return open(file, ROWS, request);
    }

    /**
     * Opens {@code file} by its name: {@code .npy} and {@code .npz} as NumPy files, {@code .parquet} and {@code .pq} as
     * Parquet, anything else as CSV; the rows' values are array {@code array} of an archive, the list column so named
     * of a Parquet file (for {@link #ROWS}, where there is none, its columns of one number each); a CSV file and an
     * {@code .npy} array hold one set of rows whatever {@code array} is.
     */
    static RowReader open(Path file, String array, ColumnRequest request) {
        return switch (NumpyRows.kindOf(file)) {
            case NPY -> NumpyRows.npy(file, request);
            case NPZ -> NumpyRows.npz(file, array, request);
            case PARQUET -> ParquetRows.open(file, array, request);
            default -> CsvReader.open(file, request);
        };
    }

    /**
     * The arrays {@code file} holds by name, each of which can feed the graph input so named: an {@code .npz}
     * archive's arrays, a Parquet file's list columns; none for a CSV file or an {@code .npy} array (and for a file
     * that is not there: its reader says so when it is opened).
     */
    static List<String> arrayNames(Path file) {
        if (!java.nio.file.Files.isRegularFile(file)) {
            return List.of();
        }
        return switch (NumpyRows.kindOf(file)) {
            case NPZ -> NumpyRows.arrayNames(file);
            case PARQUET -> ParquetRows.arrayNames(file);
            default -> List.of();
        };
    }

    /**
     * The values per row of array {@code name} of a file of named arrays ({@link #arrayNames}: an {@code .npz}
     * array, a Parquet list column), or -1 where {@code file} holds no such array.
     */
    static int arrayWidth(Path file, String name) {
        return switch (NumpyRows.kindOf(file)) {
            case NPZ -> NumpyRows.arrayWidth(file, name);
            case PARQUET -> {
                if (!arrayNames(file).contains(name)) {
                    yield -1;
                }
                try (RowReader r = ParquetRows.open(file, name, ColumnRequest.of(-1, null,
                        ColumnRequest.Target.ABSENT))) {
                    yield r.featureCount();
                }
            }
            default -> -1;
        };
    }

    /** Whether {@code file} is read as a NumPy file (by its name). */
    static boolean isNumpy(Path file) {
        NumpyRows.Kind kind = NumpyRows.kindOf(file);
        return kind == NumpyRows.Kind.NPY || kind == NumpyRows.Kind.NPZ;
    }

    /** Whether {@code file}'s rows are numbered as rows ("row N"), not as lines of text: any file but a CSV file. */
    static boolean numbersRows(Path file) {
        return NumpyRows.kindOf(file) != NumpyRows.Kind.CSV;
    }

    /**
     * The column names (a CSV file's header, a Parquet file's columns read; for a NumPy array {@code x[0]},
     * {@code x[1]}, ... and {@code y}).
     */
    static List<String> readHeader(Path file) {
        if (numbersRows(file)) {
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

    /** Whether the rows have a target: whether a target column is named. */
    default boolean hasTarget() {
        return targetName() != null;
    }

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
    InputException noDataRows();

    @Override
    void close();

    /** The file's kind in words, for messages. */
    static String describe(Path file) {
        return switch (NumpyRows.kindOf(file)) {
            case NPY -> "NumPy array";
            case NPZ -> "NumPy archive";
            case PARQUET -> "Parquet file";
            default -> "CSV file";
        };
    }

    /**
     * Where a row is, for messages: "row N" in a NumPy or Parquet file (N counts rows from 1), "line N" in a CSV file
     * (N counts lines, the header's too), as {@link Batch#lines} numbers them.
     */
    static String place(Path file, long number) {
        return (numbersRows(file) ? "row " : "line ") + number;
    }

    /**
     * Refuses a directory ("is a directory, expected {@code expected}") and a missing file, for a reader whose own
     * failure to open would say neither in these words.
     */
    static void requireFile(Path file, String expected) {
        if (Files.isDirectory(file)) {
            throw new InputException(file, null, "is a directory, expected " + expected);
        }
        if (!Files.exists(file)) {
            throw new InputException(file, null, "no such file");
        }
    }

    /** The lower-case name of {@code file}, for telling its kind. */
    static String lowerName(Path file) {
        Path name = file.getFileName();
        return name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
    }
}

package org.odf2nna.api;

import java.nio.file.Path;
import java.util.Arrays;
import org.odf2nna.InputException;
import org.odf2nna.data.Batch;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.data.RowReader;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.InputPrefix;

/**
 * Rows of data held in memory: {@code count × width} feature values, row after row, and optionally one target per
 * row (a class id, or the value for regression). The features are what the network's dense chain reads (for a model
 * loaded from a file with an input prefix such as a normalisation, the values after that prefix).
 *
 * @param features row-major features
 * @param width    values per row
 * @param targets  one target per row, or null for unlabelled rows
 */
public record Rows(float[] features, int width, float[] targets) {

    /** Rows read from a CSV file at a time. */
    private static final int CHUNK = 4096;
    /** The most values one Java array holds, with the JVM's header margin. */
    private static final long MAX_VALUES = Integer.MAX_VALUE - 8;

    /**
     * Checks the rows: features given, a positive width that divides them into whole rows, one target per row when
     * targets are given, and every feature finite.
     *
     * @throws IllegalArgumentException naming what does not fit
     */
    public Rows {
        if (features == null) {
            throw new IllegalArgumentException("rows: features are null");
        }
        if (width <= 0) {
            throw new IllegalArgumentException("rows: width must be positive, got " + width);
        }
        if (features.length == 0 || features.length % width != 0) {
            throw new IllegalArgumentException("rows: " + features.length + " feature values are not a whole number "
                    + "of rows of " + width);
        }
        int count = features.length / width;
        if (targets != null && targets.length != count) {
            throw new IllegalArgumentException("rows: " + targets.length + " targets for " + count + " rows");
        }
        for (int i = 0; i < features.length; i++) {
            if (!Float.isFinite(features[i])) {
                throw new IllegalArgumentException("rows: row " + (i / width) + ", column " + (i % width) + " is "
                        + features[i]);
            }
        }
    }

    /** Unlabelled rows from a row-major array. */
    public static Rows of(float[] features, int width) {
        return new Rows(features, width, null);
    }

    /** Rows from one array per row, all of the same length. */
    public static Rows of(float[][] rows) {
        if (rows == null || rows.length == 0) {
            throw new IllegalArgumentException("rows: none given");
        }
        int width = rows[0].length;
        float[] flat = new float[rows.length * width];
        for (int r = 0; r < rows.length; r++) {
            if (rows[r].length != width) {
                throw new IllegalArgumentException("rows: row " + r + " has " + rows[r].length + " values, row 0 has "
                        + width);
            }
            System.arraycopy(rows[r], 0, flat, r * width, width);
        }
        return new Rows(flat, width, null);
    }

    /**
     * The rows of a data file for {@code network}: a CSV file with a header (its first {@code network.inputs()}
     * feature columns in order), a Parquet file (its columns of one number each, read as a CSV file's), an {@code .npz}
     * archive (array {@code x}) or an {@code .npy} array; and the target when there is one (a column or array named
     * {@code label}, {@code labels}, {@code target}, {@code class} or {@code y}, any case, or else a column after the
     * features); read through the command line's own readers, so the same files and errors apply.
     *
     * @param csv     the data file (a CSV file optionally gzip-compressed, Parquet, .npz, .npy)
     * @param network the network the rows are for; they are its dense chain's inputs: a prefix that scales and
     *                shifts each value (a Div by 255, a normalisation) is applied to them, one that does more (a
     *                backbone) is refused
     * @return the rows, labelled when the file has a target column
     * @throws InputException when the file cannot be read, or a row is not {@code network.inputs()} numbers (and a
     *                        target)
     * @throws IllegalArgumentException when {@code network} has an input prefix that does more than reshape
     */
    public static Rows read(Path csv, DenseNetwork network) {
        return read(csv, network, null);
    }

    /**
     * {@link #read(Path, DenseNetwork)} with the target column named.
     *
     * @param csv     the CSV file (optionally gzip-compressed)
     * @param network the network the rows are for
     * @param label   the target column's name, or null to find it as {@link #read(Path, DenseNetwork)} does
     * @return the rows, labelled when the file has a target column
     * @throws InputException when the file cannot be read, or has no column named {@code label}
     */
    public static Rows read(Path csv, DenseNetwork network, String label) {
        if (csv == null || network == null) {
            throw new IllegalArgumentException("csv and network must be given");
        }
        InputPrefix prefix = network.prefix();
        if (prefix.kind() != InputPrefix.Kind.NONE && !prefix.reshapesOnly() && (prefix.affine() == null
                || prefix.affine().scale().length != network.inputs())) {
            throw new IllegalArgumentException("network: its input prefix (" + String.join(", ", prefix.operations())
                    + ") changes the values in a way other than scaling and shifting each, so a CSV's columns are "
                    + "not its dense chain's inputs");
        }
        int width = network.inputs();
        int capacity = 1024;
        float[] features = new float[width * capacity];
        float[] targets = new float[capacity];
        boolean labelled = false;
        int count = 0;
        try (RowReader reader = RowReader.open(csv, ColumnRequest.of(width, label, ColumnRequest.Target.OPTIONAL))) {
            Batch batch;
            while ((batch = reader.next(CHUNK)) != null) {
                if ((long) (count + batch.rows()) * width > MAX_VALUES) {
                    throw new InputException(csv, RowReader.place(csv, batch.lines()[batch.rows() - 1]), "more rows than fit in "
                            + "one array (" + MAX_VALUES + " values); give fewer rows");
                }
                if (count + batch.rows() > capacity) {
                    capacity = (int) Math.min(MAX_VALUES / width, Math.max(2L * capacity, count + batch.rows()));
                    features = Arrays.copyOf(features, capacity * width);
                    targets = Arrays.copyOf(targets, capacity);
                }
                System.arraycopy(batch.features(), 0, features, count * width, batch.rows() * width);
                if (batch.hasTargets()) {
                    labelled = true;
                    for (int r = 0; r < batch.rows(); r++) {
                        targets[count + r] = (float) batch.targets()[r];
                    }
                }
                count += batch.rows();
            }
            if (count == 0) {
                throw reader.noDataRows();
            }
        }
        float[] rows = Arrays.copyOf(features, count * width);
        if (prefix.affine() != null && !prefix.reshapesOnly()) {
            // The prefix's scaling (a PyTorch export's Div by 255, a normalisation), as the command line's ONNX
            // Runtime pass applies it: the rows become what the dense chain reads.
            prefix.affine().applyTo(rows);
        }
        return new Rows(rows, width, labelled ? Arrays.copyOf(targets, count) : null);
    }

    /**
     * Reads every row of a data file as the tool reads data, without keeping them: each cell parsed strictly, every
     * column a feature (and the target column where one is found), {@value #CHECK_BATCH} rows at a time, memory
     * holding one batch. To check a file before a long run, or to count its rows; the research harness's {@code bench
     * csv} times the readers with it.
     *
     * @param data a CSV file (optionally gzip-compressed), Parquet, .npz or .npy
     * @return how many data rows it has
     * @throws InputException at the first row that cannot be read (a cell that is not a number, a missing cell), naming
     *                        its line and column
     */
    public static long check(Path data) {
        try (RowReader reader = RowReader.open(data, ColumnRequest.of(-1, null, ColumnRequest.Target.OPTIONAL))) {
            Batch b;
            long rows = 0;
            while ((b = reader.next(CHECK_BATCH)) != null) {
                rows += b.rows();
            }
            return rows;
        }
    }

    /** Rows per batch of {@link #check}. */
    public static final int CHECK_BATCH = 1024;

    /** The same rows with targets. */
    public Rows withTargets(float[] newTargets) {
        return new Rows(features, width, newTargets);
    }

    /** Number of rows. */
    public int count() {
        return features.length / width;
    }

    /** Whether every row has a target. */
    public boolean labelled() {
        return targets != null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Rows r && width == r.width && Arrays.equals(features, r.features)
                && Arrays.equals(targets, r.targets);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(features) + width) + Arrays.hashCode(targets);
    }

    @Override
    public String toString() {
        return "Rows[" + count() + " x " + width + (labelled() ? ", labelled" : "") + "]";
    }
}

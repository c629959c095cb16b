package org.odf2nna.method;

import java.nio.file.Path;
import java.util.List;
import org.odf2nna.Progress;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.data.CsvReader;
import org.odf2nna.data.ParquetRows;
import org.odf2nna.data.RowReader;
import org.odf2nna.onnx.OnnxDenseModel;

/**
 * A CSV file of rows for a model, with how its columns are to be read.
 *
 * @param file      the CSV (optionally gzip-compressed)
 * @param columns   feature count, target column and whether a target must be there
 * @param inferenceBatch rows per runtime call
 * @param acceptChance   whether rows the original scores no better than chance on are taken all the same (see
 *                       {@link ModelScan#refuseAtChance})
 */
public record EvalData(Path file, ColumnRequest columns, int inferenceBatch, boolean acceptChance) {

    public EvalData {
        if (inferenceBatch <= 0) {
            throw new IllegalArgumentException("inference batch must be positive, got " + inferenceBatch);
        }
    }

    /** Rows the original is at chance on are refused. */
    public EvalData(Path file, ColumnRequest columns, int inferenceBatch) {
        this(file, columns, inferenceBatch, false);
    }

    /** The same rows, taken as {@code csv} says of rows the original is at chance on. */
    public EvalData accepting(org.odf2nna.settings.CsvReading csv) {
        return new EvalData(file, columns, inferenceBatch, csv.acceptChance());
    }

    /** The same rows, read for a model that takes {@code features} values per row (-1: unknown). */
    public EvalData withFeatures(int features) {
        ColumnRequest c = columns;
        return new EvalData(file, new ColumnRequest(features, c.label(), c.target(), c.featureNames()), inferenceBatch,
                acceptChance);
    }

    /**
     * The same rows, read for {@code model}: by column name when the model records the feature columns it
     * reads (then other columns are ignored and their order does not matter, and the recorded target column
     * is the target unless the target column name names another), else by position.
     */
    public EvalData forModel(OnnxDenseModel model) {
        List<String> names = ModelColumns.featureNames(model);
        if (names == null) {
            return withFeatures(model.featuresPerRow());
        }
        String label = columns.label();
        String target = ModelColumns.targetName(model);
        if (label == null && target != null && columns.target() != ColumnRequest.Target.ABSENT
                && !names.contains(target) && RowReader.readHeader(file).contains(target)) {
            label = target;
        }
        return new EvalData(file, new ColumnRequest(names.size(), label, columns.target(), names), inferenceBatch,
                acceptChance);
    }

    /** The same rows, reading the named feature columns. */
    public EvalData withFeatureNames(List<String> names) {
        return new EvalData(file, columns.withFeatureNames(names), inferenceBatch, acceptChance);
    }

    /** Whether the file has a target column under these column rules (reads the header only). */
    public boolean hasTarget() {
        try (RowReader reader = open()) {
            return reader.hasTarget();
        }
    }

    /**
     * Where the target column is when it was taken by its place, the last column, for want of one named as a target
     * ("column 785 of 785, 'pixel783'"), or null when it was found by name or the rows are not a CSV file (reads the
     * header only).
     */
    public String positionalTarget() {
        try (RowReader reader = open()) {
            return positionalTarget(reader);
        }
    }

    /** {@link #positionalTarget()} of an open reader. */
    static String positionalTarget(RowReader reader) {
        if (reader instanceof ParquetRows parquet && parquet.targetByPosition()) {
            return "column '" + parquet.targetName() + "', the last";
        }
        return reader instanceof CsvReader csv && csv.targetByPosition() ? "column " + csv.targetColumnNumber()
                + " of " + csv.columnCount() + ", '" + csv.targetName() + "'" : null;
    }

    public RowReader open() {
        return RowReader.open(file, columns);
    }

    /** Opens the file, and notes (once per run) the columns that a model reading by name ignores. */
    public RowReader open(Progress progress) {
        RowReader reader = open();
        noteIgnored(reader, file, progress);
        return reader;
    }

    /** Notes (once per run) the columns of {@code file} that a model reading by name ignores. */
    static void noteIgnored(RowReader reader, Path file, Progress progress) {
        List<String> ignored = reader.ignoredColumns();
        if (!ignored.isEmpty()) {
            String list = String.join(", ", ignored.size() <= 8 ? ignored : ignored.subList(0, 8))
                    + (ignored.size() <= 8 ? "" : ", ... (" + (ignored.size() - 8) + " more)");
            progress.note(file + ": the model reads its " + reader.featureCount() + " feature columns by name; "
                    + ignored.size() + (ignored.size() == 1 ? " other column is" : " other columns are")
                    + " ignored: " + list);
        }
    }
}

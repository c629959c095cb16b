package org.odf2nna.method;

import java.nio.file.Path;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.data.CsvReader;

/**
 * A CSV file of rows for a model, with how its columns are to be read.
 *
 * @param file      the CSV (optionally gzip-compressed)
 * @param columns   feature count, target column and whether a target must be there
 * @param batchSize rows per runtime call
 */
public record EvalData(Path file, ColumnRequest columns, int batchSize) {

    public EvalData {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
    }

    /** The same rows, read for a model that takes {@code features} values per row (-1: unknown). */
    public EvalData withFeatures(int features) {
        ColumnRequest c = columns;
        return new EvalData(file, new ColumnRequest(features, c.label(), c.target(), c.featureNames()), batchSize);
    }

    /** Whether the file has a target column under these column rules (reads the header only). */
    public boolean hasTarget() {
        try (CsvReader reader = open()) {
            return reader.hasTarget();
        }
    }

    public CsvReader open() {
        return CsvReader.open(file, columns);
    }
}

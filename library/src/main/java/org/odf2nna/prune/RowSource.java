package org.odf2nna.prune;

/**
 * Rows of chain input (what the dense chain reads, after the model's prefix), delivered in batches, as
 * many times as asked: least-squares compensation makes one pass per hidden layer. Implementations may
 * hold the rows in memory or read them again from their file; either way a pass sees the same rows in the
 * same order, and a batch array is not changed after it has been handed over.
 */
@FunctionalInterface
public interface RowSource {

    /** Receives one batch: {@code rows} rows of chain input, row-major. */
    @FunctionalInterface
    interface RowBatchConsumer {
        void accept(float[] values, int rows);
    }

    /** Hands every row to {@code consumer}, batch by batch, in a fixed order. */
    void forEachBatch(RowBatchConsumer consumer);

    /** Rows already in memory, {@code width} values each, handed over {@code batch} rows at a time. */
    static RowSource of(float[] values, int rows, int width, int batch) {
        if (values.length < (long) rows * width || batch <= 0) {
            throw new IllegalArgumentException("need " + rows + "x" + width + " values and a positive batch");
        }
        return consumer -> {
            for (int from = 0; from < rows; from += batch) {
                int n = Math.min(batch, rows - from);
                consumer.accept(java.util.Arrays.copyOfRange(values, from * width, (from + n) * width), n);
            }
        };
    }
}

package org.odf2nna.tf;

import java.util.Random;

/**
 * The rows a training loop steps on, each with its target and, when distilling, the teacher's soft targets; and the
 * other reads of them retraining makes (in their stored order, the first rows, a sample). Held in memory
 * ({@link #inMemory}: {@link TrainingData} as before) or streamed from a file of rows on disk ({@link StreamedRows}),
 * so that the heap a training needs does not grow with its rows.
 */
public interface TrainingSet {

    /**
     * Receives rows: {@code n} rows of inputs (row-major), their targets (one per row: a class id or a value) and the
     * teacher's soft targets ({@code n × softWidth}, or null without a teacher). The arrays are the receiver's.
     */
    @FunctionalInterface
    interface Rows {
        void accept(float[] inputs, float[] targets, float[] soft, int n);
    }

    /** Number of rows. */
    int rows();

    /** Values per row. */
    int width();

    /** The teacher's soft targets per row, 0 without them. */
    int softWidth();

    /**
     * One epoch: every row once, in batches of {@code batchSize} (the last one shorter), in an order drawn from
     * {@code random}.
     */
    void epoch(Random random, int batchSize, Rows batches);

    /** The first {@code max} rows in their stored order, {@code block} rows at a time. */
    void inOrder(int block, long max, Rows blocks);

    /** The first {@code n} rows (all of them when there are fewer), in memory. */
    TrainingData head(int n);

    /**
     * About {@code n} rows drawn with {@code seed}, in memory and in their stored order; every row when there are no
     * more than {@code n}.
     */
    TrainingData sample(int n, long seed);

    /**
     * Which rows {@link #sample} gives, as indices in the stored order (ascending, as the sample holds them), or null
     * where that is not known (rows streamed from disk).
     */
    default int[] sampleRows(int n, long seed) {
        return null;
    }

    /** The same rows restricted to the given columns, in the given order (feature selection). */
    TrainingSet keepColumns(int[] kept);

    /** The smallest and largest target, {lo, hi}. */
    double[] targetBounds();

    /** Rows in memory, with the teacher's soft targets ({@code rows × softWidth}, or null). */
    static TrainingSet inMemory(TrainingData rows, float[] soft, int softWidth) {
        return new InMemory(rows, soft, soft == null ? 0 : softWidth);
    }

    /**
     * Rows held in memory: an epoch's order is a seeded permutation of every row, as training has always drawn it.
     */
    record InMemory(TrainingData data, float[] soft, int softWidth) implements TrainingSet {

        @Override
        public int rows() {
            return data.rows();
        }

        @Override
        public int width() {
            return data.width();
        }

        @Override
        public void epoch(Random random, int batchSize, Rows batches) {
            int[] order = TrainingData.permutation(data.rows(), random);
            for (int from = 0; from < data.rows(); from += batchSize) {
                int n = Math.min(batchSize, data.rows() - from);
                batches.accept(gather(data.inputs(), data.width(), order, from, n), gather(data.targets(), 1, order,
                        from, n), soft == null ? null : gather(soft, softWidth, order, from, n), n);
            }
        }

        private static float[] gather(float[] all, int width, int[] order, int from, int n) {
            float[] out = new float[n * width];
            for (int i = 0; i < n; i++) {
                System.arraycopy(all, order[from + i] * width, out, i * width, width);
            }
            return out;
        }

        @Override
        public void inOrder(int block, long max, Rows blocks) {
            int rows = (int) Math.min(max, data.rows());
            int width = data.width();
            for (int from = 0; from < rows; from += block) {
                int n = Math.min(block, rows - from);
                blocks.accept(java.util.Arrays.copyOfRange(data.inputs(), from * width, (from + n) * width),
                        java.util.Arrays.copyOfRange(data.targets(), from, from + n), soft == null ? null
                                : java.util.Arrays.copyOfRange(soft, from * softWidth, (from + n) * softWidth), n);
            }
        }

        @Override
        public TrainingData head(int n) {
            int rows = Math.min(n, data.rows());
            return new TrainingData(java.util.Arrays.copyOf(data.inputs(), rows * data.width()),
                    java.util.Arrays.copyOf(data.targets(), rows), rows, data.width());
        }

        /** The validation part of {@link TrainingData#split} at the share {@code n} makes: what sampling always was. */
        @Override
        public TrainingData sample(int n, long seed) {
            return data.rows() > n ? data.split((double) n / data.rows(), seed)[1] : data;
        }

        @Override
        public int[] sampleRows(int n, long seed) {
            if (data.rows() <= n) {
                return java.util.stream.IntStream.range(0, data.rows()).toArray();
            }
            boolean[] held = data.heldOut((double) n / data.rows(), seed);
            return java.util.stream.IntStream.range(0, data.rows()).filter(r -> held[r]).toArray();
        }

        @Override
        public TrainingSet keepColumns(int[] kept) {
            return new InMemory(data.keepColumns(kept), soft, softWidth);
        }

        @Override
        public double[] targetBounds() {
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (int r = 0; r < data.rows(); r++) {
                lo = Math.min(lo, data.targets()[r]);
                hi = Math.max(hi, data.targets()[r]);
            }
            return new double[] {lo, hi};
        }
    }
}

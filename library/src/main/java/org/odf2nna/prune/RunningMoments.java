package org.odf2nna.prune;

/**
 * Per-column mean and variance of a stream of row batches, in double precision, in O(columns) memory.
 *
 * <p>Each batch is reduced in one pass of deviations from its first row (the shifted-data algorithm) and
 * merged with Chan et al.'s pairwise update, which stays accurate where the naive {@code E[x²] − E[x]²} loses
 * everything (large means, small spreads: exactly the nearly constant units we look for).
 */
public final class RunningMoments {

    private final int columns;
    private final double[] mean;
    private final double[] m2;
    private long count;

    private final double[] batchMean;
    private final double[] batchM2;
    private final double[] shift;

    public RunningMoments(int columns) {
        this.columns = columns;
        this.mean = new double[columns];
        this.m2 = new double[columns];
        this.batchMean = new double[columns];
        this.batchM2 = new double[columns];
        this.shift = new double[columns];
    }

    public int columns() {
        return columns;
    }

    public long count() {
        return count;
    }

    /** Adds {@code rows} rows of {@code values}, row-major with {@link #columns()} values per row. */
    public void add(float[] values, int rows) {
        if (rows <= 0) {
            return;
        }
        if (values.length < (long) rows * columns) {
            throw new IllegalArgumentException("batch holds " + values.length + " values, need " + rows + "x" + columns);
        }
        // One pass over the batch, shifted by its first row: sums of d = x − x₀ and d² in double stay accurate
        // because x₀ lies within the column's own spread (no large mean left to cancel).
        java.util.Arrays.fill(batchMean, 0);
        java.util.Arrays.fill(batchM2, 0);
        double[] shift = this.shift;
        for (int c = 0; c < columns; c++) {
            shift[c] = values[c];
        }
        for (int r = 1; r < rows; r++) {
            int base = r * columns;
            for (int c = 0; c < columns; c++) {
                double d = values[base + c] - shift[c];
                batchMean[c] += d;
                batchM2[c] += d * d;
            }
        }
        for (int c = 0; c < columns; c++) {
            double sum = batchMean[c];
            batchMean[c] = shift[c] + sum / rows;
            batchM2[c] = Math.max(0, batchM2[c] - sum * sum / rows);
        }
        merge(rows, batchMean, batchM2);
    }

    /** Folds in another accumulator's figures (parallel or distributed partial sums). */
    public void merge(RunningMoments other) {
        if (other.columns != columns) {
            throw new IllegalArgumentException("cannot merge " + other.columns + " columns into " + columns);
        }
        merge(other.count, other.mean, other.m2);
    }

    private void merge(long otherCount, double[] otherMean, double[] otherM2) {
        if (otherCount == 0) {
            return;
        }
        long total = count + otherCount;
        double weight = (double) otherCount / total;
        double cross = (double) count * otherCount / total;
        for (int c = 0; c < columns; c++) {
            double delta = otherMean[c] - mean[c];
            mean[c] += delta * weight;
            m2[c] += otherM2[c] + delta * delta * cross;
        }
        count = total;
    }

    /** Whether every mean and sum of squares is a finite number (false once a NaN or infinity was added). */
    public boolean isFinite() {
        for (int c = 0; c < columns; c++) {
            if (!Double.isFinite(mean[c]) || !Double.isFinite(m2[c])) {
                return false;
            }
        }
        return true;
    }

    public double[] mean() {
        return mean.clone();
    }

    /** Population variance (divides by n), as numpy's default; 0 before any row. */
    public double[] variance() {
        double[] v = new double[columns];
        if (count > 0) {
            for (int c = 0; c < columns; c++) {
                v[c] = Math.max(0, m2[c] / count);
            }
        }
        return v;
    }

    public double[] standardDeviation() {
        double[] v = variance();
        for (int c = 0; c < columns; c++) {
            v[c] = Math.sqrt(v[c]);
        }
        return v;
    }
}

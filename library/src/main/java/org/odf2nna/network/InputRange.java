package org.odf2nna.network;

import java.util.Arrays;

/**
 * The per-column range of the rows a network's inputs were seen on: the least and the greatest value of each column
 * of the dense chain's input over those rows. With a clip, each input is held to it before the first layer, so that a
 * pruned network never extrapolates beyond what the rows it was fitted and retrained on covered.
 *
 * @param min  per column, the least value (as many as the chain's inputs)
 * @param max  per column, the greatest value
 * @param rows how many rows the range was taken over
 */
public record InputRange(float[] min, float[] max, int rows) {

    /** Copies the arrays, so that the range cannot change after it is made. */
    public InputRange {
        if (min.length != max.length) {
            throw new IllegalArgumentException(min.length + " least values for " + max.length + " greatest");
        }
        min = min.clone();
        max = max.clone();
        for (int c = 0; c < min.length; c++) {
            if (!(min[c] <= max[c])) {
                throw new IllegalArgumentException("column " + (c + 1) + ": least value " + min[c]
                        + " above the greatest " + max[c]);
            }
        }
    }

    /**
     * The range of {@code rows} rows of {@code width} values each, row-major.
     *
     * @throws IllegalArgumentException when there are no rows (no range to take)
     */
    public static InputRange of(float[] inputs, int rows, int width) {
        if (rows <= 0) {
            throw new IllegalArgumentException("no rows to take a range over");
        }
        float[] min = new float[width];
        float[] max = new float[width];
        Arrays.fill(min, Float.POSITIVE_INFINITY);
        Arrays.fill(max, Float.NEGATIVE_INFINITY);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < width; c++) {
                float v = inputs[r * width + c];
                if (v < min[c]) {
                    min[c] = v;
                }
                if (v > max[c]) {
                    max[c] = v;
                }
            }
        }
        return new InputRange(min, max, rows);
    }

    /** How many columns the range holds. */
    public int width() {
        return min.length;
    }

    /** The least value of each column (a copy). */
    @Override
    public float[] min() {
        return min.clone();
    }

    /** The greatest value of each column (a copy). */
    @Override
    public float[] max() {
        return max.clone();
    }

    /** The range of the columns {@code kept} (indices into this range's columns), in that order. */
    public InputRange columns(int[] kept) {
        // Each bound is one row of width() values.
        return new InputRange(RowMajor.keepColumns(min, 1, width(), kept), RowMajor.keepColumns(max, 1, width(), kept),
                rows);
    }

    /** A copy of {@code rows} row-major rows of {@link #width()} values, each held to its column's range. */
    public float[] clip(float[] inputs, int rows) {
        int width = width();
        float[] clipped = new float[rows * width];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < width; c++) {
                float v = inputs[r * width + c];
                // Max then Min, as the written graph does it (a NaN stays NaN in neither order).
                clipped[r * width + c] = Math.min(Math.max(v, min[c]), max[c]);
            }
        }
        return clipped;
    }

    /** How many of the values of {@code rows} rows lie outside the range. */
    public long outside(float[] inputs, int rows) {
        int width = width();
        long count = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < width; c++) {
                float v = inputs[r * width + c];
                count += v < min[c] || v > max[c] ? 1 : 0;
            }
        }
        return count;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InputRange other && rows == other.rows && Arrays.equals(min, other.min)
                && Arrays.equals(max, other.max);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(min) + Arrays.hashCode(max)) + rows;
    }

    @Override
    public String toString() {
        return "InputRange[" + width() + " columns over " + rows + " rows]";
    }
}

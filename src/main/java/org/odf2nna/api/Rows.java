package org.odf2nna.api;

import java.util.Arrays;

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

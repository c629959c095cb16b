package org.odf2nna.data;

/**
 * A block of consecutive CSV rows as primitive arrays, ready to wrap in runtime tensors.
 *
 * @param features row-major {@code [rows][width]} feature values (the array may be longer than needed)
 * @param rows     rows in this batch
 * @param width    features per row
 * @param targets  target value per row, or null when the file has no target column
 * @param lines    1-based line number of each row in the file (the header is line 1), for messages
 */
public record Batch(float[] features, int rows, int width, double[] targets, long[] lines) {

    public boolean hasTargets() {
        return targets != null;
    }
}

package org.odf2nna.tf;

import java.util.Locale;

/**
 * The check both SavedModel readers make of what they read against the SavedModel's own serving signature: the same
 * fixed pseudo-random rows through both, the largest relative difference within one tolerance.
 */
final class ServingCheck {

    /**
     * Relative tolerance: float32 TensorFlow against the network read (double Java for a dense chain, float32 ONNX
     * Runtime for a translated graph), different kernels.
     */
    static final double TOLERANCE = 1e-3;

    /** Rows of each check. */
    static final int ROWS = 16;

    private static final long SEED = 0x5EED_0D2FL;

    private ServingCheck() {
    }

    /** The check's rows for an input of {@code features} values per row. */
    static float[] rows(int features) {
        return TfTensors.checkRows(ROWS, features, SEED);
    }

    /**
     * Null when {@code ours} computes what {@code served} does within {@link #TOLERANCE}, else what differs, as a
     * phrase after "it": another width ({@code oursPerRow} values per row) or the largest difference.
     */
    static String mismatch(float[] served, float[] ours, int oursPerRow) {
        double difference = TfTensors.maxRelativeDifference(served, ours);
        if (difference <= TOLERANCE) {
            return null;
        }
        return served.length != ours.length
                ? "returns " + served.length / ROWS + " values per row, not " + oursPerRow
                : String.format(Locale.ROOT, "differs by up to %.3g (relative) on test rows", difference);
    }
}

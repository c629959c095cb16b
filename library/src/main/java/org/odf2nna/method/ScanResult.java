package org.odf2nna.method;

import org.odf2nna.metrics.Metrics;
import org.odf2nna.prune.RowSource;
import org.odf2nna.prune.UnitStatistics;

/**
 * What one pass of the original model over the evaluation rows measured.
 *
 * @param statistics    mean and standard deviation of every hidden unit
 * @param metrics       the original model's metrics (OR), or null when the rows have no target
 * @param sample        the first rows, kept to check written models against the internal network
 * @param rowByRow      whether the graph had to be run one row at a time
 * @param chainRows     the scanned rows as the dense chain sees them (least squares fits on them): held in memory
 *                      when they fit (see {@link ModelScan#CACHED_VALUES}), else read again from the file on each
 *                      pass; null when they were not asked for
 * @param chance        how far the original agrees with the labels beyond chance, or null (no labels, regression)
 * @param heldRows      the scanned rows as the file gave them, targets and lines with them, when they were kept in
 *                      memory with {@code chainRows} (PWR is then measured on them without reading the file again);
 *                      else null
 * @param fittingSums   sums over the rows of {@code chainRows} that refits take instead of passes of their own (the
 *                      last refit's targets, the first refit's Gram matrix), or null when not made
 */
public record ScanResult(UnitStatistics statistics, Metrics metrics, Sample sample, boolean rowByRow,
        RowSource chainRows, org.odf2nna.metrics.ChanceAgreement chance, HeldRows heldRows,
        FittingSums fittingSums) {

    /** A scan that kept no rows. */
    public ScanResult(UnitStatistics statistics, Metrics metrics, Sample sample, boolean rowByRow) {
        this(statistics, metrics, sample, rowByRow, null, null, null, null);
    }

    /**
     * A few rows as the CSV gave them and as the dense chain sees them (after the prefix).
     *
     * @param features   raw rows, row-major
     * @param chainInput the same rows after the model's prefix, row-major
     * @param outputs    the original model's outputs on them, as ONNX Runtime computed them
     * @param rows       number of rows
     */
    public record Sample(float[] features, int featureWidth, float[] chainInput, int chainWidth, float[] outputs,
            int rows) {
    }
}

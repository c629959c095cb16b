package org.odf2nna.report;

/**
 * {@code shrink} without training rows on a graph: one round of the sweep's pruning, its units measured and refitted on
 * the evaluation rows and not retrained, written without a judgement (the rows that chose the units only report).
 *
 * @param output          the written model
 * @param share           the share of the block parameters (or of their multiply-adds, under that budget) the round
 *                        removes
 * @param modelParameters the whole model's parameters before
 * @param blockParameters the blocks' parameters before
 * @param removed         the parameters removed
 * @param rows            what the evaluation rows measured
 * @param compute         what the round counted, and the multiply-adds per row before and after
 */
public record GraphOneRound(String output, double share, long modelParameters, long blockParameters, long removed,
        Rows rows, ComputeSummary compute) {

    /**
     * The original and the written model on the evaluation rows, which chose the units.
     *
     * @param file             the rows' file
     * @param count            the rows
     * @param originalAccuracy the original's accuracy on them, NaN without labels
     * @param prunedAccuracy   the written model's accuracy on them, NaN without labels
     * @param changed          rows whose prediction (decoded output) changed
     */
    public record Rows(String file, int count, double originalAccuracy, double prunedAccuracy, int changed) {
    }

    /** The whole model's parameters after the round. */
    public long parametersAfter() {
        return modelParameters - removed;
    }
}

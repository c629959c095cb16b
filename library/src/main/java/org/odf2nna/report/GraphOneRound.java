package org.odf2nna.report;

/**
 * {@code shrink} without training rows on a graph: one round of the sweep's pruning, its units measured and refitted on
 * the evaluation rows, written without a judgement (the rows that chose the units only report).
 *
 * @param output            the written model
 * @param share             the share of the block parameters the round removes
 * @param blockParameters   the blocks' parameters before
 * @param removed           the parameters removed
 * @param rows              the evaluation rows
 * @param originalAccuracy  the original's accuracy on them, NaN without labels
 * @param prunedAccuracy    the written model's accuracy on them, NaN without labels
 * @param changed           rows whose prediction (decoded output) changed
 */
public record GraphOneRound(String output, double share, long blockParameters, long removed, int rows,
        double originalAccuracy, double prunedAccuracy, int changed) {
}

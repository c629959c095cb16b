package org.odf2nna.report;

/**
 * How retraining went for one ε.
 *
 * @param epochsRun          epochs run (fewer than asked when stopped early)
 * @param bestEpoch          epoch whose weights were kept (0: the pruned weights were not improved on)
 * @param validationBefore   validation metric of the pruned network before retraining
 * @param validationAfter    validation metric of the kept weights
 * @param validationMetric   "accuracy" or "mse"
 */
public record TrainingSummary(int epochsRun, int bestEpoch, double validationBefore, double validationAfter,
        String validationMetric) {
}

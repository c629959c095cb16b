package org.odf2nna.report;

/**
 * The retraining settings of a run, shared by every ε.
 *
 * @param trainData        the training CSV
 * @param trainRows        rows used for the Adam steps
 * @param validationRows   rows held out to pick the best epoch and stop early
 * @param epochs           epochs asked for
 * @param epochsSource     why that many
 * @param batchSize        rows per step
 * @param learningRate     Adam's learning rate
 * @param seed             seed of the split and the shuffling
 * @param originalValidationMetric the original model's metric on the validation rows (accuracy or MSE), the
 *                         reference against which {@code sweep} chooses
 * @param signal           what the networks were trained towards: the targets, the original network's outputs
 *                         (distillation), or both, in words; null in reports written before distillation existed
 */
public record Retraining(String trainData, int trainRows, int validationRows, int epochs, String epochsSource,
        int batchSize, double learningRate, long seed, double originalValidationMetric, String signal) {
}

package org.odf2nna.report;

/**
 * The retraining settings of a run, shared by every ε (its JSON fields are those of the parts, in this order, among
 * its own).
 *
 * @param rows                     the rows it trained and stopped on
 * @param steps                    how it stepped
 * @param originalValidationMetric the original model's metric on the validation rows (accuracy or MSE), the
 *                                 reference against which {@code sweep} chooses
 * @param signal                   what the networks were trained towards: the targets, the original network's
 *                                 outputs (distillation), or both, in words; null in reports written before
 *                                 distillation existed
 */
public record Retraining(Rows rows, Steps steps, double originalValidationMetric, String signal) {

    /**
     * The rows a retraining reads.
     *
     * @param trainData      the training CSV
     * @param trainRows      rows used for the Adam steps
     * @param validationRows rows held out to pick the best epoch and stop early
     */
    @JsonInline
    public record Rows(String trainData, int trainRows, int validationRows) {
    }

    /**
     * How a retraining steps.
     *
     * @param epochs       epochs asked for
     * @param epochsSource why that many
     * @param batchSize    rows per step
     * @param learningRate Adam's learning rate
     * @param seed         seed of the split and the shuffling
     */
    @JsonInline
    public record Steps(int epochs, String epochsSource, int batchSize, double learningRate, long seed) {

        /** The same steps, {@code count} epochs of them, for the reason {@code source}. */
        public Steps withEpochs(int count, String source) {
            return new Steps(count, source, batchSize, learningRate, seed);
        }
    }
}

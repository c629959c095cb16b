package org.odf2nna.tf;

import java.util.List;
import org.odf2nna.network.DenseNetwork;

/**
 * What training produced.
 *
 * @param network    the network with the best weights seen (possibly the starting ones: epoch 0)
 * @param bestEpoch  the epoch whose weights were kept, 0 for the starting weights
 * @param epochsRun  epochs actually run (fewer than asked when stopped early)
 * @param history    one record per epoch, starting with epoch 0 (before any step)
 */
public record TrainingResult(DenseNetwork network, int bestEpoch, int epochsRun, List<Epoch> history) {

    public TrainingResult {
        history = List.copyOf(history);
    }

    /**
     * @param epoch            1-based epoch (0: before training)
     * @param trainLoss        mean loss over the epoch's steps (NaN for epoch 0)
     * @param validationLoss   mean loss on the validation rows
     * @param validationMetric accuracy (classification) or MSE (regression) on the validation rows
     */
    public record Epoch(int epoch, double trainLoss, double validationLoss, double validationMetric) {

        /**
         * Whether this epoch scores better on the validation rows than {@code best}: the metric first (higher accuracy,
         * lower MSE as {@code loss} says), the loss on a tie; never when its metric is NaN: the rule that keeps a
         * training's best epoch.
         */
        public boolean beats(Epoch best, Loss loss) {
            double c = validationMetric;
            double b = best.validationMetric;
            if (Double.isNaN(c)) {
                return false;
            }
            if (c != b && !Double.isNaN(b)) {
                return loss.metricHigherIsBetter() ? c > b : c < b;
            }
            return validationLoss < best.validationLoss;
        }
    }
}

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
 * @param reproducible     whether the same seed gives the same weights: TensorFlow computes on one thread
 *                         and without oneDNN (TF_ENABLE_ONEDNN_OPTS=0, which the launcher sets)
 */
public record Retraining(String trainData, int trainRows, int validationRows, int epochs, String epochsSource,
        int batchSize, double learningRate, long seed, boolean reproducible) {

    /** Whether this process runs TensorFlow without oneDNN, the condition for reproducible training. */
    public static boolean oneDnnDisabled() {
        return "0".equals(System.getenv("TF_ENABLE_ONEDNN_OPTS"));
    }
}

package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.InputPrefix;
import org.odf2nna.network.OutputHead;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.tf.Loss;
import org.odf2nna.tf.TrainingData;

/**
 * {@link Retrainer#watchedLoss}, what the progressive search is steered by: the accuracy a candidate lost on the
 * watched training rows, where {@link Retrainer#watchedChange} counts every changed prediction.
 */
class WatchedLossTest {

    /** One input, two classes: class 1 when x is above {@code threshold}. */
    private static DenseNetwork threshold(float threshold) {
        DenseLayer layer = new DenseLayer(1, 2, new float[] {0, 1}, new float[] {0, -threshold}, Activation.IDENTITY);
        return new DenseNetwork(InputPrefix.NONE, List.of(layer), OutputHead.NONE);
    }

    /**
     * 200 rows: x in (0, 0.5] on every other row, where the two thresholds disagree, with target {@code middle};
     * elsewhere x = ±1 and the target both networks give.
     */
    private static Retrainer retrainer(int middle) {
        int rows = 200;
        float[] x = new float[rows];
        float[] y = new float[rows];
        for (int r = 0; r < rows; r++) {
            if (r % 2 == 0) {
                x[r] = 0.01f + 0.4f * r / rows;
                y[r] = middle;
            } else {
                x[r] = r % 4 == 1 ? -1 : 1;
                y[r] = x[r] > 0 ? 1 : 0;
            }
        }
        RetrainOptions options = new RetrainOptions(Path.of("train.csv"), RetrainSettings.builder().epochs(3)
                .batchSize(32).learningRate(0.001f).seed(0).validationShare(0.2).patience(0)
                .distillation(Distillation.NONE).build());
        return RetrainingSetup.of(new TrainingData(x, y, rows, 1), options, new RetrainSettings.Epochs(3, "test"),
                Loss.SOFTMAX_CROSS_ENTROPY, OutputHead.NONE, Device.CPU).watchingTraining(5000);
    }

    @Test
    void changesThatGainCostNothingWhileEveryChangeCounts() {
        Retrainer retrainer = retrainer(0);
        RetrainingJudge.Reference reference = retrainer.reference(threshold(0));
        double changed = retrainer.watchedChange(reference, threshold(0.5f));
        double lost = retrainer.watchedLoss(reference, threshold(0.5f));
        assertTrue(changed > 0.3, "about half the rows changed class: " + changed);
        // Every changed row was one the original got wrong and the candidate right: accuracy rose by as much.
        assertEquals(-changed, lost, 1e-12);
        assertEquals(0, retrainer.watchedLoss(reference, threshold(0)), 1e-12, "the original loses nothing");
    }

    @Test
    void changesThatLoseCountAsMuchAsChanges() {
        Retrainer retrainer = retrainer(1);
        RetrainingJudge.Reference reference = retrainer.reference(threshold(0));
        double changed = retrainer.watchedChange(reference, threshold(0.5f));
        assertTrue(changed > 0.3, "about half the rows changed class: " + changed);
        assertEquals(changed, retrainer.watchedLoss(reference, threshold(0.5f)), 1e-12);
    }
}

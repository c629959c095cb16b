package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.OutputHead;
import org.odf2nna.network.TestNetworks;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.settings.Task;
import org.odf2nna.tf.TrainingData;

/**
 * The original's outputs a sweep's judging reads ({@link Retrainer#reference}) taken from the teacher's outputs that
 * the soft targets were made from, and a round's change and watched loss from one pass ({@link Retrainer#moved}):
 * the same values as computing each on its own rows.
 */
class RetrainerReferenceTest {

    private static final int ROWS = 3_000;

    private static Retrainer retrainer(DenseNetwork teacher, Task task, int watched) {
        Random random = new Random(11);
        float[] x = TestNetworks.gaussian(random, ROWS * teacher.inputs(), 1.5);
        float[] y = new float[ROWS];
        for (int r = 0; r < ROWS; r++) {
            y[r] = task == Task.REGRESSION ? (float) random.nextGaussian() * 3 + 10 : random.nextInt(3);
        }
        RetrainSettings settings = RetrainSettings.builder().epochs(1).batchSize(32).learningRate(0.001f).seed(0)
                .validationShare(0.25).patience(0).distillation(Distillation.DEFAULT).build();
        TrainingData[] parts = new TrainingData(x, y, ROWS, teacher.inputs()).split(0.25, 0);
        return RetrainingSetup.prepare(teacher, null, settings, RowsOrigin.IN_MEMORY, task, parts, Device.CPU)
                .watchingTraining(watched);
    }

    /** A network that computes what {@code network} computes but is another object: its reference is computed. */
    private static DenseNetwork copy(DenseNetwork network) {
        return network.withLayers(network.layers());
    }

    private static void sameReference(RetrainingJudge.Reference a, RetrainingJudge.Reference b) {
        assertArrayEquals(a.validation(), b.validation(), "validation rows");
        assertArrayEquals(a.watched(), b.watched(), "watched rows");
        assertArrayEquals(a.fidelity(), b.fidelity(), "fidelity rows");
        assertArrayEquals(a.fidelityTargets(), b.fidelityTargets(), "fidelity targets");
        assertEquals(a.fidelityRows(), b.fidelityRows());
    }

    private static void check(Task task, int classes, OutputHead head) {
        DenseNetwork teacher = TestNetworks.random(new Random(5), new int[] {6, 40, 30, classes}, Activation.RELU,
                head);
        DenseNetwork candidate = TestNetworks.random(new Random(6), new int[] {6, 40, 30, classes}, Activation.RELU,
                head);
        for (int watched : new int[] {500, 5_000}) {
            Retrainer retrainer = retrainer(teacher, task, watched);
            RetrainingJudge.Reference kept = retrainer.reference(teacher);
            RetrainingJudge.Reference computed = retrainer.reference(copy(teacher));
            sameReference(computed, kept);
            RetrainingJudge.Moved moved = retrainer.moved(kept, candidate, candidate);
            assertEquals(retrainer.changeFrom(computed, candidate), moved.change());
            assertEquals(retrainer.watchedLoss(computed, candidate), moved.watchedLoss());
            assertTrue(moved.change() > 0, "a different network changes something: " + moved.change());
            // A judged network other than the one measured (int8 weights) is judged on its own outputs.
            assertEquals(retrainer.watchedLoss(computed, teacher), retrainer.moved(kept, candidate, teacher)
                    .watchedLoss());
        }
    }

    @Test
    void classificationReferenceAndRoundFiguresAreTheSame() {
        check(Task.CLASSIFICATION, 3, OutputHead.SOFTMAX);
    }

    @Test
    void regressionReferenceAndRoundFiguresAreTheSame() {
        check(Task.REGRESSION, 1, OutputHead.NONE);
    }
}

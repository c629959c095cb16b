package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.odf2nna.Progress;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.OutputHead;
import org.odf2nna.network.TestNetworks;
import org.odf2nna.prune.Pruner;
import org.odf2nna.prune.UnitStatistics;
import org.odf2nna.settings.Compensation;
import org.odf2nna.settings.PruningOptions;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.settings.ShrinkSettings;
import org.odf2nna.settings.UnitScore;
import org.odf2nna.tf.TrainingData;
import org.junit.jupiter.api.Test;

class EpsilonPruningTest {

    private static final int ROWS = 300;

    private final DenseNetwork network = TestNetworks.random(new Random(3), new int[] {4, 12, 6, 1}, Activation.RELU,
            OutputHead.NONE);
    private final TrainingData rows = new TrainingData(TestNetworks.gaussian(new Random(4), ROWS * 4, 1),
            new float[ROWS], ROWS, 4);

    private static ShrinkSettings settings(double epsilon, Compensation compensation) {
        return ShrinkSettings.builder().epsilon(epsilon)
                .pruning(new PruningOptions(UnitScore.STD, compensation, Double.NaN)).build();
    }

    @Test
    void meanFoldingKeepsTheUnitsAboveEpsilonAndRefitsNothing() {
        EpsilonPruning.Result result = EpsilonPruning.run(network, rows, null, settings(0.3, Compensation.MEAN),
                Progress.NONE);
        EpsilonPruning.Pruned pruned = result.pruned();
        assertNull(pruned.refit());
        assertSame(pruned.meanFolded(), pruned.pruned());
        assertSame(pruned.pruned(), result.network());
        assertNull(result.training());
        UnitStatistics statistics = UnitStatistics.measure(network, rows.inputs(), ROWS, 64);
        List<double[]> scores = statistics.scores(UnitScore.STD, network);
        for (int l = 0; l < scores.size(); l++) {
            double[] layer = scores.get(l);
            int[] kept = java.util.stream.IntStream.range(0, layer.length).filter(u -> layer[u] > 0.3).toArray();
            if (kept.length > 0) {
                assertArrayEquals(kept, pruned.selection().layers().get(l).kept(), "layer " + (l + 1));
            }
        }
        DenseNetwork byHand = Pruner.prune(network, statistics, pruned.selection());
        assertArrayEquals(byHand.forward(rows.inputs(), ROWS), result.network().forward(rows.inputs(), ROWS), 1e-5f);
    }

    @Test
    void leastSquaresGivesTheRefitAndStillFoldsTheMeans() {
        EpsilonPruning.Pruned pruned = EpsilonPruning.run(network, rows, null, settings(0.3, Compensation.LSQ),
                Progress.NONE).pruned();
        assertSame(pruned.refit().network(), pruned.pruned());
        assertTrue(pruned.pruned().parameterCount() < network.parameterCount());
        assertEquals(pruned.meanFolded().parameterCount(), pruned.pruned().parameterCount());
    }

    @Test
    void zeroEpochsRetrainNothing() {
        ShrinkSettings zero = ShrinkSettings.builder().epsilon(0.3)
                .retraining(RetrainSettings.builder().epochs(0).build()).build();
        EpsilonPruning.Result result = EpsilonPruning.run(network, rows, rows, zero, Progress.NONE);
        assertNull(result.training());
        assertSame(result.pruned().pruned(), result.network());
    }

    @Test
    void oneThresholdOnly() {
        ShrinkSettings two = ShrinkSettings.builder().epsilons(List.of(0.1, 0.2)).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EpsilonPruning.run(network, rows, null, two, Progress.NONE));
        assertEquals("settings: one epsilon for a network in memory, got [0.1, 0.2]", e.getMessage());
    }
}

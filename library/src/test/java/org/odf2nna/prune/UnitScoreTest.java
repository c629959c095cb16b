package org.odf2nna.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.InputPrefix;
import org.odf2nna.network.OutputHead;
import org.odf2nna.network.RowMajor;
import org.odf2nna.network.TestNetworks;
import org.odf2nna.settings.Compensation;
import org.odf2nna.settings.UnitScore;

class UnitScoreTest {

    /** 1 input → 2 hidden units → 2 outputs, with outgoing weights chosen so the two scores disagree. */
    private static DenseNetwork twoUnits() {
        DenseLayer hidden = new DenseLayer(1, 2, new float[] {1, 1}, new float[] {0, 0}, Activation.IDENTITY);
        // unit 0 leaves with (3, 4): norm 5; unit 1 with (0.1, 0): norm 0.1
        DenseLayer out = new DenseLayer(2, 2, new float[] {3, 4, 0.1f, 0}, new float[] {0, 0}, Activation.IDENTITY);
        return new DenseNetwork(InputPrefix.NONE, List.of(hidden, out), OutputHead.NONE);
    }

    @Test
    void stdIsTheActivationSpreadAndImpactScalesItByTheOutgoingWeights() {
        UnitStatistics stats = new UnitStatistics(List.of(new double[] {1, 1}), List.of(new double[] {2, 10}), 5);
        DenseNetwork network = twoUnits();
        assertArrayEquals(new double[] {2, 10}, stats.scores(UnitScore.STD, network).get(0));
        double[] impact = stats.scores(UnitScore.IMPACT, network).get(0);
        assertEquals(2 * 5, impact[0], 1e-12);
        assertEquals(10 * 0.1, impact[1], 1e-6);
        // the rule is the same "score > ε"; the two scores keep different units at the same ε
        assertArrayEquals(new int[] {1}, EpsilonRule.select(stats.scores(UnitScore.STD, network), 5).layer(0).kept());
        assertArrayEquals(new int[] {0}, EpsilonRule.select(stats.scores(UnitScore.IMPACT, network), 5).layer(0).kept());
    }

    @Test
    void impactIsTheSpreadMeanFoldingAddsToTheNextPreActivation() {
        // Dropping unit j alone changes the next layer's pre-activations by (h_j − m_j)·W[j, :]; the square root of the
        // summed variance of that change over the rows is the impact score.
        Random random = new Random(5);
        DenseNetwork network = TestNetworks.random(random, new int[] {3, 6, 4, 2}, Activation.TANH, OutputHead.NONE);
        int rows = 500;
        float[] x = TestNetworks.gaussian(random, rows * 3, 1);
        UnitStatistics stats = UnitStatistics.measure(network, x, rows, 100);
        List<double[]> impact = stats.scores(UnitScore.IMPACT, network);
        for (int l = 0; l < 2; l++) {
            for (int j = 0; j < network.layer(l).units(); j++) {
                int[] kept = new int[network.layer(l).units() - 1];
                for (int k = 0, i = 0; i < network.layer(l).units(); i++) {
                    if (i != j) {
                        kept[k++] = i;
                    }
                }
                UnitSelection.Layer chosen = new UnitSelection.Layer(kept, network.layer(l).units(), false);
                float[] hidden = network.hiddenOutputs(x, rows).get(l);
                DenseLayer next = network.layer(l + 1);
                float[] before = next.preActivations(hidden, rows);
                float[] after = Pruner.foldDropped(next, chosen, stats.mean(l))
                        .preActivations(RowMajor.keepColumns(hidden, rows, next.inputs(), kept), rows);
                double sum = 0;
                for (int i = 0; i < before.length; i++) {
                    double d = before[i] - after[i];
                    sum += d * d;
                }
                assertEquals(Math.sqrt(sum / rows), impact.get(l)[j], 1e-4 * (1 + impact.get(l)[j]),
                        "layer " + (l + 1) + " unit " + j);
            }
        }
    }

    @Test
    void parsingAndShapes() {
        assertEquals(UnitScore.STD, UnitScore.parse("std"));
        assertEquals(UnitScore.IMPACT, UnitScore.parse(" Impact "));
        assertNull(UnitScore.parse("variance"));
        assertNull(UnitScore.parse(null));
        assertEquals(Compensation.LSQ, Compensation.parse("LSQ"));
        assertEquals(Compensation.MEAN, Compensation.parse("mean"));
        assertNull(Compensation.parse("ls"));
        UnitStatistics wrong = new UnitStatistics(List.of(new double[3]), List.of(new double[3]), 1);
        assertThrows(IllegalArgumentException.class, () -> wrong.scores(UnitScore.IMPACT, twoUnits()));
        UnitStatistics twoLayers = new UnitStatistics(List.of(new double[2], new double[2]),
                List.of(new double[2], new double[2]), 1);
        assertThrows(IllegalArgumentException.class, () -> twoLayers.scores(UnitScore.STD, twoUnits()));
    }
}

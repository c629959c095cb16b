package org.odf2nna.harness.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.api.UnitScores;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.OutputHead;
import org.odf2nna.network.TestNetworks;
import org.odf2nna.prune.EpsilonRule;
import org.odf2nna.prune.Pruner;
import org.odf2nna.prune.UnitSelection;
import org.odf2nna.prune.UnitStatistics;

class ReductionTest {

    @Test
    void parameterCountMatchesThePrunedNetwork() {
        Random random = new Random(1);
        DenseNetwork net = TestNetworks.random(random, new int[] {6, 10, 8, 3}, Activation.RELU, OutputHead.NONE);
        List<double[]> stds = List.of(randomStds(random, 10), randomStds(random, 8));
        UnitStatistics stats = new UnitStatistics(List.of(new double[10], new double[8]), stds, 100);
        for (double epsilon : new double[] {0, 0.2, 0.5, 0.9, 2}) {
            UnitSelection selection = EpsilonRule.select(stds, epsilon);
            int[] kept = new UnitScores(stats.means(), stds, 100).keptAt(epsilon);
            assertEquals(Pruner.prune(net, stats, selection).parameterCount(), Reduction.parametersAfter(net, kept),
                    "ε " + epsilon);
        }
    }

    @Test
    void picksTheEpsilonClosestToTheWantedReduction() {
        Random random = new Random(2);
        DenseNetwork net = TestNetworks.random(random, new int[] {20, 40, 30, 5}, Activation.RELU, OutputHead.NONE);
        List<double[]> stds = List.of(randomStds(random, 40), randomStds(random, 30));
        UnitScores scores = new UnitScores(List.of(new double[40], new double[30]), stds, 100);
        Reduction.Choice c = Reduction.closestTo(net, scores, 0.6);
        assertEquals(net.parameterCount(), c.originalParameters());
        assertEquals(Reduction.parametersAfter(net, scores.keptAt(c.epsilon())), c.parameters());
        // No other candidate ε comes closer to 60%.
        for (double[] layer : stds) {
            for (double s : layer) {
                double r = 1 - (double) Reduction.parametersAfter(net, scores.keptAt(s)) / net.parameterCount();
                assertTrue(Math.abs(r - 0.6) >= Math.abs(c.reduction() - 0.6) - 1e-12, "ε " + s + " gives " + r);
            }
        }
        assertTrue(Math.abs(c.reduction() - 0.6) < 0.1, "reduction " + c.reduction());
        assertEquals(0.0, Reduction.closestTo(net, scores, 1e-9).epsilon(), "a tiny target keeps every unit");
    }

    private static double[] randomStds(Random random, int n) {
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = random.nextDouble();
        }
        return s;
    }
}

package org.odf2nna.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.InputPrefix;
import org.odf2nna.network.OutputHead;

class PrunerTest {

    private static float[] gaussian(Random random, int n, double scale) {
        float[] v = new float[n];
        for (int k = 0; k < n; k++) {
            v[k] = (float) (random.nextGaussian() * scale);
        }
        return v;
    }

    private static float[] uniformInputs(Random random, int rows, int width) {
        float[] x = new float[rows * width];
        for (int k = 0; k < x.length; k++) {
            x[k] = (float) (random.nextDouble() * 2 - 1);
        }
        return x;
    }

    private static DenseLayer layer(Random random, int inputs, int units, Activation a) {
        return new DenseLayer(inputs, units, gaussian(random, inputs * units, 1 / Math.sqrt(inputs)),
                gaussian(random, units, 0.3), a);
    }

    /** Makes unit j of a layer constant: zero incoming weights, the given bias (output = activation(bias)). */
    private static DenseLayer constantUnit(DenseLayer layer, int j, float bias) {
        float[] w = layer.weights();
        for (int i = 0; i < layer.inputs(); i++) {
            w[i * layer.units() + j] = 0;
        }
        float[] b = layer.bias();
        b[j] = bias;
        return layer.withWeights(w, b);
    }

    /** Makes a ReLU unit dead on inputs in [-1, 1]^n: a bias far below anything the weights can reach. */
    private static DenseLayer deadUnit(DenseLayer layer, int j) {
        float[] b = layer.bias();
        b[j] = -1000;
        return layer.withBias(b);
    }

    /** Statistics of the hidden units, streamed batch by batch the way the tool computes them. */
    private static UnitStatistics statistics(DenseNetwork network, float[] x, int rows, int batch) {
        List<RunningMoments> moments = new ArrayList<>();
        for (int units : network.hiddenUnits()) {
            moments.add(new RunningMoments(units));
        }
        int width = network.inputs();
        for (int start = 0; start < rows; start += batch) {
            int n = Math.min(batch, rows - start);
            float[] part = java.util.Arrays.copyOfRange(x, start * width, (start + n) * width);
            List<float[]> hidden = network.hiddenOutputs(part, n);
            for (int l = 0; l < hidden.size(); l++) {
                moments.get(l).add(hidden.get(l), n);
            }
        }
        return UnitStatistics.of(moments);
    }

    private static void assertSameOutputs(DenseNetwork expected, DenseNetwork actual, float[] x, int rows, double tol) {
        float[] a = expected.forward(x, rows);
        float[] b = actual.forward(x, rows);
        assertEquals(a.length, b.length);
        double worst = 0;
        for (int k = 0; k < a.length; k++) {
            worst = Math.max(worst, Math.abs(a[k] - b[k]));
        }
        assertTrue(worst <= tol, "largest output difference " + worst);
    }

    private static double maxDifference(DenseNetwork a, DenseNetwork b, float[] x, int rows) {
        float[] ya = a.forward(x, rows);
        float[] yb = b.forward(x, rows);
        double worst = 0;
        for (int k = 0; k < ya.length; k++) {
            worst = Math.max(worst, Math.abs(ya[k] - yb[k]));
        }
        return worst;
    }

    @Test
    void keepingEveryUnitLeavesTheNetworkUnchanged() {
        Random random = new Random(1);
        DenseNetwork network = new DenseNetwork(InputPrefix.NONE, List.of(
                layer(random, 5, 8, Activation.RELU),
                layer(random, 8, 6, Activation.TANH),
                layer(random, 6, 3, Activation.IDENTITY)), OutputHead.SOFTMAX);
        float[] x = uniformInputs(random, 200, 5);
        UnitStatistics stats = statistics(network, x, 200, 64);
        DenseNetwork pruned = Pruner.prune(network, stats, UnitSelection.all(network.hiddenUnits()));
        assertEquals(network, pruned);
        assertArrayEquals(network.forward(x, 200), pruned.forward(x, 200));
    }

    @Test
    void deadReluUnitsAreRemovedWithoutChangingAnyOutput() {
        Random random = new Random(2);
        DenseLayer l1 = layer(random, 6, 12, Activation.RELU);
        for (int j : new int[] {0, 3, 4, 11}) {
            l1 = deadUnit(l1, j);
        }
        DenseLayer l2 = layer(random, 12, 8, Activation.RELU);
        for (int j : new int[] {2, 7}) {
            l2 = deadUnit(l2, j);
        }
        DenseLayer out = layer(random, 8, 3, Activation.IDENTITY);
        DenseNetwork network = new DenseNetwork(InputPrefix.NONE, List.of(l1, l2, out), OutputHead.NONE);
        int rows = 1000;
        float[] x = uniformInputs(random, rows, 6);
        UnitStatistics stats = statistics(network, x, rows, 97);

        // The dead units have exactly zero spread and zero mean; every live unit varies.
        UnitSelection selection = EpsilonRule.select(stats.stds(), 0);
        assertArrayEquals(new int[] {0, 3, 4, 11}, selection.layer(0).dropped());
        assertArrayEquals(new int[] {2, 7}, selection.layer(1).dropped());
        for (int j : selection.layer(0).dropped()) {
            assertEquals(0.0, stats.mean(0)[j]);
        }

        DenseNetwork pruned = Pruner.prune(network, stats, selection);
        assertEquals("6-8-6-3", pruned.architecture());
        assertEquals("6-12-8-3", network.architecture());
        assertSameOutputs(network, pruned, x, rows, 1e-5);
        // Also on rows never seen while measuring (still inside [-1, 1]^6, where the units stay dead).
        float[] fresh = uniformInputs(new Random(99), 300, 6);
        assertSameOutputs(network, pruned, fresh, 300, 1e-5);

        // The kept units are the original ones: layer 1 of the pruned net is layer 1 restricted to them.
        assertEquals(network.layer(0).keepUnits(selection.layer(0).kept()), pruned.layer(0));
        assertTrue(pruned.parameterCount() < network.parameterCount());
    }

    @Test
    void constantNonzeroUnitIsFoldedIntoTheNextBias() {
        Random random = new Random(3);
        DenseLayer hidden = layer(random, 4, 6, Activation.SIGMOID);
        hidden = constantUnit(hidden, 1, 0.7f);   // outputs sigmoid(0.7) ~ 0.668 on every row
        hidden = constantUnit(hidden, 4, -2.0f);  // outputs sigmoid(-2) ~ 0.119
        DenseLayer out = layer(random, 6, 2, Activation.IDENTITY);
        DenseNetwork network = new DenseNetwork(InputPrefix.NONE, List.of(hidden, out), OutputHead.NONE);
        int rows = 500;
        float[] x = uniformInputs(random, rows, 4);
        UnitStatistics stats = statistics(network, x, rows, 50);
        assertEquals((float) (1 / (1 + Math.exp(-0.7))), stats.mean(0)[1], 1e-7);
        assertEquals(0.0, stats.std(0)[1], 0);

        UnitSelection selection = EpsilonRule.select(stats.stds(), 0);
        assertArrayEquals(new int[] {1, 4}, selection.layer(0).dropped());
        DenseNetwork pruned = Pruner.prune(network, stats, selection);
        assertEquals("4-4-2", pruned.architecture());
        assertSameOutputs(network, pruned, x, rows, 1e-5);

        // Without the folding the outputs would move: the test would notice a missing fold.
        DenseNetwork unfolded = network.withLayers(List.of(hidden.keepUnits(selection.layer(0).kept()),
                out.keepInputs(selection.layer(0).kept())));
        assertTrue(maxDifference(network, unfolded, x, rows) > 1e-2);
    }

    @Test
    void foldingFormulaOnAHandMadeNetwork() {
        // Hidden layer 2 -> 3, output layer 3 -> 2.
        DenseLayer hidden = new DenseLayer(2, 3, new float[] {1, 2, 3, 4, 5, 6}, new float[] {0, 0, 0}, Activation.RELU);
        DenseLayer out = new DenseLayer(3, 2, new float[] {
            10, 20,     // row of hidden unit 0
            -1, 0.5f,   // row of hidden unit 1
            3, 4},      // row of hidden unit 2
            new float[] {0.25f, -0.75f}, Activation.IDENTITY);
        DenseNetwork network = new DenseNetwork(InputPrefix.NONE, List.of(hidden, out), OutputHead.NONE);
        UnitStatistics stats = new UnitStatistics(List.of(new double[] {0.5, 2.0, 8.0}),
                List.of(new double[] {1, 0, 1}), 10);
        UnitSelection selection = new UnitSelection(List.of(new UnitSelection.Layer(new int[] {0, 2}, 3, false)));
        DenseNetwork pruned = Pruner.prune(network, stats, selection);

        // b' = b + W[1, :] * m_1 = [0.25 + (-1)(2), -0.75 + 0.5(2)] = [-1.75, 0.25]
        assertArrayEquals(new float[] {-1.75f, 0.25f}, pruned.layer(1).bias());
        assertArrayEquals(new float[] {10, 20, 3, 4}, pruned.layer(1).weights());
        assertEquals(2, pruned.layer(1).inputs());
        // Hidden layer keeps columns 0 and 2 of W and their biases.
        assertArrayEquals(new float[] {1, 3, 4, 6}, pruned.layer(0).weights());
        assertArrayEquals(new float[] {0, 0}, pruned.layer(0).bias());
        assertEquals(Activation.RELU, pruned.layer(0).activation());

        // Dropping two units folds both: b' = b + W[0,:] m_0 + W[2,:] m_2.
        UnitSelection onlyMiddle = new UnitSelection(List.of(new UnitSelection.Layer(new int[] {1}, 3, true)));
        DenseNetwork pruned2 = Pruner.prune(network, stats, onlyMiddle);
        assertArrayEquals(new float[] {0.25f + 10 * 0.5f + 3 * 8, -0.75f + 20 * 0.5f + 4 * 8}, pruned2.layer(1).bias());
        assertArrayEquals(new float[] {-1, 0.5f}, pruned2.layer(1).weights());
        assertArrayEquals(new float[] {2, 5}, pruned2.layer(0).weights());
    }

    @Test
    void foldingIsExactlyTheMeanContributionForRandomMeans() {
        // b'_u = b_u + sum_{j dropped} W[j][u] * m_j, computed here in double, for random shapes.
        Random random = new Random(4);
        for (int trial = 0; trial < 30; trial++) {
            int in = 1 + random.nextInt(5);
            int units = 2 + random.nextInt(8);
            int next = 1 + random.nextInt(5);
            DenseLayer hidden = layer(random, in, units, Activation.TANH);
            DenseLayer out = layer(random, units, next, Activation.IDENTITY);
            DenseNetwork network = new DenseNetwork(InputPrefix.NONE, List.of(hidden, out), OutputHead.NONE);
            double[] means = new double[units];
            for (int j = 0; j < units; j++) {
                means[j] = random.nextGaussian();
            }
            List<Integer> keptList = new ArrayList<>();
            for (int j = 0; j < units; j++) {
                if (random.nextBoolean()) {
                    keptList.add(j);
                }
            }
            if (keptList.isEmpty()) {
                keptList.add(0);
            }
            int[] kept = keptList.stream().mapToInt(Integer::intValue).toArray();
            UnitSelection.Layer chosen = new UnitSelection.Layer(kept, units, false);
            DenseNetwork pruned = Pruner.prune(network,
                    new UnitStatistics(List.of(means), List.of(new double[units]), 1),
                    new UnitSelection(List.of(chosen)));
            for (int u = 0; u < next; u++) {
                double expected = out.bias()[u];
                for (int j : chosen.dropped()) {
                    expected += (double) out.weight(j, u) * means[j];
                }
                assertEquals((float) expected, pruned.layer(1).bias()[u], Math.ulp((float) expected));
            }
            for (int k = 0; k < kept.length; k++) {
                assertArrayEquals(out.inputWeights(kept[k]), pruned.layer(1).inputWeights(k));
                assertArrayEquals(hidden.unitWeights(kept[k]), pruned.layer(0).unitWeights(k));
            }
        }
    }

    @Test
    void dropsInSeveralLayersAtOnce() {
        Random random = new Random(5);
        DenseLayer l1 = layer(random, 5, 9, Activation.RELU);
        l1 = deadUnit(l1, 2);
        l1 = constantUnit(l1, 5, 1.5f);          // ReLU(1.5) = 1.5 on every row
        l1 = constantUnit(l1, 8, -0.5f);         // ReLU(-0.5) = 0
        DenseLayer l2 = layer(random, 9, 7, Activation.TANH);
        l2 = constantUnit(l2, 0, 0.9f);          // tanh(0.9)
        l2 = constantUnit(l2, 6, -1.2f);
        DenseLayer l3 = layer(random, 7, 6, Activation.SIGMOID);
        l3 = constantUnit(l3, 3, 2.0f);
        DenseLayer l4 = layer(random, 6, 4, Activation.elu(1f));
        l4 = constantUnit(l4, 1, -0.3f);         // elu(-0.3) = exp(-0.3) - 1
        l4 = constantUnit(l4, 2, 0.4f);
        DenseLayer out = layer(random, 4, 3, Activation.IDENTITY);
        DenseNetwork network = new DenseNetwork(InputPrefix.NONE, List.of(l1, l2, l3, l4, out), OutputHead.SOFTMAX);
        int rows = 800;
        float[] x = uniformInputs(random, rows, 5);
        UnitStatistics stats = statistics(network, x, rows, 128);
        UnitSelection selection = EpsilonRule.select(stats.stds(), 0);
        assertArrayEquals(new int[] {2, 5, 8}, selection.layer(0).dropped());
        assertArrayEquals(new int[] {0, 6}, selection.layer(1).dropped());
        assertArrayEquals(new int[] {3}, selection.layer(2).dropped());
        assertArrayEquals(new int[] {1, 2}, selection.layer(3).dropped());
        assertEquals(Math.exp(-0.3) - 1, stats.mean(3)[1], 1e-6);

        DenseNetwork pruned = Pruner.prune(network, stats, selection);
        assertEquals("5-6-5-5-2-3", pruned.architecture());
        assertEquals(OutputHead.SOFTMAX, pruned.head());
        assertSameOutputs(network, pruned, x, rows, 1e-5);

        // The same nets evaluated layer by layer: each pruned hidden layer's output equals the kept columns
        // of the original's, since constants were folded exactly.
        List<float[]> before = network.hiddenOutputs(x, rows);
        List<float[]> after = pruned.hiddenOutputs(x, rows);
        for (int l = 0; l < before.size(); l++) {
            int[] kept = selection.layer(l).kept();
            int wBefore = network.hiddenUnits()[l];
            for (int r = 0; r < rows; r++) {
                for (int k = 0; k < kept.length; k++) {
                    assertEquals(before.get(l)[r * wBefore + kept[k]], after.get(l)[r * kept.length + k], 1e-5);
                }
            }
        }
    }

    @Test
    void nearlyConstantUnitsChangeOutputsOnlyALittle() {
        // With eps > 0 a dropped unit is replaced by its mean; the change in the next pre-activation is
        // bounded by |W[j, u]| * max|h_j - m_j| summed over dropped j.
        Random random = new Random(6);
        DenseLayer hidden = layer(random, 3, 5, Activation.IDENTITY);
        float[] w = hidden.weights();
        for (int i = 0; i < 3; i++) {
            w[i * 5 + 2] *= 1e-4f;
        }
        hidden = hidden.withWeights(w, hidden.bias());
        DenseLayer out = layer(random, 5, 2, Activation.IDENTITY);
        DenseNetwork network = new DenseNetwork(InputPrefix.NONE, List.of(hidden, out), OutputHead.NONE);
        int rows = 400;
        float[] x = uniformInputs(random, rows, 3);
        UnitStatistics stats = statistics(network, x, rows, 400);
        double std2 = stats.std(0)[2];
        assertTrue(std2 > 0 && std2 < 1e-3);
        UnitSelection selection = EpsilonRule.select(stats.stds(), 1e-3);
        assertArrayEquals(new int[] {2}, selection.layer(0).dropped());
        DenseNetwork pruned = Pruner.prune(network, stats, selection);
        float[] h = network.hiddenOutputs(x, rows).get(0);
        double maxDev = 0;
        for (int r = 0; r < rows; r++) {
            maxDev = Math.max(maxDev, Math.abs(h[r * 5 + 2] - stats.mean(0)[2]));
        }
        double bound = maxDev * Math.max(Math.abs(out.weight(2, 0)), Math.abs(out.weight(2, 1))) + 1e-5;
        double diff = maxDifference(network, pruned, x, rows);
        assertTrue(diff <= bound, diff + " > " + bound);
        assertTrue(diff > 0, "a unit that varies cannot be removed for free");
    }

    @Test
    void mismatchedSelectionOrStatisticsAreRejected() {
        Random random = new Random(7);
        DenseNetwork network = new DenseNetwork(InputPrefix.NONE, List.of(
                layer(random, 2, 4, Activation.RELU),
                layer(random, 4, 3, Activation.RELU),
                layer(random, 3, 1, Activation.IDENTITY)), OutputHead.NONE);
        UnitStatistics stats = new UnitStatistics(List.of(new double[4], new double[3]),
                List.of(new double[4], new double[3]), 1);
        assertThrows(IllegalArgumentException.class,
                () -> Pruner.prune(network, stats, UnitSelection.all(new int[] {4})));
        assertThrows(IllegalArgumentException.class,
                () -> Pruner.prune(network, stats, UnitSelection.all(new int[] {4, 4})));
        assertThrows(IllegalArgumentException.class, () -> Pruner.prune(network,
                new UnitStatistics(List.of(new double[4]), List.of(new double[4]), 1), UnitSelection.all(new int[] {4, 3})));
        // A network without hidden layers has nothing to prune.
        DenseNetwork linear = new DenseNetwork(InputPrefix.NONE, List.of(layer(random, 3, 2, Activation.IDENTITY)),
                OutputHead.NONE);
        assertEquals(linear, Pruner.prune(linear, UnitStatistics.of(List.of()), UnitSelection.all(new int[0])));
    }
}

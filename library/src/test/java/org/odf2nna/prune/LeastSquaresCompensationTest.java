package org.odf2nna.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;
import org.junit.jupiter.api.Test;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.OutputHead;
import org.odf2nna.network.RowMajor;
import org.odf2nna.network.TestNetworks;
import org.odf2nna.settings.PruningOptions;

class LeastSquaresCompensationTest {

    private static final Activation[] ACTIVATIONS = {Activation.RELU, Activation.TANH, Activation.SIGMOID};

    private static UnitSelection randomSelection(Random random, int[] units) {
        List<UnitSelection.Layer> layers = new ArrayList<>();
        for (int n : units) {
            List<Integer> kept = new ArrayList<>();
            for (int j = 0; j < n; j++) {
                if (random.nextDouble() < 0.5) {
                    kept.add(j);
                }
            }
            if (kept.isEmpty()) {
                kept.add(random.nextInt(n));
            }
            layers.add(new UnitSelection.Layer(kept.stream().mapToInt(Integer::intValue).toArray(), n, false));
        }
        return new UnitSelection(layers);
    }

    private static double mse(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            sum += d * d;
        }
        return sum / a.length;
    }

    /** Pre-activations of layer {@code l} (0-based), computed from the chain input through the layers before. */
    private static float[] preActivations(DenseNetwork network, int l, float[] x, int rows) {
        float[] h = x;
        for (int i = 0; i < l; i++) {
            h = network.layer(i).forward(h, rows);
        }
        return network.layer(l).preActivations(h, rows);
    }

    @Test
    void nothingPrunedReproducesTheOriginal() {
        for (int seed = 0; seed < 5; seed++) {
            Random random = new Random(seed);
            int[] widths = {6, 12, 9, 7, 3};
            DenseNetwork network = TestNetworks.random(random, widths, ACTIVATIONS[seed % 3], OutputHead.NONE);
            int rows = 400;
            float[] x = TestNetworks.gaussian(random, rows * 6, 1.5);
            UnitStatistics stats = UnitStatistics.measure(network, x, rows, 128);
            LeastSquaresCompensation.Result result = LeastSquaresCompensation.compensate(network, stats,
                    UnitSelection.all(network.hiddenUnits()), RowSource.of(x, rows, 6, 100),
                    PruningOptions.DEFAULT_RIDGE);
            assertArrayEquals(widths, result.network().widths());
            float[] expected = network.forward(x, rows);
            float[] actual = result.network().forward(x, rows);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-5 * (1 + Math.abs(expected[i])), "seed " + seed + " at " + i);
            }
            for (int l = 1; l < widths.length - 1; l++) {
                float[] w = network.layer(l).weights();
                float[] refit = result.network().layer(l).weights();
                for (int i = 0; i < w.length; i++) {
                    assertEquals(w[i], refit[i], 1e-4, "layer " + (l + 1) + " weight " + i);
                }
            }
            assertEquals(3, result.layers().size());
            for (LeastSquaresCompensation.LayerFit fit : result.layers()) {
                assertEquals(0, fit.meanFoldingError(), 1e-9, "the original weights reconstruct exactly");
                assertTrue(fit.leastSquaresError() < 1e-9);
            }
        }
    }

    @Test
    void droppingOnlyConstantUnitsKeepsMeanFoldingsWeightsExactly() {
        Random random = new Random(21);
        int[] widths = {4, 8, 6, 2};
        DenseNetwork network = TestNetworks.random(random, widths, Activation.RELU, OutputHead.NONE);
        // Units 2 and 5 of the first layer never fire: a bias far below anything the weights can reach.
        DenseLayer first = network.layer(0);
        float[] bias = first.bias().clone();
        bias[2] = -1000;
        bias[5] = -1000;
        List<DenseLayer> layers = new ArrayList<>(network.layers());
        layers.set(0, new DenseLayer(first.inputs(), first.units(), first.weights(), bias, first.activation()));
        network = network.withLayers(layers);
        int rows = 200;
        float[] x = TestNetworks.gaussian(random, rows * 4, 1);
        UnitStatistics stats = UnitStatistics.measure(network, x, rows, 64);
        UnitSelection selection = EpsilonRule.select(stats.stds(), 0);
        assertEquals(6, selection.layer(0).keptCount());
        DenseNetwork lsq = LeastSquaresCompensation.compensate(network, stats, selection, RowSource.of(x, rows, 4, 50),
                PruningOptions.DEFAULT_RIDGE).network();
        DenseNetwork mean = Pruner.prune(network, stats, selection);
        for (int l = 0; l < widths.length - 1; l++) {
            assertArrayEquals(mean.layer(l).weights(), lsq.layer(l).weights(), "layer " + (l + 1));
            assertArrayEquals(mean.layer(l).bias(), lsq.layer(l).bias(), "layer " + (l + 1));
        }
    }

    @Test
    void refitNeverReconstructsWorseThanMeanFoldingOnTheFittingRows() {
        for (int seed = 0; seed < 30; seed++) {
            Random random = new Random(100 + seed);
            int depth = 1 + random.nextInt(3);
            int[] widths = new int[depth + 2];
            widths[0] = 2 + random.nextInt(6);
            for (int l = 1; l <= depth; l++) {
                widths[l] = 2 + random.nextInt(14);
            }
            widths[depth + 1] = 1 + random.nextInt(4);
            DenseNetwork network = TestNetworks.random(random, widths, ACTIVATIONS[seed % 3], OutputHead.NONE);
            int rows = 50 + random.nextInt(300);
            float[] x = TestNetworks.gaussian(random, rows * widths[0], 1 + random.nextDouble());
            UnitStatistics stats = UnitStatistics.measure(network, x, rows, 64);
            UnitSelection selection = randomSelection(random, network.hiddenUnits());
            double ridge = seed % 2 == 0 ? PruningOptions.DEFAULT_RIDGE : 0.5;
            LeastSquaresCompensation.Result lsq = LeastSquaresCompensation.compensate(network, stats, selection,
                    RowSource.of(x, rows, widths[0], 37), ridge);
            DenseNetwork mean = Pruner.prune(network, stats, selection);
            assertArrayEquals(mean.widths(), lsq.network().widths());
            // The first refit (layer 2) sees the same inputs under both: its pre-activations must be at least as close
            // to the original's. With one hidden layer that is the network's output.
            float[] target = preActivations(network, 1, x, rows);
            if (depth > 1) {
                // layer 2 is hidden: the pruned networks keep only its selected units
                target = RowMajor.keepColumns(target, rows, widths[2], selection.layer(1).kept());
            }
            double byMean = mse(target, preActivations(mean, 1, x, rows));
            double byLsq = mse(target, preActivations(lsq.network(), 1, x, rows));
            assertTrue(byLsq <= byMean * (1 + 1e-5) + 1e-9, "seed " + seed + ": lsq " + byLsq + " > mean " + byMean);
            // every step, as reported, against mean folding's weights on the same (already refitted) inputs
            for (LeastSquaresCompensation.LayerFit fit : lsq.layers()) {
                assertTrue(fit.leastSquaresError() <= fit.meanFoldingError() * (1 + 1e-9) + 1e-12,
                        "seed " + seed + " layer " + fit.layer() + ": " + fit);
            }
            if (depth == 1) {
                // the reported errors (over all units of the refitted layer) are the ones the networks make
                LeastSquaresCompensation.LayerFit first = lsq.layers().get(0);
                assertEquals(byMean, first.meanFoldingError(), 1e-4 * byMean + 1e-9);
                assertEquals(byLsq, first.leastSquaresError(), 1e-4 * byLsq + 1e-9);
            }
        }
    }

    /** Least squares of {@code z} on [h, 1] by Householder QR on the stacked rows (no normal equations). */
    private static double[] qr(float[] h, int k, float[] z, int m, int rows) {
        DMatrixRMaj a = new DMatrixRMaj(rows, k + 1);
        DMatrixRMaj y = new DMatrixRMaj(rows, m);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < k; j++) {
                a.set(r, j, h[r * k + j]);
            }
            a.set(r, k, 1);
            for (int u = 0; u < m; u++) {
                y.set(r, u, z[r * m + u]);
            }
        }
        LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.leastSquares(rows, k + 1);
        assertTrue(solver.setA(a));
        DMatrixRMaj x = new DMatrixRMaj(k + 1, m);
        solver.solve(y, x);
        return x.data;
    }

    @Test
    void eachStepIsTheDenseLeastSquaresSolutionOnTheAlreadyPrunedNetwork() {
        Random random = new Random(7);
        int[] widths = {5, 10, 8, 3};
        DenseNetwork network = TestNetworks.random(random, widths, Activation.TANH, OutputHead.SOFTMAX);
        int rows = 300;
        float[] x = TestNetworks.gaussian(random, rows * 5, 1);
        UnitStatistics stats = UnitStatistics.measure(network, x, rows, 1000);
        UnitSelection selection = new UnitSelection(List.of(new UnitSelection.Layer(new int[] {0, 3, 4, 8}, 10, false),
                new UnitSelection.Layer(new int[] {1, 2, 6}, 8, false)));
        DenseNetwork result = LeastSquaresCompensation.compensate(network, stats, selection,
                RowSource.of(x, rows, 5, 64), 0).network();
        assertArrayEquals(new int[] {5, 4, 3, 3}, result.widths());

        // step 1: H = the original first layer's kept outputs, Z = the original's layer-2 pre-activations
        float[] hidden1 = network.layer(0).forward(x, rows);
        float[] h1 = RowMajor.keepColumns(hidden1, rows, 10, new int[] {0, 3, 4, 8});
        float[] z2 = network.layer(1).preActivations(hidden1, rows);
        double[] x2 = qr(h1, 4, z2, 8, rows);
        // layer 2 of the result is the refit restricted to its kept units 1, 2, 6
        int[] kept2 = {1, 2, 6};
        DenseLayer layer2 = result.layer(1);
        for (int k = 0; k < 3; k++) {
            for (int j = 0; j < 4; j++) {
                assertEquals(x2[j * 8 + kept2[k]], layer2.weight(j, k), 2e-4, "layer 2 w" + j + "," + k);
            }
            assertEquals(x2[4 * 8 + kept2[k]], layer2.bias()[k], 2e-4, "layer 2 bias " + k);
        }
        // step 2: H = the PRUNED network's layer-2 outputs (from the refit layer), Z = the original's logits
        float[] h2 = layer2.forward(result.layer(0).forward(x, rows), rows);
        float[] z3 = network.layer(2).preActivations(network.layer(1).forward(hidden1, rows), rows);
        double[] x3 = qr(h2, 3, z3, 3, rows);
        for (int u = 0; u < 3; u++) {
            for (int j = 0; j < 3; j++) {
                assertEquals(x3[j * 3 + u], result.layer(2).weight(j, u), 2e-4, "layer 3 w" + j + "," + u);
            }
            assertEquals(x3[3 * 3 + u], result.layer(2).bias()[u], 2e-4, "layer 3 bias " + u);
        }
        assertEquals(OutputHead.SOFTMAX, result.head());
        assertEquals(Activation.TANH, result.layer(1).activation());
    }

    @Test
    void droppingOnlyConstantUnitsGivesMeanFoldingsFunction() {
        Random random = new Random(9);
        int[] widths = {4, 9, 7, 2};
        DenseNetwork base = TestNetworks.random(random, widths, Activation.RELU, OutputHead.NONE);
        // dead ReLU units: a bias far below anything the weights reach on these rows
        List<DenseLayer> layers = new ArrayList<>(base.layers());
        float[] b0 = layers.get(0).bias();
        b0[2] = -1000;
        b0[5] = -1000;
        layers.set(0, layers.get(0).withBias(b0));
        float[] b1 = layers.get(1).bias();
        b1[0] = -1000;
        layers.set(1, layers.get(1).withBias(b1));
        DenseNetwork network = base.withLayers(layers);
        int rows = 250;
        float[] x = TestNetworks.gaussian(random, rows * 4, 1);
        UnitStatistics stats = UnitStatistics.measure(network, x, rows, 50);
        UnitSelection selection = EpsilonRule.select(stats.stds(), 0);
        // the forced dead units go, and whatever else goes never varied either
        for (int l = 0; l < 2; l++) {
            for (int j : selection.layer(l).dropped()) {
                assertEquals(0, stats.std(l)[j], "layer " + (l + 1) + " unit " + j);
            }
        }
        assertTrue(selection.keptUnits()[0] <= 7 && selection.keptUnits()[1] <= 6);
        for (int j : selection.layer(0).kept()) {
            assertTrue(j != 2 && j != 5);
        }
        DenseNetwork mean = Pruner.prune(network, stats, selection);
        DenseNetwork lsq = LeastSquaresCompensation.compensate(network, stats, selection, RowSource.of(x, rows, 4, 64),
                PruningOptions.DEFAULT_RIDGE).network();
        float[] a = mean.forward(x, rows);
        float[] b = lsq.forward(x, rows);
        float[] original = network.forward(x, rows);
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], 1e-5 * (1 + Math.abs(a[i])), "at " + i);
            assertEquals(original[i], b[i], 1e-5 * (1 + Math.abs(a[i])), "at " + i);
        }
        // and on rows it was not fitted on, too: the refit found mean folding's weights, not just its outputs
        float[] other = TestNetworks.gaussian(new Random(10), 50 * 4, 1);
        float[] c = mean.forward(other, 50);
        float[] d = lsq.forward(other, 50);
        for (int i = 0; i < c.length; i++) {
            assertEquals(c[i], d[i], 1e-4 * (1 + Math.abs(c[i])), "unseen row value " + i);
        }
    }

    @Test
    void batchSizeDoesNotChangeTheResult() {
        Random random = new Random(11);
        DenseNetwork network = TestNetworks.random(random, new int[] {3, 8, 6, 2}, Activation.RELU, OutputHead.NONE);
        int rows = 333;
        float[] x = TestNetworks.gaussian(random, rows * 3, 1);
        UnitStatistics stats = UnitStatistics.measure(network, x, rows, 1000);
        UnitSelection selection = randomSelection(random, network.hiddenUnits());
        DenseNetwork a = LeastSquaresCompensation.compensate(network, stats, selection, RowSource.of(x, rows, 3, 7),
                1e-6).network();
        DenseNetwork b = LeastSquaresCompensation.compensate(network, stats, selection, RowSource.of(x, rows, 3, 1000),
                1e-6).network();
        float[] ya = a.forward(x, rows);
        float[] yb = b.forward(x, rows);
        for (int i = 0; i < ya.length; i++) {
            assertEquals(ya[i], yb[i], 1e-5 * (1 + Math.abs(ya[i])));
        }
    }

    @Test
    void mismatchedShapesAreRefused() {
        Random random = new Random(12);
        DenseNetwork network = TestNetworks.random(random, new int[] {3, 4, 2}, Activation.RELU, OutputHead.NONE);
        float[] x = TestNetworks.gaussian(random, 30, 1);
        UnitStatistics stats = UnitStatistics.measure(network, x, 10, 10);
        RowSource rows = RowSource.of(x, 10, 3, 5);
        assertThrows(IllegalArgumentException.class, () -> LeastSquaresCompensation.compensate(network, stats,
                UnitSelection.all(new int[] {4, 4}), rows, 0));
        assertThrows(IllegalArgumentException.class, () -> LeastSquaresCompensation.compensate(network, stats,
                UnitSelection.all(new int[] {5}), rows, 0));
    }

    @Test
    void droppedInputsAreRefittedIntoTheFirstLayer() {
        Random random = new Random(13);
        DenseNetwork network = TestNetworks.random(random, new int[] {5, 7, 2}, Activation.RELU, OutputHead.NONE);
        int rows = 200;
        float[] x = TestNetworks.gaussian(random, rows * 5, 1);
        // input 4 is 2·input 0 − input 1 + 3: dropping it loses nothing the others cannot say
        for (int r = 0; r < rows; r++) {
            x[r * 5 + 4] = 2 * x[r * 5] - x[r * 5 + 1] + 3;
        }
        RunningMoments moments = new RunningMoments(5);
        moments.add(x, rows);
        double[] means = moments.mean();
        RowSource source = RowSource.of(x, rows, 5, 64);

        LeastSquaresCompensation.Result all = LeastSquaresCompensation.compensateInputs(network, means,
                new int[] {0, 1, 2, 3, 4}, source, PruningOptions.DEFAULT_RIDGE);
        float[] expected = network.forward(x, rows);
        float[] same = all.network().forward(x, rows);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], same[i], 1e-4 * (1 + Math.abs(expected[i])));
        }

        int[] kept = {0, 1, 2, 3};
        LeastSquaresCompensation.Result refit = LeastSquaresCompensation.compensateInputs(network, means, kept, source,
                PruningOptions.DEFAULT_RIDGE);
        DenseNetwork folded = Pruner.pruneInputs(network, means, kept);
        assertArrayEquals(new int[] {4, 7, 2}, refit.network().widths());
        float[] narrow = RowMajor.keepColumns(x, rows, 5, kept);
        double byLsq = mse(network.layer(0).preActivations(x, rows), refit.network().layer(0).preActivations(narrow, rows));
        double byMean = mse(network.layer(0).preActivations(x, rows), folded.layer(0).preActivations(narrow, rows));
        assertTrue(byMean > 0.01, "mean folding loses the dropped input's variation: " + byMean);
        assertTrue(byLsq < 1e-8, "the refit recovers it from inputs 0 and 1: " + byLsq);
        assertEquals(byLsq, refit.layers().get(0).leastSquaresError(), 1e-8);
        assertEquals(byMean, refit.layers().get(0).meanFoldingError(), 1e-5 * byMean);
        assertEquals(1, refit.layers().get(0).layer());
    }
}

package org.odf2nna.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.OutputHead;
import org.odf2nna.network.TestNetworks;

class ReconstructionCostTest {

    /** Centred covariance of n rows of m columns. */
    private static double[] covariance(double[][] h) {
        int n = h.length;
        int m = h[0].length;
        double[] mean = new double[m];
        for (double[] row : h) {
            for (int j = 0; j < m; j++) {
                mean[j] += row[j] / n;
            }
        }
        double[] c = new double[m * m];
        for (double[] row : h) {
            for (int a = 0; a < m; a++) {
                for (int b = 0; b < m; b++) {
                    c[a * m + b] += (row[a] - mean[a]) * (row[b] - mean[b]) / n;
                }
            }
        }
        return c;
    }

    /**
     * The error of the best refit of z = W^T h from the kept columns only, per row, as a share of the energy: computed
     * directly by least squares (normal equations solved by Gaussian elimination), independent of the OBS updates.
     */
    private static double refitError(double[] cov, float[] w, int m, int u, boolean[] kept) {
        List<Integer> k = new ArrayList<>();
        for (int j = 0; j < m; j++) {
            if (kept[j]) {
                k.add(j);
            }
        }
        double total = 0;
        double energy = 0;
        for (int c = 0; c < u; c++) {
            // Var(z_c) = w_c^T S w_c; best refit leaves Var(z_c) - b^T S_KK^{-1} b with b = S_K: w_c.
            double var = 0;
            for (int a = 0; a < m; a++) {
                for (int b = 0; b < m; b++) {
                    var += w[a * u + c] * cov[a * m + b] * w[b * u + c];
                }
            }
            int kk = k.size();
            double[][] aug = new double[kk][kk + 1];
            for (int i = 0; i < kk; i++) {
                for (int j = 0; j < kk; j++) {
                    aug[i][j] = cov[k.get(i) * m + k.get(j)];
                }
                double bi = 0;
                for (int a = 0; a < m; a++) {
                    bi += cov[k.get(i) * m + a] * w[a * u + c];
                }
                aug[i][kk] = bi;
            }
            double[] b = new double[kk];
            for (int i = 0; i < kk; i++) {
                b[i] = aug[i][kk];
            }
            for (int p = 0; p < kk; p++) {
                int best = p;
                for (int r = p + 1; r < kk; r++) {
                    if (Math.abs(aug[r][p]) > Math.abs(aug[best][p])) {
                        best = r;
                    }
                }
                double[] t = aug[p];
                aug[p] = aug[best];
                aug[best] = t;
                for (int r = 0; r < kk; r++) {
                    if (r != p) {
                        double f = aug[r][p] / aug[p][p];
                        for (int j = p; j <= kk; j++) {
                            aug[r][j] -= f * aug[p][j];
                        }
                    }
                }
            }
            double explained = 0;
            for (int i = 0; i < kk; i++) {
                explained += b[i] * aug[i][kk] / aug[i][i];
            }
            total += var - explained;
            energy += var;
        }
        return total / energy;
    }

    @Test
    void aSelectionOverANetworkRemovesSomeButNotAllUnits() {
        Random random = new Random(41);
        int m = 30;
        double[][] h = new double[500][m];
        for (double[] row : h) {
            for (int j = 0; j < m; j++) {
                row[j] = Math.max(0, random.nextGaussian() + 0.1 * j);
            }
        }
        double[] cov = covariance(h);
        DenseNetwork network = TestNetworks.random(new Random(8), new int[] {5, m, m, 3}, Activation.RELU,
                OutputHead.SOFTMAX);
        List<double[]> covariances = List.of(cov, cov);
        UnitSelection selection = ReconstructionCost.select(network, covariances, 0.3);
        int removed = 0;
        for (int l = 0; l < 2; l++) {
            removed += m - selection.layers().get(l).kept().length;
        }
        assertTrue(removed > 0 && removed < 2 * (m - 1), "a share removes some units: " + removed);
    }

    @Test
    void theGreedyCostsAreTheRefitErrorsTheyClaim() {
        Random random = new Random(3);
        int m = 7;
        int u = 4;
        int n = 400;
        double[][] h = new double[n][m];
        for (double[] row : h) {
            for (int j = 0; j < m; j++) {
                row[j] = random.nextGaussian() * (1 + j);
            }
            row[5] = row[0] - 2 * row[1] + 0.05 * random.nextGaussian(); // nearly a combination of others
        }
        double[] cov = covariance(h);
        float[] w = TestNetworks.gaussian(random, m * u, 1);
        DenseLayer next = new DenseLayer(m, u, w, new float[u], Activation.IDENTITY);
        ReconstructionCost.Order order = ReconstructionCost.order(cov, next);
        assertEquals(m - 1, order.order().length);
        boolean[] kept = new boolean[m];
        java.util.Arrays.fill(kept, true);
        double cumulative = 0;
        for (int step = 0; step < order.order().length; step++) {
            kept[order.order()[step]] = false;
            cumulative += order.cost()[step];
            assertEquals(refitError(cov, w, m, u, kept), cumulative, 1e-6 + 1e-4 * cumulative, "after " + (step + 1));
        }
        // The unit that is nearly a combination of the others costs least.
        assertTrue(order.order()[0] == 5 || order.order()[0] == 0 || order.order()[0] == 1,
                java.util.Arrays.toString(order.order()));
        // The greedy step takes the cheapest unit: no other single removal is cheaper than the first.
        for (int j = 0; j < m; j++) {
            boolean[] one = new boolean[m];
            java.util.Arrays.fill(one, true);
            one[j] = false;
            assertTrue(refitError(cov, w, m, u, one) >= order.cost()[0] * (1 - 1e-4) - 1e-6,
                    j + ": " + refitError(cov, w, m, u, one) + " < " + order.cost()[0] + " " + java.util.Arrays.toString(order.order()));
        }
    }

    @Test
    void constantUnitsCostNothingAndGoFirst() {
        Random random = new Random(5);
        int m = 5;
        double[][] h = new double[200][m];
        for (double[] row : h) {
            for (int j = 0; j < m; j++) {
                row[j] = j == 2 ? 3.0 : random.nextGaussian();
            }
        }
        DenseLayer next = new DenseLayer(m, 3, TestNetworks.gaussian(random, m * 3, 1), new float[3],
                Activation.IDENTITY);
        ReconstructionCost.Order order = ReconstructionCost.order(covariance(h), next);
        assertEquals(2, order.order()[0]);
        // Zero but for the ridge that keeps the covariance invertible.
        assertTrue(order.cost()[0] < 1e-5 * order.cost()[1], java.util.Arrays.toString(order.cost()));
    }

    @Test
    void aRoundRemovesAboutTheShareAndKeepsAUnitPerLayer() {
        Random random = new Random(7);
        DenseNetwork network = TestNetworks.random(random, new int[] {6, 12, 9, 3}, Activation.RELU,
                OutputHead.NONE);
        float[] x = TestNetworks.gaussian(random, 300 * 6, 1);
        LayerCovariance moments = LayerCovariance.measure(network, RowSource.of(x, 300, 6, 64));
        UnitStatistics direct = UnitStatistics.measure(network, x, 300, 50);
        for (int l = 0; l < 2; l++) {
            for (int j = 0; j < direct.mean(l).length; j++) {
                assertEquals(direct.mean(l)[j], moments.statistics().mean(l)[j], 1e-5);
                assertEquals(direct.std(l)[j], moments.statistics().std(l)[j], 1e-4);
            }
        }
        UnitSelection selection = ReconstructionCost.select(network, moments.covariances(), 0.3);
        long before = network.parameterCount();
        DenseNetwork pruned = Pruner.prune(network, moments.statistics(), selection);
        double removed = 1 - (double) pruned.parameterCount() / before;
        assertTrue(removed >= 0.3 && removed < 0.5, "removed " + removed);
        UnitSelection everything = ReconstructionCost.select(network, moments.covariances(), 0.999);
        for (UnitSelection.Layer layer : everything.layers()) {
            assertEquals(1, layer.keptCount());
        }
    }
}

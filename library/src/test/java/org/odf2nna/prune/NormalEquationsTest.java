package org.odf2nna.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;
import org.junit.jupiter.api.Test;

class NormalEquationsTest {

    /** Features with very different scales and large means, the case that needs double sums and shifts. */
    private static float[] features(Random random, int n, int k) {
        float[] h = new float[n * k];
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < k; j++) {
                double scale = Math.pow(10, j % 3 - 1);
                h[r * k + j] = (float) (50 * (j + 1) + scale * random.nextGaussian());
            }
        }
        return h;
    }

    private static float[] targets(Random random, float[] h, int n, int k, int m, double noise) {
        float[] z = new float[n * m];
        double[] w = new double[k * m];
        for (int i = 0; i < w.length; i++) {
            w[i] = random.nextGaussian();
        }
        for (int r = 0; r < n; r++) {
            for (int u = 0; u < m; u++) {
                double v = 3 - u;
                for (int j = 0; j < k; j++) {
                    v += h[r * k + j] * w[j * m + u];
                }
                z[r * m + u] = (float) (v + noise * random.nextGaussian());
            }
        }
        return z;
    }

    /** [H, 1]: the rows of {@code h} with a constant column, and {@code extra} rows of zeros below them. */
    private static DMatrixRMaj design(float[] h, int n, int k, int extra) {
        DMatrixRMaj a = new DMatrixRMaj(n + extra, k + 1);
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < k; j++) {
                a.set(r, j, h[r * k + j]);
            }
            a.set(r, k, 1);
        }
        return a;
    }

    /** The rows of {@code z} as a matrix, with {@code extra} rows of zeros below them. */
    private static DMatrixRMaj targetMatrix(float[] z, int n, int m, int extra) {
        DMatrixRMaj y = new DMatrixRMaj(n + extra, m);
        for (int r = 0; r < n; r++) {
            for (int u = 0; u < m; u++) {
                y.set(r, u, z[r * m + u]);
            }
        }
        return y;
    }

    /**
     * The ridge problem solved independently: QR least squares on the stacked system
     * [H, 1; √λ·I, 0]·X = [Z; √λ·W₀] (Householder QR, no normal equations), with λ computed here.
     */
    private static double[] bruteForce(float[] h, float[] z, int n, int k, int m, float[] w0, double lambda) {
        int extra = lambda > 0 ? k : 0;
        DMatrixRMaj a = design(h, n, k, extra);
        DMatrixRMaj y = targetMatrix(z, n, m, extra);
        double root = Math.sqrt(lambda);
        for (int j = 0; j < extra; j++) {
            a.set(n + j, j, root);
            for (int u = 0; u < m; u++) {
                y.set(n + j, u, root * w0[j * m + u]);
            }
        }
        LinearSolverDense<DMatrixRMaj> qr = LinearSolverFactory_DDRM.leastSquares(n + extra, k + 1);
        assertTrue(qr.setA(a));
        DMatrixRMaj x = new DMatrixRMaj(k + 1, m);
        qr.solve(y, x);
        return x.data;
    }

    private static double lambdaByHand(float[] h, int n, int k, double ridge) {
        double total = 0;
        for (int j = 0; j < k; j++) {
            double mean = 0;
            for (int r = 0; r < n; r++) {
                mean += h[r * k + j];
            }
            mean /= n;
            for (int r = 0; r < n; r++) {
                double d = h[r * k + j] - mean;
                total += d * d;
            }
        }
        return ridge * total / k;
    }

    private static double residual(float[] h, float[] z, int n, int k, int m, double[] w, double[] b) {
        double sum = 0;
        for (int r = 0; r < n; r++) {
            for (int u = 0; u < m; u++) {
                double v = b[u];
                for (int j = 0; j < k; j++) {
                    v += h[r * k + j] * w[j * m + u];
                }
                double d = v - z[r * m + u];
                sum += d * d;
            }
        }
        return sum;
    }

    private static NormalEquations accumulate(float[] h, float[] z, int n, int k, int m, int batch) {
        NormalEquations eq = new NormalEquations(new double[k], new double[m]);
        for (int from = 0; from < n; from += batch) {
            int c = Math.min(batch, n - from);
            eq.add(java.util.Arrays.copyOfRange(h, from * k, (from + c) * k),
                    java.util.Arrays.copyOfRange(z, from * m, (from + c) * m), c);
        }
        return eq;
    }

    @Test
    void plainLeastSquaresAgreesWithQrOnTheStackedRows() {
        Random random = new Random(1);
        int n = 300;
        int k = 5;
        int m = 3;
        float[] h = features(random, n, k);
        float[] z = targets(random, h, n, k, m, 0.5);
        double[] shiftH = {50, 100, 150, 200, 250};
        NormalEquations eq = new NormalEquations(shiftH, new double[] {1, 2, 3});
        eq.add(h, z, n);
        NormalEquations.Solution s = eq.solve(new float[k * m], new float[m], 0);
        double[] x = bruteForce(h, z, n, k, m, null, 0);
        for (int j = 0; j < k; j++) {
            for (int u = 0; u < m; u++) {
                assertEquals(x[j * m + u], s.weights()[j * m + u], 1e-6 * (1 + Math.abs(x[j * m + u])), "w" + j + u);
            }
        }
        for (int u = 0; u < m; u++) {
            assertEquals(x[k * m + u], s.bias()[u], 1e-6 * (1 + Math.abs(x[k * m + u])), "b" + u);
        }
        assertEquals("cholesky", s.solver());
        assertEquals(0, s.lambda());
        assertEquals(residual(h, z, n, k, m, s.weights(), s.bias()), s.residual(), 1e-6 * s.residual());
    }

    @Test
    void ridgePullsTheWeightsTowardsThePriorWithLambdaRelativeToTheAverageVariance() {
        Random random = new Random(2);
        int n = 80;
        int k = 4;
        int m = 2;
        float[] h = features(random, n, k);
        float[] z = targets(random, h, n, k, m, 2.0);
        float[] w0 = new float[k * m];
        float[] b0 = new float[m];
        for (int i = 0; i < w0.length; i++) {
            w0[i] = (float) random.nextGaussian();
        }
        for (double ridge : new double[] {1e-3, 0.1, 10}) {
            NormalEquations eq = accumulate(h, z, n, k, m, 17);
            NormalEquations.Solution s = eq.solve(w0, b0, ridge);
            double lambda = lambdaByHand(h, n, k, ridge);
            assertEquals(lambda, s.lambda(), 1e-9 * lambda, "λ = ridge · Σ_j Σ_r (h_rj − mean_j)² / k");
            double[] x = bruteForce(h, z, n, k, m, w0, lambda);
            for (int i = 0; i < k * m; i++) {
                assertEquals(x[i], s.weights()[i], 1e-6 * (1 + Math.abs(x[i])), "ridge " + ridge + " w" + i);
            }
            for (int u = 0; u < m; u++) {
                assertEquals(x[k * m + u], s.bias()[u], 1e-5 * (1 + Math.abs(x[k * m + u])), "ridge " + ridge);
            }
            // the prior is feasible and pays no penalty: the solution never reconstructs worse than it
            double prior = residual(h, z, n, k, m, toDouble(w0), toDouble(b0));
            assertEquals(prior, s.priorResidual(), 1e-7 * prior);
            assertTrue(s.residual() <= s.priorResidual(), s.residual() + " > " + s.priorResidual());
        }
        // an enormous ridge leaves the weights at the prior (the bias is free and refitted)
        NormalEquations.Solution stiff = accumulate(h, z, n, k, m, 1000).solve(w0, b0, 1e12);
        for (int i = 0; i < k * m; i++) {
            assertEquals(w0[i], stiff.weights()[i], 1e-6);
        }
    }

    @Test
    void wideSystemsSolvedByBlocksGiveTheCholeskySolutionAndThePriorResidual() {
        // Over BlockedCholesky.MIN_WIDTH the factor is made in place by bands and the prior's residual comes from the
        // factor: the same solution as EJML's Cholesky of the same system, the same residual as the rows give.
        int k = BlockedCholesky.MIN_WIDTH + 40;
        int m = 3;
        int n = k + 300;
        Random random = new Random(11);
        float[] h = new float[n * k];
        for (int i = 0; i < h.length; i++) {
            h[i] = (float) (0.5 + random.nextGaussian());
        }
        float[] z = targets(random, h, n, k, m, 0.1);
        float[] w0 = new float[k * m];
        float[] b0 = new float[m];
        for (int i = 0; i < w0.length; i++) {
            w0[i] = (float) (0.1 * random.nextGaussian());
        }
        for (int u = 0; u < m; u++) {
            b0[u] = (float) random.nextGaussian();
        }
        NormalEquations eq = accumulate(h, z, n, k, m, 256);
        NormalEquations.Solution s = eq.solve(w0, b0, 1e-3);
        assertEquals("cholesky", s.solver());

        DMatrixRMaj a = design(h, n, k, 0);
        DMatrixRMaj y = targetMatrix(z, n, m, 0);
        DMatrixRMaj g = new DMatrixRMaj(k + 1, k + 1);
        org.ejml.dense.row.CommonOps_DDRM.multInner(a, g);
        DMatrixRMaj rhs = new DMatrixRMaj(k + 1, m);
        org.ejml.dense.row.CommonOps_DDRM.multTransA(a, y, rhs);
        for (int j = 0; j < k; j++) {
            g.add(j, j, s.lambda());
            for (int u = 0; u < m; u++) {
                rhs.add(j, u, s.lambda() * w0[j * m + u]);
            }
        }
        LinearSolverDense<DMatrixRMaj> chol = LinearSolverFactory_DDRM.chol(k + 1);
        assertTrue(chol.setA(g));
        DMatrixRMaj x = new DMatrixRMaj(k + 1, m);
        chol.solve(rhs, x);
        double scale = org.ejml.dense.row.CommonOps_DDRM.elementMaxAbs(x);
        for (int j = 0; j < k; j++) {
            for (int u = 0; u < m; u++) {
                assertEquals(x.get(j, u), s.weights()[j * m + u], 1e-9 * scale, "weight " + j + "," + u);
            }
        }
        for (int u = 0; u < m; u++) {
            assertEquals(x.get(k, u), s.bias()[u], 1e-9 * scale, "bias " + u);
        }
        double prior = residual(h, z, n, k, m, toDouble(w0), toDouble(b0));
        assertEquals(prior, s.priorResidual(), 1e-8 * prior);
        double fitted = residual(h, z, n, k, m, s.weights(), s.bias());
        assertEquals(fitted, s.residual(), 1e-6 * fitted);
        assertTrue(s.residual() < s.priorResidual());
        // The factor was made in G's own place and G had back afterwards: the same system solves to the same bits.
        assertSameSolution(s, eq.solve(w0, b0, 1e-3));
    }

    /**
     * A wide system whose blocked factor fails (a column repeated, no ridge) falls back to the pseudo-inverse of G,
     * which the failed factor, made in G's own place, left as it was: a second solve gives the same bits.
     */
    @Test
    void aWideSingularSystemFallsBackOnTheGramTheFactorLeft() {
        int k = BlockedCholesky.MIN_WIDTH + 8;
        int m = 2;
        int n = k + 50;
        Random random = new Random(19);
        float[] h = new float[n * k];
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < k; j++) {
                h[r * k + j] = (float) random.nextGaussian();
            }
            h[r * k + k - 1] = h[r * k];
        }
        float[] z = targets(random, h, n, k, m, 0.1);
        NormalEquations eq = accumulate(h, z, n, k, m, 256);
        NormalEquations.Solution s = eq.solve(new float[k * m], new float[m], 0);
        assertEquals("pseudo-inverse", s.solver());
        double fitted = residual(h, z, n, k, m, s.weights(), s.bias());
        assertEquals(fitted, s.residual(), 1e-6 * Math.max(1, fitted));
        assertSameSolution(s, eq.solve(new float[k * m], new float[m], 0));
    }

    private static void assertSameSolution(NormalEquations.Solution expected, NormalEquations.Solution actual) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected.weights(), actual.weights());
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected.bias(), actual.bias());
        assertEquals(expected.residual(), actual.residual());
        assertEquals(expected.priorResidual(), actual.priorResidual());
        assertEquals(expected.solver(), actual.solver());
    }

    @Test
    void systemsLargerThanEjmlsBlockThresholdAreSolvedToo() {
        // Over EjmlParameters.SWITCH_BLOCK64_CHOLESKY unknowns EJML switches to a block Cholesky, whose factor is
        // another matrix type: a refit of a 2048-unit layer once failed there with a ClassCastException.
        int k = org.ejml.EjmlParameters.SWITCH_BLOCK64_CHOLESKY + 8;
        int m = 2;
        int n = k + 200;
        Random random = new Random(7);
        float[] h = new float[n * k];
        for (int i = 0; i < h.length; i++) {
            h[i] = (float) random.nextGaussian();
        }
        float[] truth = new float[k * m];
        for (int i = 0; i < truth.length; i++) {
            truth[i] = (float) random.nextGaussian();
        }
        float[] z = new float[n * m];
        for (int r = 0; r < n; r++) {
            for (int u = 0; u < m; u++) {
                double sum = 0.25 * u;
                for (int i = 0; i < k; i++) {
                    sum += h[r * k + i] * truth[i * m + u];
                }
                z[r * m + u] = (float) sum;
            }
        }
        NormalEquations eq = new NormalEquations(new double[k], new double[m]);
        eq.add(h, z, n);
        NormalEquations.Solution s = eq.solve(new float[k * m], new float[m], 0);
        assertEquals("cholesky", s.solver());
        for (int i = 0; i < truth.length; i++) {
            assertEquals(truth[i], s.weights()[i], 1e-3, "weight " + i);
        }
        assertEquals(0.25, s.bias()[1], 1e-3);
    }

    @Test
    void batchesAndMergedPartsGiveTheSameSums() {
        Random random = new Random(3);
        int n = 250;
        int k = 6;
        int m = 4;
        float[] h = features(random, n, k);
        float[] z = targets(random, h, n, k, m, 1);
        NormalEquations whole = accumulate(h, z, n, k, m, n);
        NormalEquations left = accumulate(java.util.Arrays.copyOf(h, 100 * k), java.util.Arrays.copyOf(z, 100 * m),
                100, k, m, 33);
        NormalEquations right = accumulate(java.util.Arrays.copyOfRange(h, 100 * k, n * k),
                java.util.Arrays.copyOfRange(z, 100 * m, n * m), n - 100, k, m, 1000);
        left.merge(right);
        assertEquals(n, left.rows());
        NormalEquations.Solution a = whole.solve(new float[k * m], new float[m], 1e-6);
        NormalEquations.Solution b = left.solve(new float[k * m], new float[m], 1e-6);
        for (int i = 0; i < k * m; i++) {
            assertEquals(a.weights()[i], b.weights()[i], 1e-8 * (1 + Math.abs(a.weights()[i])));
        }
        assertEquals(a.residual(), b.residual(), 1e-8 * a.residual());
        assertThrows(IllegalArgumentException.class,
                () -> whole.merge(new NormalEquations(new double[] {1, 0, 0, 0, 0, 0}, new double[m])));
    }

    @Test
    void singularSystemFallsBackToThePseudoInverseAndStillFitsBest() {
        Random random = new Random(4);
        int n = 60;
        int m = 2;
        // column 2 repeats column 0, column 3 never varies: rank 2 of 4 (plus the constant)
        float[] h = new float[n * 4];
        for (int r = 0; r < n; r++) {
            h[r * 4] = (float) random.nextGaussian();
            h[r * 4 + 1] = (float) random.nextGaussian();
            h[r * 4 + 2] = h[r * 4];
            h[r * 4 + 3] = 7;
        }
        float[] z = new float[n * m];
        for (int r = 0; r < n; r++) {
            z[r * m] = 2 * h[r * 4] - h[r * 4 + 1] + 0.1f * (float) random.nextGaussian();
            z[r * m + 1] = h[r * 4 + 1] + 1;
        }
        float[] w0 = {1, 0, 0, 1, 1, 0, 0.5f, 0.5f};
        float[] b0 = {0, 0};
        NormalEquations eq = accumulate(h, z, n, 4, m, n);
        NormalEquations.Solution s = eq.solve(w0, b0, 0);
        assertEquals("pseudo-inverse", s.solver());
        for (double v : s.weights()) {
            assertTrue(Double.isFinite(v));
        }
        // the fitted values are those of the best rank-2 fit: compare with QR on the independent columns
        float[] reduced = new float[n * 2];
        for (int r = 0; r < n; r++) {
            reduced[r * 2] = h[r * 4];
            reduced[r * 2 + 1] = h[r * 4 + 1];
        }
        double[] x = bruteForce(reduced, z, n, 2, m, null, 0);
        double best = residual(reduced, z, n, 2, m, java.util.Arrays.copyOf(x, 4), new double[] {x[4], x[5]});
        assertEquals(best, residual(h, z, n, 4, m, s.weights(), s.bias()), 1e-6 * (1 + best));
        assertEquals(best, s.residual(), 1e-6 * (1 + best));
        // the undetermined direction (column 0 against column 2) stays where the prior put it: the change from the
        // prior is the minimum-norm one, so it splits equally between the two copies
        for (int u = 0; u < m; u++) {
            double d0 = s.weights()[u] - w0[u];
            double d2 = s.weights()[2 * m + u] - w0[2 * m + u];
            assertEquals(d0, d2, 1e-6);
        }
        // with a ridge the same system is positive definite and Cholesky solves it
        assertEquals("cholesky", eq.solve(w0, b0, 1e-6).solver());
    }

    @Test
    void misuseIsRefused() {
        NormalEquations eq = new NormalEquations(new double[2], new double[1]);
        assertThrows(IllegalStateException.class, () -> eq.solve(new float[2], new float[1], 0));
        eq.add(new float[] {1, 2, 3, 5}, new float[] {1, 2}, 2);
        assertThrows(IllegalArgumentException.class, () -> eq.solve(new float[2], new float[1], -1));
        assertThrows(IllegalArgumentException.class, () -> eq.solve(new float[2], new float[1], Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> eq.solve(new float[3], new float[1], 0));
        assertThrows(IllegalArgumentException.class, () -> eq.add(new float[3], new float[2], 2));
        assertThrows(IllegalArgumentException.class, () -> new NormalEquations(new double[2], new double[0]));
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}

package org.odf2nna.prune;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;
import org.junit.jupiter.api.Test;

class BlockedCholeskyTest {

    /** A Gram matrix of random rows plus a little ridge: symmetric positive definite, n × n. */
    private static DMatrixRMaj spd(Random random, int n) {
        DMatrixRMaj h = new DMatrixRMaj(2 * n, n);
        for (int i = 0; i < h.data.length; i++) {
            h.data[i] = random.nextGaussian() + (i % n == 0 ? 3 : 0);
        }
        DMatrixRMaj g = new DMatrixRMaj(n, n);
        CommonOps_DDRM.multInner(h, g);
        for (int j = 0; j < n; j++) {
            g.add(j, j, 1e-3);
        }
        return g;
    }

    /** An n × m matrix of standard normal draws. */
    private static DMatrixRMaj gaussian(Random random, int n, int m) {
        DMatrixRMaj b = new DMatrixRMaj(n, m);
        for (int i = 0; i < b.data.length; i++) {
            b.data[i] = random.nextGaussian();
        }
        return b;
    }

    /** The factor {@code l} of {@code g}: L·Lᵀ gives {@code g} back. */
    private static void assertGivesBack(double[] l, DMatrixRMaj g) {
        int n = g.numRows;
        DMatrixRMaj factor = DMatrixRMaj.wrap(n, n, l);
        DMatrixRMaj back = new DMatrixRMaj(n, n);
        CommonOps_DDRM.multTransB(factor, factor, back);
        double gScale = CommonOps_DDRM.elementMaxAbs(g);
        for (int i = 0; i < back.data.length; i++) {
            assertTrue(Math.abs(back.data[i] - g.data[i]) <= 1e-11 * gScale, "entry " + i);
        }
    }

    /** Solving g·X = b with the factor {@code l} gives EJML's Cholesky solution. */
    private static void assertSolvesAsEjml(double[] l, DMatrixRMaj g, DMatrixRMaj b) {
        int n = g.numRows;
        LinearSolverDense<DMatrixRMaj> chol = LinearSolverFactory_DDRM.chol(n);
        assertTrue(chol.setA(g.copy()));
        DMatrixRMaj expected = new DMatrixRMaj(n, b.numCols);
        chol.solve(b.copy(), expected);
        double[] x = b.data.clone();
        BlockedCholesky.solve(l, n, x, b.numCols, DenseProduct.EJML);
        double scale = CommonOps_DDRM.elementMaxAbs(expected);
        for (int i = 0; i < x.length; i++) {
            assertTrue(Math.abs(x[i] - expected.data[i]) <= 1e-9 * scale, "entry " + i + ": " + x[i] + " against "
                    + expected.data[i]);
        }
    }

    @Test
    void solvesAsEjmlDoesAcrossSeveralBlocks() {
        Random random = new Random(7);
        // Three blocks, the last one partial.
        int n = 2 * BlockedCholesky.BLOCK + 37;
        DMatrixRMaj g = spd(random, n);
        DMatrixRMaj b = gaussian(random, n, 5);
        double[] l = BlockedCholesky.factor(g.data, n, DenseProduct.EJML);
        assertSolvesAsEjml(l, g, b);
        assertGivesBack(l, g);
    }

    @Test
    void bandsOfTheTrailingUpdateAndTheTransposedProductAgreeWithEjml() {
        Random random = new Random(9);
        // More rows below the first block than one band, the last band partial.
        int n = BlockedCholesky.BLOCK + 2 * BlockedCholesky.BAND + 19;
        int m = 4;
        DMatrixRMaj g = spd(random, n);
        double[] l = g.data.clone();
        assertTrue(BlockedCholesky.factorInPlace(l, n, DenseProduct.EJML));
        assertGivesBack(l, g);
        DMatrixRMaj b = gaussian(random, n, m);
        assertSolvesAsEjml(l, g, b);
        DMatrixRMaj ltb = new DMatrixRMaj(n, m);
        CommonOps_DDRM.multTransA(DMatrixRMaj.wrap(n, n, l), b, ltb);
        double[] product = BlockedCholesky.transposedTimes(l, n, b.data, m, DenseProduct.EJML);
        double pScale = CommonOps_DDRM.elementMaxAbs(ltb);
        for (int i = 0; i < product.length; i++) {
            assertTrue(Math.abs(product[i] - ltb.data[i]) <= 1e-12 * pScale, "Lᵀ·B entry " + i);
        }
    }

    @Test
    void refusesAMatrixThatIsNotPositiveDefinite() {
        int n = BlockedCholesky.BLOCK + 3;
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            a[i * n + i] = i == n - 1 ? -1 : 1;
        }
        assertNull(BlockedCholesky.factor(a, n, DenseProduct.EJML));
    }
}

package org.odf2nna.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;
import org.odf2nna.onnx.OnnxProduct;

/** The wide solves by blocks give what EJML's give, and refuse a matrix that is not positive definite. */
class WideSolveTest {

    private static DMatrixRMaj spd(int n, long seed) {
        Random r = new Random(seed);
        DMatrixRMaj x = new DMatrixRMaj(n, n + 40);
        for (int i = 0; i < x.data.length; i++) {
            x.data[i] = r.nextGaussian();
        }
        DMatrixRMaj a = new DMatrixRMaj(n, n);
        CommonOps_DDRM.multTransB(x, x, a);
        return a;
    }

    @Test
    void aWideSystemIsSolvedAndItsInverseDiagonalMadeAsEjmlMakesThem() {
        int n = WideSolve.MIN_WIDTH + 77;
        DMatrixRMaj a = spd(n, 4);
        DMatrixRMaj b = new DMatrixRMaj(n, 3);
        Random r = new Random(5);
        for (int i = 0; i < b.data.length; i++) {
            b.data[i] = r.nextGaussian();
        }
        DMatrixRMaj expected = new DMatrixRMaj(n, 3);
        CommonOps_DDRM.solveSPD(a.copy(), b.copy(), expected);
        DMatrixRMaj inverse = new DMatrixRMaj(n, n);
        CommonOps_DDRM.invertSPD(a.copy(), inverse);
        double[] before = a.data.clone();
        try (OnnxProduct product = OnnxProduct.open()) {
            double[] x = WideSolve.solve(a.data, n, b.data, 3, product);
            double[] d = WideSolve.inverseDiagonal(a.data, n, product);
            for (int i = 0; i < x.length; i++) {
                assertEquals(expected.data[i], x[i], 1e-7 * (1 + Math.abs(expected.data[i])), "x " + i);
            }
            for (int j = 0; j < n; j += 13) {
                assertEquals(inverse.get(j, j), d[j], 1e-7 * inverse.get(j, j), "diagonal " + j);
            }
            assertEquals(java.util.Arrays.toString(before), java.util.Arrays.toString(a.data), "A left as it was");
            // A negative pivot: not positive definite, no answer rather than a wrong one.
            a.set(5, 5, -1);
            assertNull(WideSolve.solve(a.data, n, b.data, 3, product));
        }
    }
}

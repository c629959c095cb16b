package org.odf2nna.prune;

import java.util.Arrays;

/**
 * Symmetric positive definite solves of systems wider than {@link #MIN_WIDTH} by blocks, their n³ work in a
 * {@link DenseProduct} (ONNX Runtime's MatMul): what the graph path's refits and unit scores call where EJML's one
 * thread took minutes (a ViT-B's FFN of 3,072 units: a minute a block to invert, twelve blocks a round).
 */
public final class WideSolve {

    /** Narrower systems keep EJML's solvers, and with them exactly the values they always had. */
    public static final int MIN_WIDTH = BlockedCholesky.MIN_WIDTH;

    private WideSolve() {
    }

    /**
     * Solves A·X = B ({@code a}: n × n, row-major, its lower triangle read; {@code b}: n × m, row-major) into a new
     * array; null when A is not positive definite. Neither argument is changed.
     */
    public static double[] solve(double[] a, int n, double[] b, int m, DenseProduct product) {
        double[] l = Arrays.copyOf(a, a.length);
        if (!BlockedCholesky.factorLower(l, n, product)) {
            return null;
        }
        double[] x = Arrays.copyOf(b, b.length);
        BlockedCholesky.solve(l, n, x, m, product);
        for (double v : x) {
            if (!Double.isFinite(v)) {
                return null;
            }
        }
        return x;
    }

    /** The diagonal of A⁻¹ for a positive definite A (as {@link #solve} reads it); null when A is not so. */
    public static double[] inverseDiagonal(double[] a, int n, DenseProduct product) {
        double[] identity = new double[n * n];
        for (int i = 0; i < n; i++) {
            identity[i * n + i] = 1;
        }
        double[] inverse = solve(a, n, identity, n, product);
        if (inverse == null) {
            return null;
        }
        double[] diagonal = new double[n];
        for (int i = 0; i < n; i++) {
            diagonal[i] = inverse[i * n + i];
        }
        return diagonal;
    }
}

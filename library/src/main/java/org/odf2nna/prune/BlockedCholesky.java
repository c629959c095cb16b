package org.odf2nna.prune;

import java.util.Arrays;

/**
 * Cholesky factor and solves of a wide symmetric positive definite system by blocks of {@link #BLOCK} rows: the
 * work that grows as n³ (the trailing updates, the off-diagonal parts of the triangular solves) is a few large
 * products handed to a {@link DenseProduct}; what stays in Java is O(n²·BLOCK). Used for systems wider than
 * {@link #MIN_WIDTH}, where EJML's row-by-row factor and many-column solves took minutes.
 */
final class BlockedCholesky {

    static final int BLOCK = 256;
    /** Rows of the trailing matrix updated per product. */
    static final int BAND = 512;
    /** Narrower systems keep EJML's solver (and, with it, exactly the weights they always had). */
    static final int MIN_WIDTH = 1024;

    private BlockedCholesky() {
    }

    /** The lower factor L of {@code a} (n × n, row-major, only its lower triangle read), or null when not SPD. */
    static double[] factor(double[] a, int n, DenseProduct product) {
        double[] l = Arrays.copyOf(a, n * n);
        return factorInPlace(l, n, product) ? l : null;
    }

    /**
     * The same in place: {@code l} holds the matrix (its lower triangle read) and becomes L, its upper triangle zero;
     * false (and {@code l} overwritten) when not SPD. No copy of the n × n matrix: at 4096 wide each is 128 MB.
     */
    static boolean factorInPlace(double[] l, int n, DenseProduct product) {
        if (!factorLower(l, n, product)) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            Arrays.fill(l, i * n + i + 1, i * n + n, 0);
        }
        return true;
    }

    /**
     * The same in the lower triangle and the diagonal only: the strict upper triangle is neither read nor written (a
     * symmetric matrix can be had back from it). What {@link #solve} and {@link #transposedTimes} read of a factor.
     */
    static boolean factorLower(double[] l, int n, DenseProduct product) {
        for (int j0 = 0; j0 < n; j0 += BLOCK) {
            int jb = Math.min(BLOCK, n - j0);
            int end = j0 + jb;
            for (int j = j0; j < end; j++) {
                double d = l[j * n + j] - dot(l, j * n, j * n, j0, j);
                if (!(d > 0) || !Double.isFinite(d)) {
                    return false;
                }
                double root = Math.sqrt(d);
                l[j * n + j] = root;
                // The rows below it in this block; the panel under the block is solved at once below.
                for (int i = j + 1; i < end; i++) {
                    l[i * n + j] = (l[i * n + j] - dot(l, i * n, j * n, j0, j)) / root;
                }
            }
            if (end < n) {
                // The panel P = A₂₁·L₁₁⁻ᵀ as one product with the block's inverse: the n²·BLOCK/2 multiply-adds a
                // row-by-row substitution did in Java (seconds at 4,096 wide) at matrix-multiply speed.
                int rest = n - end;
                double[] panel = new double[rest * jb];
                for (int i = 0; i < rest; i++) {
                    System.arraycopy(l, (end + i) * n + j0, panel, i * jb, jb);
                }
                panel = product.multiplyTransposed(panel, rest, jb, invertLower(l, n, j0, jb), jb);
                for (int i = 0; i < rest; i++) {
                    System.arraycopy(panel, i * jb, l, (end + i) * n + j0, jb);
                }
                updateTrailing(l, n, jb, end, panel, product);
            }
        }
        return true;
    }

    /**
     * The inverse of the lower triangular diagonal block of {@code l} (n × n) at {@code j0}, {@code jb} wide, row-major
     * jb × jb: jb³/6 multiply-adds in Java, so that the triangular solves against it are products.
     */
    static double[] invertLower(double[] l, int n, int j0, int jb) {
        double[] inverse = new double[jb * jb];
        // Row i of L⁻¹: e_iᵀ solved against L from the left, each row from the rows above it.
        for (int i = 0; i < jb; i++) {
            int row = (j0 + i) * n + j0;
            double diagonal = l[row + i];
            inverse[i * jb + i] = 1 / diagonal;
            for (int p = 0; p < i; p++) {
                double v = l[row + p];
                if (v != 0) {
                    axpy(inverse, i * jb, -v, inverse, p * jb, p + 1);
                }
            }
            scale(inverse, i * jb, 1 / diagonal, i);
        }
        return inverse;
    }

    /**
     * Subtracts the panel's share P·Pᵀ from the lower triangle of the trailing matrix, by bands of {@link #BAND}
     * rows, each band's product only as far right as its diagonal: about half the multiply-adds (and a band's
     * memory) of the whole square.
     */
    private static void updateTrailing(double[] l, int n, int jb, int end, double[] panel, DenseProduct product) {
        int rest = n - end;
        for (int r0 = 0; r0 < rest; r0 += BAND) {
            int rows = Math.min(BAND, rest - r0);
            int cols = r0 + rows;
            double[] band = Arrays.copyOfRange(panel, r0 * jb, (r0 + rows) * jb);
            double[] update = product.multiplyTransposed(band, rows, jb, panel, cols);
            for (int i = 0; i < rows; i++) {
                int row = (end + r0 + i) * n + end;
                int last = r0 + i;
                for (int j = 0; j <= last; j++) {
                    l[row + j] -= update[i * cols + j];
                }
            }
        }
    }

    /**
     * Lᵀ·X for the lower factor L (n × n, its lower triangle read) and X (n × m), row-major: about n²·m/2 multiply-adds (what a quadratic form
     * XᵀAX costs from A = L·Lᵀ, as ‖LᵀX‖², without A's whole product).
     */
    static double[] transposedTimes(double[] l, int n, double[] x, int m, DenseProduct product) {
        double[] out = new double[n * m];
        for (int i0 = 0; i0 < n; i0 += BLOCK) {
            int ib = Math.min(BLOCK, n - i0);
            int below = n - i0;
            double[] upper = new double[ib * below];
            for (int p = 0; p < below; p++) {
                int row = (i0 + p) * n + i0;
                // Only the lower triangle: in the diagonal block the upper one stays zero whatever l holds there.
                for (int i = 0; i < Math.min(ib, p + 1); i++) {
                    upper[i * below + p] = l[row + i];
                }
            }
            double[] part = product.multiply(upper, ib, below, Arrays.copyOfRange(x, i0 * m, n * m), m);
            System.arraycopy(part, 0, out, i0 * m, ib * m);
        }
        return out;
    }

    /**
     * Solves L·Lᵀ·X = B in place ({@code b}: n × m, row-major): every step a product, the diagonal blocks' by their
     * inverses ({@link #invertLower}), so that no n·BLOCK·m substitution runs in Java.
     */
    static void solve(double[] l, int n, double[] b, int m, DenseProduct product) {
        double[][] inverses = new double[(n + BLOCK - 1) / BLOCK][];
        // L·Y = B, block by block from the top.
        for (int i0 = 0; i0 < n; i0 += BLOCK) {
            int ib = Math.min(BLOCK, n - i0);
            if (i0 > 0) {
                double[] left = new double[ib * i0];
                for (int i = 0; i < ib; i++) {
                    System.arraycopy(l, (i0 + i) * n, left, i * i0, i0);
                }
                subtract(b, i0 * m, product.multiply(left, ib, i0, b, m));
            }
            double[] inverse = invertLower(l, n, i0, ib);
            inverses[i0 / BLOCK] = inverse;
            double[] block = Arrays.copyOfRange(b, i0 * m, (i0 + ib) * m);
            System.arraycopy(product.multiply(inverse, ib, ib, block, m), 0, b, i0 * m, ib * m);
        }
        // Lᵀ·X = Y, block by block from the bottom.
        int last = (n - 1) / BLOCK * BLOCK;
        for (int i0 = last; i0 >= 0; i0 -= BLOCK) {
            int ib = Math.min(BLOCK, n - i0);
            int below = n - i0 - ib;
            if (below > 0) {
                double[] upper = new double[ib * below];
                for (int p = 0; p < below; p++) {
                    int row = (i0 + ib + p) * n + i0;
                    for (int i = 0; i < ib; i++) {
                        upper[i * below + p] = l[row + i];
                    }
                }
                double[] rest = Arrays.copyOfRange(b, (i0 + ib) * m, n * m);
                subtract(b, i0 * m, product.multiply(upper, ib, below, rest, m));
            }
            double[] inverse = inverses[i0 / BLOCK];
            double[] transposed = new double[ib * ib];
            for (int i = 0; i < ib; i++) {
                for (int j = 0; j < ib; j++) {
                    transposed[j * ib + i] = inverse[i * ib + j];
                }
            }
            double[] block = Arrays.copyOfRange(b, i0 * m, (i0 + ib) * m);
            System.arraycopy(product.multiply(transposed, ib, ib, block, m), 0, b, i0 * m, ib * m);
        }
    }

    private static double dot(double[] l, int rowA, int rowB, int from, int to) {
        double s = 0;
        for (int p = from; p < to; p++) {
            s += l[rowA + p] * l[rowB + p];
        }
        // Earlier blocks' share was subtracted by the trailing updates.
        return s;
    }

    private static void subtract(double[] b, int offset, double[] values) {
        for (int i = 0; i < values.length; i++) {
            b[offset + i] -= values[i];
        }
    }

    private static void axpy(double[] y, int yOffset, double a, double[] x, int xOffset, int m) {
        if (a == 0) {
            return;
        }
        for (int u = 0; u < m; u++) {
            y[yOffset + u] += a * x[xOffset + u];
        }
    }

    private static void scale(double[] y, int offset, double a, int m) {
        for (int u = 0; u < m; u++) {
            y[offset + u] *= a;
        }
    }
}

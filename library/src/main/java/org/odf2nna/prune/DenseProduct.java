package org.odf2nna.prune;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * Products of dense double matrices, row-major: what the solves of wide layers spend their time on
 * ({@link BlockedCholesky}), so that a caller can hand them to a faster engine (ONNX Runtime's MatMul) than EJML's.
 */
public interface DenseProduct extends AutoCloseable {

    /** EJML in this thread. */
    DenseProduct EJML = (a, rows, inner, b, cols) -> {
        DMatrixRMaj c = new DMatrixRMaj(rows, cols);
        CommonOps_DDRM.mult(DMatrixRMaj.wrap(rows, inner, a), DMatrixRMaj.wrap(inner, cols, b), c);
        return c.data;
    };

    /** A·B, A {@code rows × inner}, B {@code inner × cols}, row-major; the arrays may be longer than that. */
    double[] multiply(double[] a, int rows, int inner, double[] b, int cols);

    /**
     * A·B with B given in float (a layer's weights), each value widened to double: the same product as
     * {@link #multiply} of the widened matrix. This default widens B into a copy; an engine that can widen as it
     * reads saves the copy (128 MB for a 4,096-wide layer's weights).
     */
    default double[] multiplyWidened(double[] a, int rows, int inner, float[] b, int cols) {
        double[] wide = new double[inner * cols];
        for (int i = 0; i < wide.length; i++) {
            wide[i] = b[i];
        }
        return multiply(a, rows, inner, wide, cols);
    }

    /**
     * A·Bᵀ, A {@code rows × inner}, B {@code cols × inner} (its first cols rows), row-major: a product with the
     * leading rows of a matrix as they lie. This default transposes B and multiplies.
     */
    default double[] multiplyTransposed(double[] a, int rows, int inner, double[] b, int cols) {
        double[] bt = new double[inner * cols];
        for (int j = 0; j < cols; j++) {
            for (int p = 0; p < inner; p++) {
                bt[p * cols + j] = b[j * inner + p];
            }
        }
        return multiply(a, rows, inner, bt, cols);
    }

    @Override
    default void close() {
    }
}

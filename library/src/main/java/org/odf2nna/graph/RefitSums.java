package org.odf2nna.graph;

import java.util.function.Supplier;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.odf2nna.onnx.OnnxProduct;

/**
 * The least-squares sums of one block over the samples taken: XᵀX, XᵀT and the sums of X and T, and how a batch's
 * products are made (in EJML, or in ONNX Runtime's float MatMul when the batch is large).
 */
final class RefitSums implements AutoCloseable {

    /**
     * Multiply-adds of a batch's XᵀX past which ONNX Runtime's float MatMul makes the products rather than EJML in this
     * thread: a 3×3 second Conv of 256 channels (2,304 unknowns) over a batch of 2,000 samples is 10¹⁰, which EJML
     * takes seconds for and ONNX Runtime's threads a fraction of that. Small products stay in Java, where a session
     * call costs more than they do: about a millisecond of EJML's here (at 2^25, EJML's many mid-sized products took
     * 11 s of the ResNet-18 sweep's refits).
     */
    static final double ONNX_PRODUCT_MACS = 1 << 22;

    final DMatrixRMaj xx;
    final DMatrixRMaj xt;
    final double[] sx;
    final double[] st;
    long n;
    /**
     * The first batch's means, which every sample is taken about: the sums are of centred values, so float
     * products lose nothing to a large mean (post-ReLU units sit well above zero).
     */
    double[] shiftX;
    double[] shiftT;
    /** ONNX Runtime's products, whose sessions open on first use. */
    private final OnnxProduct product = OnnxProduct.open();

    RefitSums(int k, int outputs) {
        xx = new DMatrixRMaj(k, k);
        xt = new DMatrixRMaj(k, outputs);
        sx = new double[k];
        st = new double[outputs];
    }

    OnnxProduct product() {
        return product;
    }

    @Override
    public void close() {
        product.close();
    }

    /**
     * Adds Xᵀ·X and Xᵀ·T of {@code m} samples ({@code xT}: k × m, {@code t}: m × outputs) to the sums: in ONNX
     * Runtime's float products when {@code inOnnxRuntime} (the samples centred first), else in EJML.
     */
    void addProducts(double[] xT, int m, double[] t, boolean inOnnxRuntime) {
        int k = sx.length;
        int outputs = st.length;
        if (inOnnxRuntime) {
            float[] x = narrowed(xT);
            addInto(xx.data, product.multiplyFloatsTransposed(x, k, m, x, k));
            addInto(xt.data, product.multiplyFloats(x, k, m, narrowed(t), outputs));
        } else {
            addGram(xx, xT, k, m, null);
            CommonOps_DDRM.multAdd(DMatrixRMaj.wrap(k, m, xT), DMatrixRMaj.wrap(m, outputs, t), xt);
        }
    }

    /**
     * Adds Xᵀ·X of {@code m} samples ({@code xT}: k × m, centred about a shift) to {@code into}: in ONNX Runtime's
     * float products when {@code product} is given, else in EJML in this thread (the refit's sums and the
     * statistics' covariances both). Each call's product is a batch's, added up in double.
     */
    static void addGram(DMatrixRMaj into, double[] xT, int k, int m, Supplier<OnnxProduct> product) {
        if (product != null) {
            float[] x = narrowed(xT);
            addInto(into.data, product.get().multiplyFloatsTransposed(x, k, m, x, k));
        } else {
            DMatrixRMaj columns = DMatrixRMaj.wrap(k, m, xT);
            CommonOps_DDRM.multAddTransB(columns, columns, into);
        }
    }

    private static float[] narrowed(double[] values) {
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        return f;
    }

    private static void addInto(double[] sum, float[] part) {
        for (int i = 0; i < sum.length; i++) {
            sum[i] += part[i];
        }
    }
}

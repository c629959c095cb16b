package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/** The statistics' Gram sums are the same whether EJML or ONNX Runtime makes them. */
class BlockStatisticsProductsTest {

    private static double[] samples(int w, int m, long seed) {
        Random r = new Random(seed);
        double[] xT = new double[w * m];
        for (int i = 0; i < xT.length; i++) {
            xT[i] = r.nextGaussian();
        }
        return xT;
    }

    /** XᵀX by the definition, units by samples in {@code xT}. */
    private static double gram(double[] xT, int m, int i, int j) {
        double s = 0;
        for (int t = 0; t < m; t++) {
            s += xT[i * m + t] * xT[j * m + t];
        }
        return s;
    }

    @Test
    void largeAndSmallProductsAddTheSameSums() {
        int w = 300;
        int m = 400; // 3.6·10⁷ multiply-adds: past the threshold, in ONNX Runtime
        assertTrue((double) w * w * m >= RefitSums.ONNX_PRODUCT_MACS);
        double[] big = samples(w, m, 1);
        double[] small = samples(w, 3, 2); // 2.7·10⁵: in EJML
        DMatrixRMaj cross = new DMatrixRMaj(w, w);
        try (BlockStatistics.Products products = new BlockStatistics.Products()) {
            products.addGram(cross, big, w, m);
            products.addGram(cross, small, w, 3);
        }
        for (int i = 0; i < w; i += 37) {
            for (int j = 0; j < w; j += 41) {
                double expected = gram(big, m, i, j) + gram(small, 3, i, j);
                // The large batch's product is made in float (its terms centred, about 1 each): float's rounding of
                // m terms, not a wrong sum (a missed batch or a transposed term would be off by tens).
                assertEquals(expected, cross.get(i, j), 1e-5 * m, i + "," + j);
            }
        }
    }
}

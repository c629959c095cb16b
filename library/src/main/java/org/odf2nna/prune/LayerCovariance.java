package org.odf2nna.prune;

import java.util.ArrayList;
import java.util.List;
import org.odf2nna.network.DenseNetwork;

/**
 * The means, standard deviations and covariance of every hidden layer's outputs over some rows, in one pass: what
 * {@link ReconstructionCost} ranks units by and what compensation folds.
 *
 * @param statistics  the units' means and standard deviations
 * @param covariances one m × m covariance per hidden layer (row-major, per row)
 */
public record LayerCovariance(UnitStatistics statistics, List<double[]> covariances) {

    public LayerCovariance {
        covariances = List.copyOf(covariances);
    }

    /** Measures {@code network}'s hidden layers over {@code rows}, each row's products in plain Java. */
    public static LayerCovariance measure(DenseNetwork network, RowSource rows) {
        return measure(network, rows, null);
    }

    /**
     * The products of one layer's outputs summed a block of rows at a time (a rank-k update, at matrix-multiply
     * speed) rather than row by row: {@link #add} takes each batch of outputs, {@link #centred} gives their Gram matrix
     * about their mean, (A − μ)ᵀ(A − μ), full (both triangles) and the caller's to keep.
     */
    public interface BlockGram extends AutoCloseable {
        void add(float[] outputs, int rows);

        double[] centred();

        @Override
        void close();
    }

    /**
     * {@link #measure(DenseNetwork, RowSource)} with each layer's products summed by a {@link BlockGram} from
     * {@code grams} (given the layer's width; closed here), or row by row in plain Java when {@code grams} is null.
     * The means are the same bits either way; the covariances the same sums in another order (rounding only), and a
     * unit whose every output was the same keeps exact zeros in its row and column, as row by row.
     */
    public static LayerCovariance measure(DenseNetwork network, RowSource rows,
            java.util.function.IntFunction<BlockGram> grams) {
        int hidden = network.hiddenLayerCount();
        int[] widths = network.hiddenUnits();
        List<Moments> moments = new ArrayList<>();
        try {
            for (int l = 0; l < hidden; l++) {
                moments.add(new Moments(widths[l], grams == null ? null : grams.apply(widths[l])));
            }
            rows.forEachBatch((x, n) -> {
                List<float[]> outputs = network.hiddenOutputs(x, n);
                for (int l = 0; l < hidden; l++) {
                    moments.get(l).add(outputs.get(l), n);
                }
            });
            List<double[]> means = new ArrayList<>();
            List<double[]> stds = new ArrayList<>();
            List<double[]> covariances = new ArrayList<>();
            long n = 0;
            for (Moments m : moments) {
                double[][] r = m.result();
                means.add(r[0]);
                stds.add(r[1]);
                covariances.add(r[2]);
                n = m.count;
            }
            return new LayerCovariance(new UnitStatistics(means, stds, n), covariances);
        } finally {
            moments.forEach(Moments::close);
        }
    }

    /**
     * The means and covariance of the rows' own columns (a network's inputs), as {mean, covariance}: what the first
     * layer's refit, and so {@link ReconstructionCost}, works with when inputs are candidates.
     */
    public static double[][] ofColumns(RowSource rows, int width) {
        Moments m = new Moments(width);
        rows.forEachBatch(m::add);
        double[][] r = m.result();
        return new double[][] {r[0], r[2]};
    }

    /**
     * Sums of one layer's outputs and their products, shifted by the first row's outputs so that large means do not
     * swamp the variances in the subtraction; only non-zero deviations are multiplied (ReLU layers and pixel rows are
     * sparse).
     */
    private static final class Moments {
        final int m;
        final double[] sum;
        /** The shifted products row by row (upper triangle), or null where {@link #gram} sums them. */
        final double[] products;
        final BlockGram gram;
        /** Per unit, whether any output differed from the shift (with {@link #gram} only). */
        final boolean[] varies;
        double[] shift;
        long count;

        Moments(int m) {
            this(m, null);
        }

        Moments(int m, BlockGram gram) {
            this.m = m;
            this.sum = new double[m];
            this.gram = gram;
            this.products = gram == null ? new double[m * m] : null;
            this.varies = gram == null ? null : new boolean[m];
        }

        void close() {
            if (gram != null) {
                gram.close();
            }
        }

        void add(float[] h, int n) {
            if (shift == null && n > 0) {
                shift = new double[m];
                for (int j = 0; j < m; j++) {
                    shift[j] = h[j];
                }
            }
            if (gram != null) {
                addBlock(h, n);
                return;
            }
            double[] d = new double[m];
            int[] at = new int[m];
            for (int r = 0; r < n; r++) {
                int base = r * m;
                int nonzero = 0;
                for (int j = 0; j < m; j++) {
                    d[j] = h[base + j] - shift[j];
                    sum[j] += d[j];
                    if (d[j] != 0) {
                        at[nonzero++] = j;
                    }
                }
                for (int a = 0; a < nonzero; a++) {
                    int i = at[a];
                    double di = d[i];
                    int row = i * m;
                    for (int b = a; b < nonzero; b++) {
                        int j = at[b];
                        products[row + j] += di * d[j];
                    }
                }
            }
            count += n;
        }

        /** The sums of the shifted outputs as row by row (the same bits), the products in one block. */
        private void addBlock(float[] h, int n) {
            for (int r = 0; r < n; r++) {
                int base = r * m;
                for (int j = 0; j < m; j++) {
                    double d = h[base + j] - shift[j];
                    sum[j] += d;
                    varies[j] |= d != 0;
                }
            }
            gram.add(h, n);
            count += n;
        }

        /** {mean, std, covariance}. */
        double[][] result() {
            if (gram != null) {
                return blockResult();
            }
            double[] s = shift == null ? new double[m] : shift;
            double[] mean = new double[m];
            double[] std = new double[m];
            double[] cov = new double[m * m];
            for (int i = 0; i < m; i++) {
                mean[i] = count == 0 ? 0 : s[i] + sum[i] / count;
            }
            for (int i = 0; i < m; i++) {
                for (int j = i; j < m; j++) {
                    double c = count == 0 ? 0 : (products[i * m + j] - sum[i] * sum[j] / count) / count;
                    cov[i * m + j] = c;
                    cov[j * m + i] = c;
                }
                cov[i * m + i] = Math.max(0, cov[i * m + i]);
                std[i] = Math.sqrt(cov[i * m + i]);
            }
            return new double[][] {mean, std, cov};
        }

        /**
         * {mean, std, covariance} from the block Gram matrix, made symmetric from its upper triangle and divided by
         * the rows in place (no second m × m copy).
         */
        private double[][] blockResult() {
            double[] s = shift == null ? new double[m] : shift;
            double[] mean = new double[m];
            double[] std = new double[m];
            double[] cov = count == 0 ? new double[m * m] : gram.centred();
            for (int i = 0; i < m; i++) {
                mean[i] = count == 0 ? 0 : s[i] + sum[i] / count;
            }
            for (int i = 0; i < m && count > 0; i++) {
                for (int j = i; j < m; j++) {
                    double c = varies[i] && varies[j] ? cov[i * m + j] / count : 0;
                    cov[i * m + j] = c;
                    cov[j * m + i] = c;
                }
                cov[i * m + i] = Math.max(0, cov[i * m + i]);
                std[i] = Math.sqrt(cov[i * m + i]);
            }
            return new double[][] {mean, std, cov};
        }
    }
}

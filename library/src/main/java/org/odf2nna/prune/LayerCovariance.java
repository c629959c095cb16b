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

    /** Measures {@code network}'s hidden layers over {@code rows}. */
    public static LayerCovariance measure(DenseNetwork network, RowSource rows) {
        int hidden = network.hiddenLayerCount();
        int[] widths = network.hiddenUnits();
        List<Moments> moments = new ArrayList<>();
        for (int l = 0; l < hidden; l++) {
            moments.add(new Moments(widths[l]));
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
        final double[] products;
        double[] shift;
        long count;

        Moments(int m) {
            this.m = m;
            this.sum = new double[m];
            this.products = new double[m * m];
        }

        void add(float[] h, int n) {
            if (shift == null && n > 0) {
                shift = new double[m];
                for (int j = 0; j < m; j++) {
                    shift[j] = h[j];
                }
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

        /** {mean, std, covariance}. */
        double[][] result() {
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
    }
}

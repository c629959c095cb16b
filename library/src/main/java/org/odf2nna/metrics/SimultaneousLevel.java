package org.odf2nna.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The one level at which several regression prediction bounds on the same rows ({@link LossBound#regression}) must
 * be drawn so that the chance of <em>any</em> of them failing on a fresh set is at most 5% together: the max-T
 * method (Westfall and Young 1993) with the normal approximation the bounds already use. Each bound's standardised
 * error is approximately normal, and across candidates they are correlated as the candidates' per-row differences of
 * squared errors are. The level is where the largest of them exceeds its quantile 5% of the time, measured by drawing
 * from that normal with the rows' correlation.
 *
 * <p>Why: networks of one pruning chain err on the same rows, so their bounds move together. Splitting the 5% into
 * parts (Bonferroni's way) pays as if they were independent: on pole's chain of 14 rounds each round's own part was
 * 0.02% to 1.1%, and one round that failed by chance took with it the level it would have handed on. Paying only for the
 * candidates' actual dependence judges every round at the same, larger level.
 */
public final class SimultaneousLevel {

    /** Draws of the normal vector; the quantile's Monte Carlo error is then about 0.01 in z. */
    static final int DRAWS = 20_000;

    /** Fixed, so that the same rows and candidates always give the same level. */
    private static final long SEED = 0x0df2_2023L;

    private SimultaneousLevel() {
    }

    /**
     * @param differences per candidate, each row's squared error minus the original's (all of the same length)
     * @param alpha       the chance of any false pass allowed together (0.05)
     * @return the level for each candidate's bound: {@code alpha} for a single candidate, at least alpha / count
     *         (Bonferroni's) and at most alpha
     */
    public static double level(List<double[]> differences, double alpha) {
        List<double[]> standardised = new ArrayList<>();
        for (double[] d : differences) {
            double[] s = standardise(d);
            if (s != null) {
                standardised.add(s);
            }
        }
        int k = standardised.size();
        if (k <= 1) {
            return alpha;
        }
        double[][] factor = cholesky(correlation(standardised));
        double[] maxima = new double[DRAWS];
        Random random = new Random(SEED);
        double[] g = new double[k];
        for (int draw = 0; draw < DRAWS; draw++) {
            for (int i = 0; i < k; i++) {
                g[i] = random.nextGaussian();
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < k; i++) {
                double z = 0;
                for (int j = 0; j <= i; j++) {
                    z += factor[i][j] * g[j];
                }
                max = Math.max(max, z);
            }
            maxima[draw] = max;
        }
        Arrays.sort(maxima);
        double critical = maxima[(int) Math.ceil((1 - alpha) * DRAWS) - 1];
        double level = upperTail(critical);
        // Monte Carlo noise must not carry the level past what either bound already allows.
        return Math.max(alpha / k, Math.min(alpha, level));
    }

    /** Centred and scaled to unit sum of squares, or null when constant (its bound has no noise to pay for). */
    private static double[] standardise(double[] d) {
        double mean = 0;
        for (double v : d) {
            mean += v;
        }
        mean /= d.length;
        double[] s = new double[d.length];
        double squares = 0;
        for (int r = 0; r < d.length; r++) {
            s[r] = d[r] - mean;
            squares += s[r] * s[r];
        }
        if (!(squares > 0)) {
            return null;
        }
        double norm = Math.sqrt(squares);
        for (int r = 0; r < s.length; r++) {
            s[r] /= norm;
        }
        return s;
    }

    private static double[][] correlation(List<double[]> standardised) {
        int k = standardised.size();
        double[][] c = new double[k][k];
        for (int i = 0; i < k; i++) {
            c[i][i] = 1;
            double[] a = standardised.get(i);
            for (int j = 0; j < i; j++) {
                double[] b = standardised.get(j);
                double sum = 0;
                for (int r = 0; r < a.length; r++) {
                    sum += a[r] * b[r];
                }
                c[i][j] = sum;
                c[j][i] = sum;
            }
        }
        return c;
    }

    /**
     * Lower-triangular L with L·Lᵀ = c. A correlation matrix of near-identical candidates is singular or nearly so: a
     * column with nothing left of its own is set to zero, which keeps L·Lᵀ = c up to rounding.
     */
    static double[][] cholesky(double[][] c) {
        int k = c.length;
        double[][] l = new double[k][k];
        for (int j = 0; j < k; j++) {
            double diagonal = c[j][j];
            for (int p = 0; p < j; p++) {
                diagonal -= l[j][p] * l[j][p];
            }
            if (diagonal <= 1e-12) {
                continue;
            }
            l[j][j] = Math.sqrt(diagonal);
            for (int i = j + 1; i < k; i++) {
                double sum = c[i][j];
                for (int p = 0; p < j; p++) {
                    sum -= l[i][p] * l[j][p];
                }
                l[i][j] = sum / l[j][j];
            }
        }
        return l;
    }

    /**
     * P(Z &gt; z) for a standard normal Z, by Marsaglia's series (2004): absolute error about 1e-15 for |z| &le; 8, far
     * below the Monte Carlo error of the quantile it converts.
     */
    static double upperTail(double z) {
        if (z < -8) {
            return 1;
        }
        if (z > 8) {
            return 0;
        }
        double sum = z;
        double term = z;
        for (int i = 3; sum + term != sum; i += 2) {
            term = term * z * z / i;
            sum += term;
        }
        return 0.5 - sum * Math.exp(-0.5 * z * z - 0.91893853320467274178);
    }
}

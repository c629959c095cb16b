package org.odf2nna.metrics;

/**
 * A one-sided test on the mean of bounded variables by betting (Waudby-Smith and Ramdas 2024, "Estimating means of
 * bounded random variables by betting", JRSS-B, the predictable plug-in bets): whether n independent draws of a
 * variable in [lo, hi] show, at level δ, that its mean is below m.
 *
 * <p>Rescaled to y = (x − lo)/(hi − lo) in [0, 1] and μ = (m − lo)/(hi − lo), a gambler bets against "the mean is at
 * least μ": draw i multiplies the capital by 1 + λ_i·(μ − y_i), λ_i chosen from draws 1 … i − 1 alone. For every mean
 * μ' ≥ μ and 0 ≤ λ_i ≤ 1/(1 − μ') each factor is positive with expectation at most 1 under that mean, so the capital is
 * a nonnegative supermartingale and reaches 1/δ with chance at most δ (Ville's inequality). With λ_i ≤ c/(1 − μ), c =
 * 3/4, the bets are allowed for every μ' ≥ μ, and the capital only grows with μ for fixed bets: a capital of 1/δ at μ
 * therefore rejects every mean from μ up, so "the mean is below m" fails to hold falsely with chance at most δ.
 *
 * <p>The bets: λ_i = min(sqrt(2·ln(1/δ) / (n·σ̂²_{i−1})), c/(1 − μ)), σ̂² the running variance with a prior of 1/4 at
 * mean 1/2 (their equations 26 and 27, tuned for a fixed n). Unlike an empirical-Bernstein bound, whose range term
 * 7·B·ln(2/δ)/(3(n − 1)) pays for the whole range B however little the draws vary, the bets grow as the draws prove
 * steady: on steady draws the capital grows by about c/(1 − μ)·(μ − ȳ) a draw.
 */
final class BettingBound {

    /** c: the largest share of the allowed bet placed (their recommended 1/2 to 3/4). */
    static final double TRUNCATION = 0.75;

    private BettingBound() {
    }

    /**
     * Whether the draws show their mean below {@code m} at {@code level}: the capital bet against "mean ≥ m" reaches
     * 1/level. Draws outside [lo, hi] are taken at the nearer end (callers keep them within).
     */
    static boolean meanBelow(double[] x, double lo, double hi, double m, double level) {
        return logCapital(x, lo, hi, m, level) >= Math.log(1 / level);
    }

    /** The log of the capital after all draws, in their given order. */
    static double logCapital(double[] x, double lo, double hi, double m, double level) {
        double width = hi - lo;
        double mu = (m - lo) / width;
        if (mu >= 1) {
            return Double.POSITIVE_INFINITY;
        }
        if (mu <= 0) {
            return Double.NEGATIVE_INFINITY;
        }
        int n = x.length;
        double cap = TRUNCATION / (1 - mu);
        double twoLogOverN = 2 * Math.log(1 / level) / n;
        double sum = 0.5;
        double squares = 0.25;
        double log = 0;
        for (int i = 0; i < n; i++) {
            double variance = squares / (i + 1);
            double lambda = Math.min(Math.sqrt(twoLogOverN / variance), cap);
            double y = Math.min(1, Math.max(0, (x[i] - lo) / width));
            log += Math.log1p(lambda * (mu - y));
            sum += y;
            double mean = sum / (i + 2);
            squares += (y - mean) * (y - mean);
        }
        return log;
    }

    /**
     * The least m (to a millionth of the range) at which {@link #meanBelow} holds, or NaN when not even m = hi does:
     * what these draws vouch for. Found by bisection, taking the test as monotone in m, which it nearly is.
     */
    static double smallestBelow(double[] x, double lo, double hi, double level) {
        double top = hi - 1e-9 * (hi - lo);
        if (!meanBelow(x, lo, hi, top, level)) {
            return Double.NaN;
        }
        double a = lo;
        double b = top;
        for (int i = 0; i < 60 && b - a > 1e-6 * (hi - lo); i++) {
            double mid = (a + b) / 2;
            if (meanBelow(x, lo, hi, mid, level)) {
                b = mid;
            } else {
                a = mid;
            }
        }
        return b;
    }

    /**
     * The fewest draws, all at {@code at}, that show a mean below {@code m}: what a set needs before it can vouch for
     * anything; {@link Long#MAX_VALUE} beyond 2^26.
     */
    static long drawsNeeded(double lo, double hi, double at, double m, double level) {
        if (!(m > at)) {
            return Long.MAX_VALUE;
        }
        int n = 2;
        while (!meanBelow(filled(n, at), lo, hi, m, level)) {
            if (n >= 1 << 26) {
                return Long.MAX_VALUE;
            }
            n *= 2;
        }
        int a = n / 2;
        int b = n;
        while (b - a > Math.max(1, b / 200)) {
            int mid = (a + b) >>> 1;
            if (meanBelow(filled(mid, at), lo, hi, m, level)) {
                b = mid;
            } else {
                a = mid;
            }
        }
        return b;
    }

    private static double[] filled(int n, double value) {
        double[] x = new double[n];
        java.util.Arrays.fill(x, value);
        return x;
    }
}

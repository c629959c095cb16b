package org.odf2nna.metrics;

import java.util.Locale;

/**
 * A one-sided 95% bound on how much worse a candidate model is than the original, from their predictions on rows that
 * chose nothing, and whether it stays within the tolerance. Both kinds are <em>prediction</em> bounds: they speak of
 * what a user's own fresh test set of as many rows, from the same distribution, would show, not only of the mean.
 *
 * <p>Classification ({@link ExactPrediction}): a candidate holds when, whatever the true rates of lost and gained rows,
 * the chance that these rows look as good as they did and a fresh set of as many rows then loses more than the
 * tolerance is at most 5%. Exact binomial sums, no normal approximation: with 0 of 179 rows changed the bound is not
 * zero but 1.68 points. Without targets every changed prediction counts as a lost one, so unlabelled rows (inputs the
 * original never saw, such as production inputs) certify agreement. A set too small to certify the tolerance even when
 * no prediction changed is a {@code smallSet}: nothing holds on it, and the rule says how many rows would be needed.
 * Regression: the bound is a 95% prediction bound on the MSE's relative increase that a new set of as many rows would
 * show, from the paired per-row differences of squared errors: the standard error times √2, since that set's own noise
 * counts as much as the judged rows'.
 *
 * @param rows      rows compared
 * @param changed   rows whose predicted class differs from the original's (regression: 0)
 * @param lost      rows the original got right and the candidate wrong (without targets: the changed rows;
 *                  regression: 0)
 * @param gained    rows the original got wrong and the candidate right (regression: 0)
 * @param estimate  the loss measured: accuracy points as a share (0.01 = one point), or the MSE's relative increase
 * @param upper     its one-sided 95% prediction bound for a fresh set of {@code rows} rows
 * @param tolerance the most the loss may be, in the same unit
 * @param holds     whether the candidate keeps the promise
 * @param rule      how {@code holds} was decided, in words
 * @param smallSet  whether the rows are too few to certify the tolerance even with no prediction changed
 * @param confidence the bound's one-sided confidence (0.95)
 */
public record LossBound(int rows, int changed, int lost, int gained, double estimate, double upper, double tolerance,
        boolean holds, String rule, boolean smallSet, double confidence) {

    /** One-sided 95% normal quantile (regression's bound). */
    public static final double Z = 1.6448536269514722;

    /** The bounds' one-sided confidence. */
    public static final double CONFIDENCE = 1 - ExactPrediction.ALPHA;

    /**
     * @param original  the original's predicted class per row
     * @param candidate the candidate's
     * @param targets   the true class per row, or null when the rows have none
     * @param tolerance accuracy loss allowed, as a share (0.01 = one point)
     */
    public static LossBound classification(int[] original, int[] candidate, int[] targets, double tolerance) {
        return classification(original, candidate, targets, tolerance, ExactPrediction.ALPHA);
    }

    /**
     * {@link #classification(int[], int[], int[], double)} at another level: the chance of passing and then losing
     * more than the tolerance on a fresh set that is allowed (0.05 for 95%).
     */
    public static LossBound classification(int[] original, int[] candidate, int[] targets, double tolerance,
            double level) {
        int n = original.length;
        int changed = 0;
        int lost = 0;
        int gained = 0;
        for (int r = 0; r < n; r++) {
            if (original[r] == candidate[r]) {
                continue;
            }
            changed++;
            if (targets == null || original[r] == targets[r]) {
                lost++;
            } else if (candidate[r] == targets[r]) {
                gained++;
            }
        }
        if (n == 0) {
            return new LossBound(0, 0, 0, 0, Double.NaN, Double.NaN, tolerance, false, "no rows to judge on", true,
                    1 - level);
        }
        double estimate = (double) (targets == null ? lost : lost - gained) / n;
        if (!certifiable(n, tolerance)) {
            return new LossBound(n, changed, lost, gained, estimate, Double.NaN, tolerance, false,
                    tooFew(n, tolerance), true, 1 - level);
        }
        // Which test is decided by the number of rows alone, never by what they show: the one that counts every
        // changed prediction as lost needs fewer rows when few change, the one with targets lets gains offset losses.
        boolean labelled = targets != null && new ExactPrediction(n, 0, 0, true, n).holds(ExactPrediction.allowed(
                tolerance, n));
        ExactPrediction test = labelled ? new ExactPrediction(n, lost, gained, true, n, level)
                : new ExactPrediction(n, changed, 0, false, n, level);
        int allowed = ExactPrediction.allowed(tolerance, n);
        boolean holds = test.holds(allowed);
        int bound = test.bound();
        String unit = labelled ? "accuracy loss" : targets == null ? "share of changed predictions"
                : "share of changed predictions (too few rows to let gains offset losses)";
        return new LossBound(n, changed, lost, gained, estimate, (double) bound / n, tolerance, holds,
                String.format(Locale.ROOT, "%s prediction bound (exact binomial) on the %s a new set of %d rows "
                        + "would show at most %s", percent(1 - level), unit, n, pointsInWords(tolerance)), false,
                1 - level);
    }

    /**
     * Whether {@code rows} rows could certify {@code tolerance} at all: whether a candidate that changed no prediction
     * on them would hold.
     */
    public static boolean certifiable(int rows, double tolerance) {
        return rows > 0 && new ExactPrediction(rows, 0, 0, false, rows).holds(ExactPrediction.allowed(tolerance,
                rows));
    }

    /** The fewest rows that can certify {@code tolerance} (when no prediction changed on them). */
    public static int rowsNeeded(double tolerance) {
        return ExactPrediction.rowsNeeded(tolerance, false);
    }

    /** The smallest tolerance {@code rows} rows can certify (when no prediction changed on them), as a share. */
    public static double certifiableTolerance(int rows) {
        return (double) new ExactPrediction(rows, 0, 0, false, rows).bound() / rows;
    }

    /** Why {@code rows} rows cannot certify {@code tolerance}, in words: what they can certify, and what would. */
    public static String tooFew(int rows, double tolerance) {
        int needed = rowsNeeded(tolerance);
        return String.format(Locale.ROOT, "%d rows cannot certify a loss of at most %s even if no prediction "
                + "changed on them (that needs %s rows; these can certify %s)", rows, pointsInWords(tolerance),
                needed == Integer.MAX_VALUE ? "too many" : String.valueOf(needed),
                pointsInWords(certifiableTolerance(rows)));
    }

    /**
     * @param original  the original's outputs per row
     * @param candidate the candidate's
     * @param targets   the targets
     * @param tolerance relative MSE increase allowed (0.1 = 10%)
     */
    public static LossBound regression(float[] original, float[] candidate, float[] targets, int rows,
            double tolerance) {
        return regression(original, candidate, targets, rows, tolerance, ExactPrediction.ALPHA);
    }

    /** {@link #regression(float[], float[], float[], int, double)} at another level (0.05 for 95%). */
    public static LossBound regression(float[] original, float[] candidate, float[] targets, int rows,
            double tolerance, double level) {
        double z = normalQuantile(1 - level);
        if (rows == 0) {
            return new LossBound(0, 0, 0, 0, Double.NaN, Double.NaN, tolerance, false, "no rows to judge on", true,
                    1 - level);
        }
        double[] differences = squaredErrorDifferences(original, candidate, targets, rows);
        double sumOriginal = 0;
        double sum = 0;
        double sumSquares = 0;
        for (int r = 0; r < rows; r++) {
            double eo = original[r] - targets[r];
            double d = differences[r];
            sumOriginal += eo * eo;
            sum += d;
            sumSquares += d * d;
        }
        double mse = sumOriginal / rows;
        double mean = sum / rows;
        double variance = rows > 1 ? Math.max(0, (sumSquares - sum * mean) / (rows - 1)) : 0;
        double estimate = mse > 0 ? mean / mse : (mean > 0 ? Double.POSITIVE_INFINITY : 0);
        double upper = mse > 0 ? (mean + z * Math.sqrt(2 * variance / rows)) / mse : estimate;
        return new LossBound(rows, 0, 0, 0, estimate, upper, tolerance, upper <= tolerance + 1e-12,
                String.format(Locale.ROOT, "%s prediction bound on the MSE's increase on %d new rows at most %s%%",
                        percent(1 - level), rows, points(tolerance)), false, 1 - level);
    }

    /**
     * Per row, the candidate's squared error minus the original's: what a regression bound is drawn from, and what
     * {@link SimultaneousLevel} correlates across the rounds of a chain.
     */
    public static double[] squaredErrorDifferences(float[] original, float[] candidate, float[] targets, int rows) {
        double[] d = new double[rows];
        for (int r = 0; r < rows; r++) {
            double eo = original[r] - targets[r];
            double ec = candidate[r] - targets[r];
            d[r] = ec * ec - eo * eo;
        }
        return d;
    }

    /** The standard normal's p-quantile (Acklam's rational approximation, relative error below 1.2e-9). */
    static double normalQuantile(double p) {
        if (!(p > 0 && p < 1)) {
            throw new IllegalArgumentException("p must lie in (0, 1): " + p);
        }
        double[] a = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
            -3.066479806614716e+01, 2.506628277459239e+00};
        double[] b = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
            -1.328068155288572e+01};
        double[] c = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
            4.374664141464968e+00, 2.938163982698783e+00};
        double[] d = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
        double low = 0.02425;
        if (p < low) {
            double q = Math.sqrt(-2 * Math.log(p));
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                    / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        if (p > 1 - low) {
            return -normalQuantile(1 - p);
        }
        double q = p - 0.5;
        double r = q * q;
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }

    /** An accuracy loss in words: "1 point", "2.94 points". */
    static String pointsInWords(double share) {
        String number = points(share).replaceFirst("\\.0+$", "").replaceFirst("(\\.\\d*?)0+$", "$1");
        return number + (number.equals("1") ? " point" : " points");
    }

    /** A confidence in words: "95%", "97.4%". */
    static String percent(double confidence) {
        return points(confidence).replaceFirst("\\.?0+$", "") + "%";
    }

    private static String points(double share) {
        return String.format(Locale.ROOT, "%.3g", share * 100);
    }
}

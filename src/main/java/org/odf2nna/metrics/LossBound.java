package org.odf2nna.metrics;

import java.util.Locale;

/**
 * A one-sided upper bound (95% unless a {@link Confidence} says otherwise) on how much worse a candidate model is
 * than the original, from their predictions on rows neither was tuned on, and whether it stays within the tolerance.
 *
 * <p>Classification: with targets, the accuracy loss is the mean of d = [original right] − [candidate right] over the
 * rows; its bound is the mean plus 1.645 standard errors, the standard error counting one more changed row than seen
 * (so that a candidate that changed nothing on few rows is not certified by a zero variance). Without targets every
 * changed prediction counts as a loss. A set too small to certify the tolerance even when nothing changed (fewer than
 * 1.645 / tolerance rows: 165 for one point) can only say that nothing changed: then the candidate holds when it
 * changed no prediction there. Regression: the bound is a 95% prediction bound on the MSE's relative increase that a
 * new set of as many rows would show, from the paired per-row differences of squared errors: the standard error
 * times √2, since that set's own noise counts as much as the judged rows'. A few rows carry most of an MSE, so the
 * relative increase two halves of one file show differs by about that much (docs/COMPARISON.md); a bound on the
 * mean alone was passed by models that then lost more than the tolerance on the other half.
 *
 * @param rows      rows compared
 * @param changed   rows whose predicted class differs from the original's (regression: 0)
 * @param lost      rows the original got right and the candidate wrong (regression: 0)
 * @param gained    rows the original got wrong and the candidate right (regression: 0)
 * @param estimate  the loss measured: accuracy points as a share (0.01 = one point), or the MSE's relative increase
 * @param upper     its one-sided upper bound at {@code confidence}
 * @param tolerance the most the loss may be, in the same unit
 * @param holds     whether the candidate keeps the promise on these rows
 * @param rule      how {@code holds} was decided, in words
 * @param smallSet  whether the rows were too few to certify the tolerance (then {@code holds} asks that no prediction
 *                  changed there, see {@link #guardedBy})
 * @param confidence the bound's one-sided confidence (0.95, or higher for a retry: {@link Confidence#afterFailures});
 *                  on a small set it is not used
 */
public record LossBound(int rows, int changed, int lost, int gained, double estimate, double upper, double tolerance,
        boolean holds, String rule, boolean smallSet, double confidence) {

    /** One-sided 95% normal quantile. */
    public static final double Z = 1.6448536269514722;

    /**
     * The confidence a bound is computed at, and why, in words appended to its rule.
     *
     * @param level one-sided confidence, in (0.5, 1)
     * @param why   empty, or a parenthesis that says why it is not 95%
     */
    public record Confidence(double level, String why) {

        /** The usual 95%. */
        public static final Confidence STANDARD = new Confidence(0.95, "");

        public Confidence {
            if (!(level > 0.5 && level < 1)) {
                throw new IllegalArgumentException("confidence must lie in (0.5, 1): " + level);
            }
        }

        /**
         * For a candidate judged after {@code failures} candidates for the same step failed. Each retry after a
         * failure is one more draw near the tolerance, and one of them passing by chance is what the search keeps:
         * so the 5% is shared among the failures and this candidate (Bonferroni), 1 − 0.05 / (failures + 1).
         * Measured on LeNet-300-100 (docs/COMPARISON.md), the plain 95% passed a retry that lost more than the
         * tolerance on the test half.
         */
        public static Confidence afterFailures(int failures) {
            if (failures <= 0) {
                return STANDARD;
            }
            return new Confidence(1 - 0.05 / (failures + 1), String.format(Locale.ROOT,
                    " (the 5%% shared with the %d round%s that failed before)", failures, failures == 1 ? "" : "s"));
        }

        /** The one-sided normal quantile of {@link #level}. */
        double z() {
            return level == 0.95 ? Z : normalQuantile(level);
        }

        /** The level in words: "95%", "97.5%", "98.3%". */
        String percent() {
            return points(level).replaceFirst("\\.?0+$", "") + "%";
        }
    }

    /**
     * @param original  the original's predicted class per row
     * @param candidate the candidate's
     * @param targets   the true class per row, or null when the rows have none
     * @param tolerance accuracy loss allowed, as a share (0.01 = one point)
     */
    public static LossBound classification(int[] original, int[] candidate, int[] targets, double tolerance) {
        return classification(original, candidate, targets, tolerance, Confidence.STANDARD);
    }

    /** {@link #classification(int[], int[], int[], double)} at another confidence (not used on a small set). */
    public static LossBound classification(int[] original, int[] candidate, int[] targets, double tolerance,
            Confidence confidence) {
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
                    confidence.level());
        }
        double estimate = (double) (lost - gained) / n;
        double spread = (double) (lost + gained + 1) / n - estimate * estimate;
        double upper = estimate + confidence.z() * Math.sqrt(Math.max(0, spread) / n);
        boolean small = Z / n > tolerance;
        String unit = targets == null ? "changed predictions" : "accuracy loss";
        if (small) {
            return new LossBound(n, changed, lost, gained, estimate, upper, tolerance, changed == 0,
                    String.format(Locale.ROOT, "%d rows cannot certify a loss of at most %s points (one row is %s); "
                            + "held to no changed prediction on them", n, points(tolerance), points(1.0 / n)), true,
                    confidence.level());
        }
        return new LossBound(n, changed, lost, gained, estimate, upper, tolerance, upper <= tolerance + 1e-12,
                String.format(Locale.ROOT, "%s upper bound on the %s at most %s points%s", confidence.percent(), unit,
                        points(tolerance), confidence.why()), false, confidence.level());
    }

    /**
     * @param original  the original's outputs per row
     * @param candidate the candidate's
     * @param targets   the targets
     * @param tolerance relative MSE increase allowed (0.1 = 10%)
     */
    public static LossBound regression(float[] original, float[] candidate, float[] targets, int rows,
            double tolerance) {
        return regression(original, candidate, targets, rows, tolerance, Confidence.STANDARD);
    }

    /** {@link #regression(float[], float[], float[], int, double)} at another confidence. */
    public static LossBound regression(float[] original, float[] candidate, float[] targets, int rows,
            double tolerance, Confidence confidence) {
        if (rows == 0) {
            return new LossBound(0, 0, 0, 0, Double.NaN, Double.NaN, tolerance, false, "no rows to judge on", true,
                    confidence.level());
        }
        double sumOriginal = 0;
        double sum = 0;
        double sumSquares = 0;
        for (int r = 0; r < rows; r++) {
            double eo = original[r] - targets[r];
            double ec = candidate[r] - targets[r];
            double d = ec * ec - eo * eo;
            sumOriginal += eo * eo;
            sum += d;
            sumSquares += d * d;
        }
        double mse = sumOriginal / rows;
        double mean = sum / rows;
        double variance = rows > 1 ? Math.max(0, (sumSquares - sum * mean) / (rows - 1)) : 0;
        double estimate = mse > 0 ? mean / mse : (mean > 0 ? Double.POSITIVE_INFINITY : 0);
        double upper = mse > 0 ? (mean + confidence.z() * Math.sqrt(2 * variance / rows)) / mse : estimate;
        return new LossBound(rows, 0, 0, 0, estimate, upper, tolerance, upper <= tolerance + 1e-12,
                String.format(Locale.ROOT, "%s prediction bound on the MSE's increase on %d new rows at most %s%%%s",
                        confidence.percent(), rows, points(tolerance), confidence.why()), false, confidence.level());
    }

    /**
     * On a set too small to certify the tolerance, no changed prediction there is weak evidence: the candidate must
     * also change the class of at most the tolerance's share of the training rows (which retraining saw, so this
     * only catches candidates that stray from the original even where they were taught to follow it). On a set
     * large enough the bound alone decides.
     *
     * @param trainingChange share of the training rows whose predicted class differs from the original's
     */
    public LossBound guardedBy(double trainingChange) {
        if (!smallSet || rows == 0) {
            return this;
        }
        return new LossBound(rows, changed, lost, gained, estimate, upper, tolerance,
                holds && trainingChange <= tolerance + 1e-12, rule + String.format(Locale.ROOT, ", and to at most %s%% "
                        + "of the training rows changing class (%s%% did)", points(tolerance), points(trainingChange)),
                true, confidence);
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

    private static String points(double share) {
        return String.format(Locale.ROOT, "%.3g", share * 100);
    }
}

package org.odf2nna.metrics;

import java.util.Locale;

/**
 * How much worse a candidate model is than the original, from their predictions on rows that chose nothing, and
 * whether a fresh set of as many rows, from the same distribution, would stay within the tolerance. It is a
 * <em>prediction</em> test: it speaks of what a user's own new set of as many rows would show, not only of the mean.
 *
 * <p>Classification ({@link ExactPrediction}): a candidate holds when, whatever the true rates of lost and gained rows,
 * the chance that these rows look as good as they did and a fresh set of as many rows then loses more than the
 * tolerance is at most the level (5% for one candidate; a chain's rounds share one 5%, {@link ChainCertificate}).
 * Exact binomial sums, no normal approximation: with 0 of 179 rows changed, 1.68 points is the least that can be
 * certified. Without targets every changed prediction counts as a lost one, so unlabelled rows (inputs the original
 * never saw, such as production inputs) certify agreement. A set too small to certify the tolerance even when no
 * prediction changed is a {@code smallSet}: nothing holds on it, and the rule says how many rows would be needed.
 *
 * <p>Regression: a new set of n rows breaks when its MSE rises by more than the tolerance t, that is when the mean over
 * its rows of the pivot w = (candidate's squared error − original's) − t · original's squared error is positive. The
 * candidate holds when the judged rows' mean of w plus the normal quantile times √2 standard errors (the new set's
 * own noise counts as much as the judged rows') is at most 0. The pivot carries the noise of the new set's own MSE in
 * the denominator, which a bound on the mean difference alone would leave out. A normal approximation needs the
 * difference spread over many rows: when the few rows with the largest increase ({@link #heavyRows}) use up more than
 * half of what the tolerance allows on these rows, nothing holds, and the rule says so.
 *
 * <p>{@code certified} is the smallest tolerance these rows certify at the level: the least tolerance at which the test
 * above would pass. It is what the rows can vouch for at this level, not a coverage bound; only pass or fail at the
 * given tolerance carries the promise.
 *
 * @param rows              rows compared
 * @param changed           rows whose predicted class differs from the original's (regression: 0)
 * @param lost              rows the original got right and the candidate wrong (without targets: the changed rows;
 *                          regression: 0)
 * @param gained            rows the original got wrong and the candidate right (regression: 0)
 * @param estimate          the loss measured: accuracy points as a share (0.01 = one point), or the MSE's relative
 *                          increase
 * @param certified         the smallest tolerance these rows certify at this level, in the same unit (NaN when the
 *                          rows cannot certify any)
 * @param tolerance         the most the loss may be, in the same unit
 * @param holds             whether the candidate keeps the promise
 * @param rule              how {@code holds} was decided, in words
 * @param smallSet          whether the rows are too few to certify the tolerance even with no prediction changed
 * @param confidence        one minus the level the test was run at (0.95 for one candidate alone)
 * @param gainsOffsetLosses classification: whether the test let gained rows offset lost ones (targets given and rows
 *                          enough); false when every change counted as a loss, and for regression
 */
public record LossBound(int rows, int changed, int lost, int gained, double estimate, double certified,
        double tolerance, boolean holds, String rule, boolean smallSet, double confidence,
        boolean gainsOffsetLosses) {

    /** This bound, measured but not tested: it does not hold, and {@code why} says so before the rule. */
    public LossBound notTested(String why) {
        return new LossBound(rows, changed, lost, gained, estimate, certified, tolerance, false, why + " (" + rule + ")",
                smallSet, confidence, gainsOffsetLosses);
    }

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
        return classification(original, candidate, targets, tolerance, level, ChainCertificate.Reading.NEW_SET);
    }

    /**
     * {@link #classification(int[], int[], int[], double, double)} for a reading: {@link
     * ChainCertificate.Reading#NEW_SET} speaks of a new set of as many rows ({@link ExactPrediction}), {@link
     * ChainCertificate.Reading#POPULATION} of the true loss on the data the rows come from ({@link PopulationTest}).
     */
    public static LossBound classification(int[] original, int[] candidate, int[] targets, double tolerance,
            double level, ChainCertificate.Reading reading) {
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
                    1 - level, false);
        }
        double estimate = (double) (targets == null ? lost : lost - gained) / n;
        if (reading == ChainCertificate.Reading.POPULATION) {
            return inPopulation(new int[] {n, changed, lost, gained}, estimate, targets != null, tolerance, level);
        }
        if (!certifiable(n, tolerance)) {
            return new LossBound(n, changed, lost, gained, estimate, Double.NaN, tolerance, false,
                    tooFew(n, tolerance), true, 1 - level, false);
        }
        boolean labelled = targets != null && gainsCanOffsetLosses(n, tolerance);
        ExactPrediction test = labelled ? new ExactPrediction(n, lost, gained, true, n, level)
                : new ExactPrediction(n, changed, 0, false, n, level);
        int allowed = ExactPrediction.allowed(tolerance, n);
        boolean holds = test.holds(allowed);
        int bound = test.bound();
        String unit = labelled ? "accuracy loss" : targets == null ? "share of changed predictions"
                : "share of changed predictions (too few rows to let gains offset losses)";
        return new LossBound(n, changed, lost, gained, estimate, (double) bound / n, tolerance, holds,
                String.format(Locale.ROOT, "exact binomial test at the %s level on the %s a new set of %d "
                        + "rows would show at most %s", percent(level), unit, n, pointsInWords(tolerance)), false, 1 - level, labelled);
    }

    /** The population reading's bound; {@code counts}: rows, changed, lost, gained. */
    private static LossBound inPopulation(int[] counts, double estimate, boolean targets, double tolerance,
            double level) {
        int n = counts[0];
        int changed = counts[1];
        int lost = counts[2];
        int gained = counts[3];
        if (!PopulationTest.holds(n, 0, 0, false, tolerance, ExactPrediction.ALPHA)) {
            return new LossBound(n, changed, lost, gained, estimate, Double.NaN, tolerance, false,
                    tooFewInPopulation(n, tolerance), true, 1 - level, false);
        }
        // Decided by the rows' number alone, as for the new set: gains offset losses once they could certify.
        boolean labelled = targets && PopulationTest.holds(n, 0, 0, true, tolerance, ExactPrediction.ALPHA);
        int l = labelled ? lost : changed;
        int g = labelled ? gained : 0;
        boolean holds = PopulationTest.holds(n, l, g, labelled, tolerance, level);
        String unit = labelled ? "accuracy loss" : !targets ? "share of changed predictions"
                : "share of changed predictions (too few rows to let gains offset losses)";
        return new LossBound(n, changed, lost, gained, estimate, PopulationTest.bound(n, l, g, labelled, level),
                tolerance, holds, String.format(Locale.ROOT, "exact binomial test at the %s level that the %s on "
                        + "the data these %d rows come from is at most %s", percent(level), unit, n,
                        pointsInWords(tolerance)), false, 1 - level, labelled);
    }

    /** The fewest rows that can certify {@code tolerance} on the population reading (none changed on them). */
    public static int rowsNeededInPopulation(double tolerance) {
        // (1 − t)^n ≤ 5%: the label-free test's least n
        return tolerance <= 0 ? Integer.MAX_VALUE
                : (int) Math.ceil(Math.log(ExactPrediction.ALPHA) / Math.log1p(-tolerance) - 1e-9);
    }

    private static String tooFewInPopulation(int rows, double tolerance) {
        double can = 1 - Math.pow(ExactPrediction.ALPHA, 1.0 / rows);
        return String.format(Locale.ROOT, "%d rows cannot certify a loss of at most %s even if no prediction "
                + "changed on them (that needs %d rows; these can certify %s)", rows, pointsInWords(tolerance),
                rowsNeededInPopulation(tolerance), pointsInWords(can));
    }

    /**
     * Which test judges labelled rows, decided by their number alone, never by what they show: the one that counts
     * every changed prediction as lost needs fewer rows when few change; the one with targets lets gains offset
     * losses, once there are rows enough for it to certify the tolerance at all.
     */
    public static boolean gainsCanOffsetLosses(int rows, double tolerance) {
        return rows > 0 && new ExactPrediction(rows, 0, 0, true, rows).holds(ExactPrediction.allowed(tolerance,
                rows));
    }

    /**
     * Whether {@code rows} rows could certify {@code tolerance} at all: whether a candidate that changed no prediction
     * on them would hold.
     */
    public static boolean certifiable(int rows, double tolerance) {
        return rows > 0 && new ExactPrediction(rows, 0, 0, false, rows).holds(ExactPrediction.allowed(tolerance,
                rows));
    }

    /** {@link #certifiable(int, double)} under a reading. */
    public static boolean certifiable(int rows, double tolerance, ChainCertificate.Reading reading) {
        return reading == ChainCertificate.Reading.NEW_SET ? certifiable(rows, tolerance)
                : rows > 0 && PopulationTest.holds(rows, 0, 0, false, tolerance, ExactPrediction.ALPHA);
    }

    /** {@link #tooFew(int, double)} under a reading. */
    public static String tooFew(int rows, double tolerance, ChainCertificate.Reading reading) {
        return reading == ChainCertificate.Reading.NEW_SET ? tooFew(rows, tolerance)
                : tooFewInPopulation(rows, tolerance);
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
                    1 - level, false);
        }
        double[] d = squaredErrorDifferences(original, candidate, targets, rows);
        double[] e = new double[rows];
        double sumE = 0;
        double sumD = 0;
        for (int r = 0; r < rows; r++) {
            double eo = original[r] - targets[r];
            e[r] = eo * eo;
            sumE += e[r];
            sumD += d[r];
        }
        double estimate = sumE > 0 ? sumD / sumE : (sumD > 0 ? Double.POSITIVE_INFINITY : 0);
        Pivot pivot = new Pivot(d, e, z);
        Heavy heavy = heavyRows(d, tolerance * sumE);
        if (heavy != null) {
            return new LossBound(rows, 0, 0, 0, estimate, Double.NaN, tolerance, false, String.format(Locale.ROOT,
                    "no certificate: the %d validation row%s with the largest squared-error increase carr%s %s of "
                    + "the MSE rise that %s allows, more than half (a normal bound cannot speak for rows like "
                    + "these)", heavy.rows(), heavy.rows() == 1 ? "" : "s", heavy.rows() == 1 ? "ies" : "y",
                    percent(heavy.share()), percent(tolerance)), false, 1 - level, false);
        }
        return new LossBound(rows, 0, 0, 0, estimate, pivot.smallestCertified(estimate), tolerance,
                pivot.holds(tolerance), String.format(Locale.ROOT, "normal test at the %s level on the MSE's rise "
                        + "on %d new rows at most %s%%", percent(level), rows, points(tolerance)), false, 1 - level, false);
    }

    /**
     * The rows that carry a regression candidate's increase: the largest ⌈n / 1000⌉ (at least 1) per-row increases
     * of squared error, and their share of what the tolerance allows on these rows, when that share is more than half;
     * null otherwise. One row outside what the training rows covered can add a tenth of the MSE by itself: present in
     * a new set and absent from the judged one, it breaks a promise the judged rows could not see coming.
     *
     * @param differences per row, the candidate's squared error minus the original's
     * @param allowed     the tolerance times the original's sum of squared errors on these rows
     */
    static Heavy heavyRows(double[] differences, double allowed) {
        int k = Math.max(1, differences.length / 1000);
        double[] sorted = differences.clone();
        java.util.Arrays.sort(sorted);
        double top = 0;
        for (int i = 0; i < k && i < sorted.length; i++) {
            top += Math.max(0, sorted[sorted.length - 1 - i]);
        }
        if (!(allowed > 0) || top <= 0.5 * allowed) {
            return null;
        }
        return new Heavy(k, top / allowed);
    }

    /** {@link #heavyRows}' finding: how many rows, and their share of what the tolerance allows. */
    record Heavy(int rows, double share) {
    }

    /**
     * Regression's pivot per tolerance t: w(t) = d − t·e per row (d the increase of squared error, e the original's
     * squared error), judged by its mean plus z·√2 standard errors.
     */
    private static final class Pivot {
        private final double meanD;
        private final double meanE;
        private final double varD;
        private final double varE;
        private final double covDE;
        private final double scale;

        Pivot(double[] d, double[] e, double z) {
            int n = d.length;
            double sd = 0;
            double se = 0;
            for (int r = 0; r < n; r++) {
                sd += d[r];
                se += e[r];
            }
            meanD = sd / n;
            meanE = se / n;
            double vd = 0;
            double ve = 0;
            double c = 0;
            for (int r = 0; r < n; r++) {
                vd += (d[r] - meanD) * (d[r] - meanD);
                ve += (e[r] - meanE) * (e[r] - meanE);
                c += (d[r] - meanD) * (e[r] - meanE);
            }
            int dof = Math.max(1, n - 1);
            varD = vd / dof;
            varE = ve / dof;
            covDE = c / dof;
            scale = z * Math.sqrt(2.0 / n);
        }

        /** The judged rows' mean of w(t) plus z·√2 standard errors: the test passes when it is at most 0. */
        double upper(double t) {
            double variance = Math.max(0, varD - 2 * t * covDE + t * t * varE);
            return meanD - t * meanE + scale * Math.sqrt(variance);
        }

        boolean holds(double tolerance) {
            return upper(tolerance) <= 1e-12 * Math.max(1, meanE);
        }

        /** The least t at which the test passes (bisection: upper(t) is convex, so the passing t form one interval). */
        double smallestCertified(double estimate) {
            double lo = Double.isFinite(estimate) ? estimate : 0;
            double hi = Math.max(lo, 0) + 1e-3;
            while (upper(hi) > 0) {
                if (hi > 1e6) {
                    return Double.NaN;
                }
                lo = hi;
                hi *= 2;
            }
            for (int i = 0; i < 80; i++) {
                double mid = (lo + hi) / 2;
                if (upper(mid) > 0) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            return hi;
        }
    }

    /**
     * Per row, the candidate's squared error minus the original's: what a regression bound is drawn from.
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

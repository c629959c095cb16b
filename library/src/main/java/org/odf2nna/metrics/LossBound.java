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
 * <p>Regression is judged by {@link BoundedRegression}, which returns its verdict in this record too.
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

    /** The bounds' one-sided confidence. */
    public static final double CONFIDENCE = 1 - ExactPrediction.ALPHA;

    /** One candidate's level, the chance of a false pass it is allowed (0.05). */
    public static final double LEVEL = ExactPrediction.ALPHA;

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

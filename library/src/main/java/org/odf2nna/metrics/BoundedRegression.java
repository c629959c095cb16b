package org.odf2nna.metrics;

import java.util.Locale;

/**
 * Regression's judge with a bounded per-row loss: whether a candidate's MSE rises by at most the tolerance t over the
 * original's, by an empirical-Bernstein bound that a few rare heavy rows cannot fool.
 *
 * <p><b>The bounded loss.</b> Both models' outputs are clipped to the range [lo, hi] of the training targets (in the
 * units the judge works in), and validation targets outside that range are refused ({@link #checkTargets}). Each row's
 * squared error then lies in [0, R²], R = hi − lo. The written model holds the same clip (a Clip on its output), so
 * the promise is about what users run. The original is judged clipped too: on targets inside the range, clipping the
 * original's output can only lower its squared error, so a rise of at most t over the clipped original is a rise of
 * at most t over the original as it is.
 *
 * <p><b>The test.</b> Per row the pivot w = e_cand − (1 + t)·e_orig, with e the clipped squared errors, lies in
 * [−(1 + t)·R², R²], a range of width B = (2 + t)·R². The MSE rises by at most t exactly when the mean of w is at most
 * 0. Maurer and Pontil (2009, "Empirical Bernstein bounds and sample variance penalization", COLT, Theorem 4): for n
 * independent draws Z_i of a variable in [0, 1], with probability at least 1 − δ,
 * <pre>  E Z ≤ Z̄ + sqrt(2·V_n·ln(2/δ) / n) + 7·ln(2/δ) / (3·(n − 1)),</pre>
 * V_n the sample variance (divided by n − 1). The theorem is one-sided as stated (its ln(2/δ) pays for Bennett's
 * inequality and for the bound on the variance, δ/2 each). Scaled to the range B it reads
 * <pre>  E w ≤ w̄ + sqrt(2·V_n·ln(2/δ) / n) + 7·B·ln(2/δ) / (3·(n − 1)).</pre>
 * <ul>
 * <li>{@link ChainCertificate.Reading#POPULATION}: the round holds when that bound at δ = the level is at most 0: the
 * true MSE rise on the distribution the validation rows come from is at most t, except with chance δ.</li>
 * <li>{@link ChainCertificate.Reading#NEW_SET}: a new set of m = n rows breaks when its own mean of w is positive. The
 * level is split in two equal parts (union bound), L = ln(2/δ): σ, the standard deviation of w, is at most
 * σ̄ = sqrt(V_n) + B·sqrt(2L / (n − 1)) (Maurer and Pontil, Theorem 10, one-sided as stated); and the new set's mean
 * minus the validation rows' is a weighted sum of n + m independent rows with mean 0 and variance σ²·(1/n + 1/m),
 * each term at most B/min(n, m), so by Bernstein's inequality it exceeds sqrt(2L·σ²·(1/n + 1/m)) + 2BL/(3·min(n, m))
 * with chance at most δ/2. The round holds when w̄ + σ̄·sqrt(2L·(1/n + 1/m)) + 2BL/(3·min(n, m)) ≤ 0.</li>
 * </ul>
 * The assumption: rows drawn independently from one distribution (rows in clusters break it), targets within the
 * training targets' range. Nothing else: no normal approximation, no finite-variance condition beyond the clip.
 *
 * <p>The price: the range term grows with R² and shrinks only as 1/n. With R² hundreds of times the original's MSE,
 * thousands of rows cannot certify a rise of 10% ({@link #rowsNeeded}); the rule says so when nothing holds.
 */
public final class BoundedRegression {

    private BoundedRegression() {
    }

    /**
     * The range outputs are clipped to.
     *
     * @param lo    least training target, in the judge's units
     * @param hi    greatest training target, in the judge's units
     * @param words the range as the rule names it, in the user's units (for example "[0, 100]")
     */
    public record Range(double lo, double hi, String words) {
        public Range {
            if (!(Double.isFinite(lo) && Double.isFinite(hi) && lo <= hi)) {
                throw new IllegalArgumentException("a range needs finite lo <= hi: [" + lo + ", " + hi + "]");
            }
        }

        /** The range named by its own numbers. */
        public static Range of(double lo, double hi) {
            return new Range(lo, hi, "[" + number(lo) + ", " + number(hi) + "]");
        }

        /** R = hi − lo. */
        public double width() {
            return hi - lo;
        }

        /** {@code x} held to the range. */
        public double clip(double x) {
            return Math.min(hi, Math.max(lo, x));
        }
    }

    /** The range of the first {@code rows} training targets (the targets in the judge's units). */
    public static Range trainingRange(float[] targets, int rows) {
        if (rows < 1) {
            throw new IllegalArgumentException("no training targets to take a range from");
        }
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int r = 0; r < rows; r++) {
            lo = Math.min(lo, targets[r]);
            hi = Math.max(hi, targets[r]);
        }
        return Range.of(lo, hi);
    }

    /** The first row whose target lies outside {@code range} (NaN included), or −1 when none does. */
    public static int firstOutside(float[] targets, int rows, Range range) {
        for (int r = 0; r < rows; r++) {
            if (!(targets[r] >= range.lo() && targets[r] <= range.hi())) {
                return r;
            }
        }
        return -1;
    }

    /**
     * Why a validation target outside {@code range} is refused, in words after the place that names its row: the
     * dense chain's and the graph's sweeps say it alike.
     *
     * @param target the target as the message prints it, in the model's units
     */
    public static String outsideRange(String target, Range range) {
        return String.format(Locale.ROOT, "target %s lies outside the training targets' range %s: regression is "
                + "judged on outputs clipped to that range, which bounds each row's squared error, and a target "
                + "outside it cannot be judged so; nothing was written (give validation rows whose targets lie within "
                + "the training targets' range)", target, range.words());
    }

    /**
     * Refuses targets outside {@code range}: the bound speaks only of rows whose squared error the clip bounds.
     *
     * @throws IllegalArgumentException naming the first such row (0-based) and its target
     */
    public static void checkTargets(float[] targets, int rows, Range range) {
        int r = firstOutside(targets, rows, range);
        if (r >= 0) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "row %d: target %s lies outside the "
                    + "training targets' range %s", r, number(targets[r]), range.words()));
        }
    }

    /**
     * Judges {@code candidate} against {@code original} on {@code rows} validation rows, both clipped to
     * {@code range}.
     *
     * @param tolerance the MSE's relative rise allowed (0.1 = 10%)
     * @param level     δ, the chance of a false pass allowed for this candidate
     * @param reading   what the promise speaks of
     * @throws IllegalArgumentException when a target lies outside {@code range} ({@link #checkTargets})
     */
    public static LossBound judge(float[] original, float[] candidate, float[] targets, int rows, Range range,
            double tolerance, double level, ChainCertificate.Reading reading) {
        checkTargets(targets, rows, range);
        if (rows < 2) {
            return new LossBound(rows, 0, 0, 0, Double.NaN, Double.NaN, tolerance, false, "fewer than 2 rows to "
                    + "judge on", true, 1 - level, false);
        }
        Pivot pivot = Pivot.of(original, candidate, targets, rows, range);
        Bound bound = new Bound(pivot, range.width() * range.width(), level, reading);
        double estimate = pivot.meanE() > 0 ? pivot.meanD() / pivot.meanE()
                : (pivot.meanD() > 0 ? Double.POSITIVE_INFINITY : 0);
        boolean holds = bound.upper(tolerance) <= 0;
        double certified = bound.smallestPassing();
        Pivot same = pivot.identical();
        // Too few rows: a failing candidate that even the original itself (no change on any row) could not beat.
        boolean smallSet = !holds && new Bound(same, range.width() * range.width(), level, reading)
                .upper(tolerance) > 0;
        String rule = String.format(Locale.ROOT, "empirical-Bernstein bound (Maurer and Pontil 2009) at the %s level "
                + "on the MSE's rise %s at most %s%%, assuming rows drawn independently from one distribution; "
                + "outputs clipped to the training targets' range %s", LossBound.percent(level),
                reading == ChainCertificate.Reading.NEW_SET ? "on a new set of " + rows + " rows"
                        : "on the data these " + rows + " rows come from", number(100 * tolerance), range.words());
        if (!holds) {
            rule += why(pivot, range, tolerance, level, reading);
        }
        return new LossBound(rows, 0, 0, 0, estimate, certified, tolerance, holds, rule, smallSet, 1 - level, false);
    }

    /**
     * Judges a shift of a bounded per-row loss, by the same empirical-Bernstein bound: whether the candidate's mean
     * loss is at most {@code allowed} above the original's, every row's loss of either model in [0, {@code range}].
     * The pivot is d = ℓ_cand − ℓ_orig − allowed, in [−range − allowed, range − allowed], a width of 2·range, which the
     * bound's B = (2 + t)·range (t = allowed ≥ 0) covers: {@link Pivot} with e = 1 on every row, so w(t) = d − t. A
     * language model's rounds are judged so, ℓ a window's mean cross-entropy per token (capped) and {@code allowed}
     * ln(1 + the perplexity rise allowed) (docs/promise.md).
     *
     * @param original  each row's loss under the original, in [0, range]
     * @param candidate each row's loss under the candidate, in [0, range]
     * @param allowed   the rise of the mean loss allowed, ≥ 0, in the loss's units
     * @param level     δ, the chance of a false pass allowed for this candidate
     * @param what      the loss in words, for the rule ("the mean cross-entropy per token")
     * @return estimate and certified in the loss's units (the mean rise, and the least allowed rise that passes)
     */
    public static LossBound judgeShift(double[] original, double[] candidate, double range, double allowed,
            double level, ChainCertificate.Reading reading, String what) {
        int rows = original.length;
        if (rows < 2) {
            return new LossBound(rows, 0, 0, 0, Double.NaN, Double.NaN, allowed, false, "fewer than 2 rows to "
                    + "judge on", true, 1 - level, false);
        }
        double[] d = new double[rows];
        double[] one = new double[rows];
        for (int r = 0; r < rows; r++) {
            d[r] = candidate[r] - original[r];
            one[r] = 1;
        }
        Pivot pivot = Pivot.of(d, one);
        if (reading != ChainCertificate.Reading.NEW_SET) {
            return shiftByBetting(d, pivot.meanD(), range, allowed, level, what);
        }
        Bound bound = new Bound(pivot, range, level, reading);
        boolean holds = bound.upper(allowed) <= 0;
        boolean smallSet = !holds && new Bound(pivot.identical(), range, level, reading).upper(allowed) > 0;
        String rule = String.format(Locale.ROOT, "empirical-Bernstein bound (Maurer and Pontil 2009) at the %s level "
                + "on the rise of %s on a new set of %d rows at most %s, assuming rows drawn independently from one "
                + "distribution; each row's loss within [0, %s]", LossBound.percent(level), what, rows,
                number(allowed), number(range));
        if (smallSet) {
            rule += String.format(Locale.ROOT, " (the bound's range term alone needs %s rows to fall below that)",
                    shiftRowsNeeded(range, allowed, level, reading));
        }
        return new LossBound(rows, 0, 0, 0, pivot.meanD(), bound.smallestPassing(), allowed, holds, rule, smallSet,
                1 - level, false);
    }

    /**
     * The population reading of {@link #judgeShift}: the rise d per row lies in [−range, range], and the round holds
     * when bets against "the mean rise is at least {@code allowed}" multiply their stake by 1/level ({@link
     * BettingBound}); far fewer rows than the empirical-Bernstein bound's range term needs when the rise is steady.
     */
    private static LossBound shiftByBetting(double[] d, double mean, double range, double allowed, double level,
            String what) {
        int rows = d.length;
        boolean holds = BettingBound.meanBelow(d, -range, range, allowed, level);
        boolean smallSet = !holds && !BettingBound.meanBelow(new double[rows], -range, range, allowed, level);
        String rule = String.format(Locale.ROOT, "betting test (Waudby-Smith and Ramdas 2024) at the %s level on the "
                + "rise of %s on the data these %d rows come from at most %s, assuming rows drawn independently from "
                + "one distribution; each row's loss within [0, %s]", LossBound.percent(level), what, rows,
                number(allowed), number(range));
        if (smallSet) {
            long needed = BettingBound.drawsNeeded(-range, range, 0, allowed, level);
            rule += String.format(Locale.ROOT, " (even with no change at all it needs %s rows to pass)",
                    needed == Long.MAX_VALUE ? "too many" : String.format(Locale.ROOT, "%,d", needed));
        }
        return new LossBound(rows, 0, 0, 0, mean, BettingBound.smallestBelow(d, -range, range, level), allowed, holds,
                rule, smallSet, 1 - level, false);
    }

    /** The fewest rows whose range term alone is below {@code allowed} ({@link #rowsNeeded} in a shift's units). */
    static String shiftRowsNeeded(double range, double allowed, double level, ChainCertificate.Reading reading) {
        // rowsNeeded reads B = (2 + t)·ratio against t·1: the ratio is the range over a mean loss of 1.
        long n = rowsNeeded(range, allowed, level, reading);
        return n == Long.MAX_VALUE ? "too many" : String.format(Locale.ROOT, "%,d", n);
    }

    /** When a candidate fails: the arithmetic of the range term against the rise allowed, in words. */
    private static String why(Pivot pivot, Range range, double tolerance, double level,
            ChainCertificate.Reading reading) {
        double r2 = range.width() * range.width();
        if (!(pivot.meanE() > 0) || !(tolerance > 0)) {
            return "";
        }
        long needed = rowsNeeded(r2 / pivot.meanE(), tolerance, level, reading);
        return String.format(Locale.ROOT, " (R² = (hi − lo)² is %s times the original's clipped MSE on these rows, "
                + "the rise allowed %s times it; the bound's range term alone needs %s rows to fall below that)",
                number(r2 / pivot.meanE()), number(tolerance), needed == Long.MAX_VALUE ? "too many"
                        : String.format(Locale.ROOT, "%,d", needed));
    }

    /**
     * The fewest rows whose range terms alone (a pivot with no variance at all) are below the rise allowed, B =
     * (2 + t)·R², L = ln(2/δ): population 7·B·L / (3·(n − 1)) ≤ t·MSE; new set
     * B·sqrt(2L / (n − 1))·sqrt(4L / n) + 2BL / (3n) ≤ t·MSE.
     *
     * @param ratio R² over the original's clipped MSE
     */
    public static long rowsNeeded(double ratio, double tolerance, double level, ChainCertificate.Reading reading) {
        double b = (2 + tolerance) * ratio;
        double l = Math.log(2 / level);
        if (!(tolerance > 0) || !Double.isFinite(b)) {
            return Long.MAX_VALUE;
        }
        if (reading != ChainCertificate.Reading.NEW_SET) {
            double n = 1 + 7 * b * l / (3 * tolerance);
            return n < 1e15 ? (long) Math.ceil(n) : Long.MAX_VALUE;
        }
        java.util.function.LongPredicate enough = n -> b * Math.sqrt(2 * l / (n - 1)) * Math.sqrt(4 * l / n)
                + 2 * b * l / (3.0 * n) <= tolerance;
        long hi = 2;
        while (!enough.test(hi)) {
            if (hi > 1e15) {
                return Long.MAX_VALUE;
            }
            hi *= 2;
        }
        long lo = Math.max(2, hi / 2);
        while (lo < hi) {
            long mid = (lo + hi) / 2;
            if (enough.test(mid)) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return hi;
    }

    /**
     * The rows' moments of the pivot's two parts: d = e_cand − e_orig and e = e_orig, so that w(t) = d − t·e.
     */
    record Pivot(int n, double meanD, double meanE, double varD, double varE, double covDE) {

        static Pivot of(float[] original, float[] candidate, float[] targets, int rows, Range range) {
            double[] d = new double[rows];
            double[] e = new double[rows];
            for (int r = 0; r < rows; r++) {
                double eo = range.clip(original[r]) - targets[r];
                double ec = range.clip(candidate[r]) - targets[r];
                e[r] = eo * eo;
                d[r] = ec * ec - e[r];
            }
            return of(d, e);
        }

        static Pivot of(double[] d, double[] e) {
            int n = d.length;
            double sd = 0;
            double se = 0;
            for (int r = 0; r < n; r++) {
                sd += d[r];
                se += e[r];
            }
            double md = sd / n;
            double me = se / n;
            double vd = 0;
            double ve = 0;
            double c = 0;
            for (int r = 0; r < n; r++) {
                vd += (d[r] - md) * (d[r] - md);
                ve += (e[r] - me) * (e[r] - me);
                c += (d[r] - md) * (e[r] - me);
            }
            int dof = Math.max(1, n - 1);
            return new Pivot(n, md, me, vd / dof, ve / dof, c / dof);
        }

        /** The same rows for a candidate identical to the original (d = 0 on every row). */
        Pivot identical() {
            return new Pivot(n, 0, meanE, 0, varE, 0);
        }

        double mean(double t) {
            return meanD - t * meanE;
        }

        double variance(double t) {
            return Math.max(0, varD - 2 * t * covDE + t * t * varE);
        }
    }

    /** The upper confidence bound on the pivot's mean (population) or on a new set's mean of it (new set). */
    record Bound(Pivot pivot, double r2, double level, ChainCertificate.Reading reading) {

        /** The bound at tolerance t; the test passes when it is at most 0. Convex in t. */
        double upper(double t) {
            int n = pivot.n();
            double b = (2 + t) * r2;
            double sd = Math.sqrt(pivot.variance(t));
            if (reading == ChainCertificate.Reading.NEW_SET) {
                double l = Math.log(2 / level);
                double sigma = sd + b * Math.sqrt(2 * l / (n - 1));
                int m = n;
                return pivot.mean(t) + sigma * Math.sqrt(2 * l * (1.0 / n + 1.0 / m))
                        + 2 * b * l / (3.0 * Math.min(n, m));
            }
            double l = Math.log(2 / level);
            return pivot.mean(t) + Math.sqrt(2 * pivot.variance(t) * l / n) + 7 * b * l / (3.0 * (n - 1));
        }

        /**
         * The least t ≥ −1 at which the test passes, or NaN when none up to 10⁶ does: the bound is convex in t, so the
         * passing t form one interval; its least point is found by bisection below the bound's minimum.
         */
        double smallestPassing() {
            double a = -1;
            double z = 1e6;
            double golden = (Math.sqrt(5) - 1) / 2;
            for (int i = 0; i < 200 && z - a > 1e-12 * Math.max(1, Math.abs(z)); i++) {
                double x1 = z - golden * (z - a);
                double x2 = a + golden * (z - a);
                if (upper(x1) <= upper(x2)) {
                    z = x2;
                } else {
                    a = x1;
                }
            }
            double best = (a + z) / 2;
            if (upper(best) > 0) {
                return Double.NaN;
            }
            if (upper(-1) <= 0) {
                return -1;
            }
            double lo = -1;
            double hi = best;
            for (int i = 0; i < 100; i++) {
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

    /** A number as the rule prints it: up to 6 significant digits, no trailing zeros. */
    static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.format(Locale.ROOT, "%d", (long) v);
        }
        return String.format(Locale.ROOT, "%.6g", v).replaceFirst("(\\.\\d*?)0+(e|$)", "$1$2")
                .replaceFirst("\\.(e|$)", "$1");
    }
}

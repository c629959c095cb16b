package org.odf2nna.metrics;

/**
 * The exact test behind a classification {@link LossBound}: whether a fresh set of {@code m} rows from the same
 * distribution would show a loss above the tolerance, judged from {@code n} rows that chose nothing.
 *
 * <p>Each row is one draw of d = [original right] − [candidate right] ∈ {−1, 0, 1} (without targets: d = [class
 * changed], every change counted as a loss). The unknown is θ = (r, q): r the share of rows with d ≠ 0, q the share of
 * those with d = 1. A candidate passes at break count {@code c} when
 * <pre>  sup over θ of  P_θ(the judged rows look as good as they did) · P_θ(the fresh rows' net loss count > c)  ≤ α</pre>
 * Because the two sets are independent, the product is the chance of passing and then breaking on the fresh rows, so
 * whatever θ is, a candidate that passes loses more than c rows' worth on a fresh set at most α of the time. "As good as
 * they did" orders outcomes by the lost count (without targets), or by lost − gained plus a studentising term (so that
 * many changes that cancel count as weaker evidence than few); with targets, a tenth of the level goes to a Clopper–Pearson
 * bound on r from the judged rows, and the supremum runs over r up to it (Berger and Boos). Sums are exact binomial
 * probabilities; the supremum is taken on a grid (in q each cell is bounded by its corners, both factors being
 * monotone in q; in r a dense log grid, refined around its worst point).
 */
final class ExactPrediction {

    /** The chance of passing and then breaking that is allowed, unless a level is given. */
    static final double ALPHA = 0.05;

    private static final double Z = 1.6448536269514722;
    /**
     * Labelled rows: the share of the 5% spent on bounding r from the judged rows' own count of lost and gained rows
     * (Berger and Boos): the supremum then runs over r up to that bound only, since a nuisance r far above what the
     * rows show would make any outcome look possible.
     */
    static final double NUISANCE_SHARE = 0.1;
    private static final int R_POINTS = 72;
    private static final int Q_CELLS = 24;
    /** Binomial terms beyond this many standard deviations from the mean are left out (mass below 1e-18). */
    private static final double SPAN = 9.5;

    private final int n;
    private final int m;
    private final double alpha;
    private final int lost;
    private final int gained;
    private final boolean labelled;
    private final double observed;
    private final double[] rs;
    private final double[] qs;
    /** A(r, q) per grid point (labelled), or A(r) (unlabelled, q = 1). */
    private final double[][] looksAsGood;

    /**
     * @param n      rows judged
     * @param lost   rows with d = 1 (without targets: changed rows)
     * @param gained rows with d = −1 (without targets: 0)
     * @param m      rows of the fresh set the promise speaks of
     */
    ExactPrediction(int n, int lost, int gained, boolean labelled, int m) {
        this(n, lost, gained, labelled, m, ALPHA);
    }

    /** The same at another level (the chance of passing and then breaking allowed). */
    ExactPrediction(int n, int lost, int gained, boolean labelled, int m, double alpha) {
        this.alpha = alpha;
        this.n = n;
        this.m = m;
        this.lost = lost;
        this.gained = labelled ? gained : 0;
        this.labelled = labelled;
        this.observed = labelled ? statistic(lost, gained) : lost;
        int total = Math.max(n, m);
        this.rs = new double[labelled ? R_POINTS : 4 * R_POINTS];
        double low = Math.log(0.02 / total);
        double top = labelled ? Math.log(upperRate(n, lost + gained, alpha * NUISANCE_SHARE)) : 0;
        for (int i = 0; i < rs.length; i++) {
            rs[i] = Math.min(1, Math.exp(low + (top - low) * i / (rs.length - 1)));
        }
        this.qs = new double[labelled ? Q_CELLS + 1 : 1];
        for (int j = 0; j < qs.length; j++) {
            qs[j] = labelled ? (double) j / Q_CELLS : 1;
        }
        this.looksAsGood = new double[rs.length][qs.length];
        for (int i = 0; i < rs.length; i++) {
            for (int j = 0; j < qs.length; j++) {
                looksAsGood[i][j] = labelled ? looksAsGood(rs[i], qs[j]) : Binomial.cdf(n, lost, rs[i]);
            }
        }
    }

    /** The studentised loss count that orders labelled outcomes (larger: worse). */
    private double statistic(int l, int g) {
        int k = l + g;
        return 2.0 * l - k + Z * Math.sqrt((k + 1) * (1 + (double) n / m));
    }

    /** P_θ(statistic ≤ observed) on n rows. */
    private double looksAsGood(double r, double q) {
        double sum = 0;
        int[] range = range(n, r);
        double limit = observed + 1e-9;
        for (int k = range[0]; k <= range[1]; k++) {
            double pk = Binomial.pmf(n, k, r);
            if (pk == 0) {
                continue;
            }
            // statistic ≤ limit  ⟺  2l − k + Z√(...) ≤ limit  ⟺  l ≤ (limit + k − Z√(...)) / 2
            double bound = (limit + k - Z * Math.sqrt((k + 1) * (1 + (double) n / m))) / 2;
            if (bound < 0) {
                continue;
            }
            int l = (int) Math.floor(bound);
            sum += pk * (l >= k ? 1 : Binomial.cdf(k, l, q));
        }
        return Math.min(1, sum);
    }

    /** P_θ(net loss count on m fresh rows > c). */
    private double breaks(double r, double q, int c) {
        if (!labelled) {
            return Binomial.upperTail(m, c, r);
        }
        double sum = 0;
        int[] range = range(m, r);
        for (int k = Math.max(range[0], c + 1); k <= range[1]; k++) {
            // 2l − k > c  ⟺  l > (c + k) / 2
            int l = Math.floorDiv(c + k, 2);
            if (l >= k) {
                continue;
            }
            sum += Binomial.pmf(m, k, r) * Binomial.upperTail(k, l, q);
        }
        return Math.min(1, sum);
    }

    private static int[] range(int trials, double r) {
        double mean = trials * r;
        double sd = Math.sqrt(trials * r * (1 - r));
        return new int[] {(int) Math.max(0, Math.floor(mean - SPAN * sd - 2)),
            (int) Math.min(trials, Math.ceil(mean + SPAN * sd + 2))};
    }

    /**
     * The supremum of P(pass-looking rows) · P(break) at break count c, or an upper bound on it; values above
     * {@code stopAbove} may be returned as soon as one is found (the caller only asks whether it is at most α).
     */
    double risk(int c, double stopAbove) {
        double worst = 0;
        int worstR = 0;
        int worstQ = 0;
        for (int i = 0; i < rs.length; i++) {
            if (!labelled) {
                // A(r) falls and P(break) rises with r: each cell [r_i, r_i+1] is bounded by its corners.
                double a = looksAsGood[i][0];
                if (a <= worst) {
                    continue;
                }
                double b = breaks(i + 1 < rs.length ? rs[i + 1] : rs[i], 1, c);
                worst = Math.max(worst, a * b);
            } else {
                for (int j = 0; j < qs.length - 1; j++) {
                    double a = looksAsGood[i][j];
                    if (a <= worst) {
                        continue;
                    }
                    double v = a * breaks(rs[i], qs[j + 1], c);
                    if (v > worst) {
                        worst = v;
                        worstR = i;
                        worstQ = j;
                    }
                }
            }
            if (worst > stopAbove) {
                return worst;
            }
        }
        if (labelled) {
            worst = Math.max(worst, refined(c, worstR, worstQ));
        }
        return worst;
    }

    /** Between the r grid's points the product can rise a little: look closer around the worst grid cell. */
    private double refined(int c, int bi, int bj) {
        double worst = 0;
        double from = rs[Math.max(0, bi - 1)];
        double to = rs[Math.min(rs.length - 1, bi + 1)];
        for (int s = 0; s <= 12; s++) {
            double r = from * Math.pow(to / from, s / 12.0);
            worst = Math.max(worst, looksAsGood(r, qs[bj]) * breaks(r, qs[bj + 1], c));
        }
        return worst;
    }

    /** Whether a fresh set's net loss count stays at most c, at this test's level. */
    boolean holds(int c) {
        double allowed = labelled ? alpha * (1 - NUISANCE_SHARE) : alpha;
        return c >= m || risk(c, allowed) <= allowed;
    }

    /** The one-sided (1 − β) Clopper–Pearson upper bound on a rate from k events in n trials. */
    static double upperRate(int n, int k, double beta) {
        if (k >= n) {
            return 1;
        }
        double lo = (double) k / n;
        double hi = 1;
        for (int i = 0; i < 60; i++) {
            double mid = (lo + hi) / 2;
            if (Binomial.cdf(n, k, mid) > beta) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return hi;
    }

    /** The smallest break count c that {@link #holds}: the prediction bound, in rows of the fresh set. */
    int bound() {
        int lo = Math.max(0, (int) Math.floor((lost - gained) * (double) m / Math.max(1, n)));
        if (lo > 0 && holds(lo - 1)) {
            lo = 0;
        }
        int hi = m;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (holds(mid)) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** The break count a tolerance (a share of the fresh set's rows) allows. */
    static int allowed(double tolerance, int m) {
        return (int) Math.floor(tolerance * m + 1e-9);
    }

    /**
     * Rows that could certify the tolerance at all: the fewest n (judging n rows, promising for as many) at which a
     * candidate that changed nothing holds.
     */
    static int rowsNeeded(double tolerance, boolean labelled) {
        int hi = 16;
        while (!new ExactPrediction(hi, 0, 0, labelled, hi).holds(allowed(tolerance, hi))) {
            hi *= 2;
            if (hi > 1 << 24) {
                return Integer.MAX_VALUE;
            }
        }
        int lo = hi / 2;
        while (lo + 1 < hi) {
            int mid = (lo + hi) >>> 1;
            if (new ExactPrediction(mid, 0, 0, labelled, mid).holds(allowed(tolerance, mid))) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return hi;
    }
}

package org.odf2nna.metrics;

/**
 * The exact test behind the population reading ({@link ChainCertificate.Reading#POPULATION}): whether a candidate's
 * true loss against the original, on the distribution the judged rows are drawn from, is at most the tolerance.
 *
 * <p>Each row is one draw of d = [original right] − [candidate right] ∈ {−1, 0, 1} (without targets: d = [class
 * changed], every change counted as a loss). The unknown is θ = (r, q): r the share of rows with d ≠ 0, q the share of
 * those with d = 1, so the true loss is r(2q − 1) (without targets: r). The null hypothesis is "the loss exceeds the
 * tolerance t"; the candidate holds when it is rejected at level α:
 * <ul>
 * <li>without targets, the changed count x is Binomial(n, r) and the p-value is P(Binomial(n, t) ≤ x), the worst case
 * of the null (one-sided Clopper–Pearson);</li>
 * <li>with targets, outcomes are ordered by the studentised net count 2l − k + z√(k + 1) (k = l + g: many changes
 * that cancel are weaker evidence than few), the chance of looking as good as observed is largest on the null's
 * boundary q = (1 + t/r)/2, and the supremum over r runs over a one-sided Clopper–Pearson bound on r at a tenth of
 * the level (Berger and Boos 1994): p = sup + α/10. Sums are exact binomial probabilities; the supremum is taken on
 * a dense grid of r, refined around its worst point.</li>
 * </ul>
 * Unlike {@link ExactPrediction} there is no new set here: the claim is about the data the rows come from, which is
 * what "accuracy" means to a user whose deployment sees many rows.
 */
final class PopulationTest {

    private static final double Z = 1.6448536269514722;
    /** With targets: the share of the level spent on bounding r from the judged rows (Berger and Boos). */
    static final double NUISANCE_SHARE = 0.1;
    private static final int R_POINTS = 96;
    private static final double SPAN = 9.5;

    private PopulationTest() {
    }

    /**
     * Whether the candidate's true loss is at most {@code tolerance}, at level {@code alpha}.
     *
     * @param n        rows judged
     * @param lost     rows the original got right and the candidate wrong (without targets: changed rows)
     * @param gained   rows the original got wrong and the candidate right (without targets: ignored)
     * @param labelled whether gains offset losses
     */
    static boolean holds(int n, int lost, int gained, boolean labelled, double tolerance, double alpha) {
        if (n <= 0) {
            return false;
        }
        if (tolerance >= 1) {
            return true;
        }
        if (!labelled) {
            return Binomial.cdf(n, lost, tolerance) <= alpha;
        }
        double gamma = alpha * NUISANCE_SHARE;
        double top = ExactPrediction.upperRate(n, lost + gained, gamma);
        if (top <= tolerance) {
            return true; // the bound on r excludes every r the null allows: p = γ ≤ α
        }
        return supremum(n, lost, gained, tolerance, top, alpha - gamma) <= alpha - gamma;
    }

    /**
     * The smallest tolerance these counts pass at {@code alpha}, as a share (to 1e-5): what the rows vouch for. NaN
     * when none below 1 passes.
     */
    static double bound(int n, int lost, int gained, boolean labelled, double alpha) {
        if (n <= 0 || !holds(n, lost, gained, labelled, 1 - 1e-9, alpha)) {
            return Double.NaN;
        }
        double lo = labelled ? Math.max(0, (double) (lost - gained) / n) : (double) lost / n;
        if (holds(n, lost, gained, labelled, lo, alpha)) {
            return lo;
        }
        double hi = 1 - 1e-9;
        while (hi - lo > 1e-5) {
            double mid = (lo + hi) / 2;
            if (holds(n, lost, gained, labelled, mid, alpha)) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return hi;
    }

    /** sup over r in [t, top] of P(statistic ≤ observed) at q = (1 + t/r)/2; stops early once above {@code stop}. */
    private static double supremum(int n, int lost, int gained, double t, double top, double stop) {
        double observed = statistic(lost, gained);
        double lowR = Math.max(t, 1e-12);
        double worst = 0;
        int worstAt = 0;
        double[] rs = new double[R_POINTS];
        for (int i = 0; i < R_POINTS; i++) {
            rs[i] = lowR * Math.pow(top / lowR, (double) i / (R_POINTS - 1));
            double a = looksAsGood(n, observed, rs[i], q(t, rs[i]));
            if (a > worst) {
                worst = a;
                worstAt = i;
            }
            if (worst > stop) {
                return worst;
            }
        }
        double from = rs[Math.max(0, worstAt - 1)];
        double to = rs[Math.min(R_POINTS - 1, worstAt + 1)];
        for (int s = 1; s < 16; s++) {
            double r = from * Math.pow(to / from, s / 16.0);
            worst = Math.max(worst, looksAsGood(n, observed, r, q(t, r)));
        }
        return worst;
    }

    private static double q(double t, double r) {
        return Math.min(1, (1 + t / r) / 2);
    }

    private static double statistic(int l, int g) {
        int k = l + g;
        return 2.0 * l - k + Z * Math.sqrt(k + 1.0);
    }

    /** P_θ(statistic ≤ observed) on n rows. */
    private static double looksAsGood(int n, double observed, double r, double q) {
        double mean = n * r;
        double sd = Math.sqrt(n * r * (1 - r));
        int from = (int) Math.max(0, Math.floor(mean - SPAN * sd - 2));
        int to = (int) Math.min(n, Math.ceil(mean + SPAN * sd + 2));
        double limit = observed + 1e-9;
        double sum = 0;
        for (int k = from; k <= to; k++) {
            double pk = Binomial.pmf(n, k, r);
            if (pk == 0) {
                continue;
            }
            // 2l − k + Z√(k+1) ≤ limit  ⟺  l ≤ (limit + k − Z√(k+1)) / 2
            double bound = (limit + k - Z * Math.sqrt(k + 1.0)) / 2;
            if (bound < 0) {
                continue;
            }
            int l = (int) Math.floor(bound);
            sum += pk * (l >= k ? 1 : Binomial.cdf(k, l, q));
        }
        return Math.min(1, sum);
    }
}

package org.odf2nna.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * {@link ChainCertificate}: the chain rule's error over repeated runs, simulated on chains built to break it (nested
 * changes, as a pruning chain's are: a row a round changed stays changed in the rounds after it), against the rule it
 * replaced (each round at its part of the 5% plus the level of the round before when that one held).
 *
 * <p>A run: {@code n} validation rows, 30 rounds whose net loss ramps from 0.3 to 1.3 times the tolerance, the round
 * the rule writes, and a new set of {@code n} rows drawn the same way on which the written round breaks or not. The
 * rate of runs that wrote a round that broke must stay within 5% plus three Monte Carlo standard errors.
 */
class ChainCertificateTest {

    private static final int ROUNDS = 30;
    private static final int RUNS = 4_000;
    /** The population reading's runs: 2 standard errors of a 5% rate are 0.97 points. */
    private static final int POPULATION_RUNS = 2_000;

    /** One simulated kind of chain. */
    private record Chain(int n, double tolerance, boolean labelled, double gainShare, double from, boolean even) {

        Chain(int n, double tolerance, boolean labelled, double gainShare, double from) {
            this(n, tolerance, labelled, gainShare, from, false);
        }

        /**
         * The chain's weights as sweep gives them: the share of the original's parameters each round has removed;
         * geometric (each round removes 10% of what is left, as sweep's rounds do) or, when {@code even}, the same
         * number of parameters each round.
         */
        double[] removedShares() {
            double[] shares = new double[ROUNDS];
            for (int k = 0; k < ROUNDS; k++) {
                shares[k] = even ? (k + 1.0) / (ROUNDS + 1) : 1 - Math.pow(0.9, k + 1);
            }
            return shares;
        }

        /** Round k's rate of changed rows: net loss ramping from {@code from} to 1.3 times the tolerance. */
        double changeRate(int k) {
            double net = tolerance * (from + (1.3 - from) * k / (ROUNDS - 1));
            return net / (1 - 2 * gainShare);
        }
    }

    /** A rule: which round to write from the chain's counts, or −1. */
    private interface Rule {
        int choose(Chain chain, int[] lost, int[] gained);
    }

    /**
     * Decisions at one level and one count of gained rows are monotone in the lost count (more lost, less likely to
     * hold): memoised as the largest lost count known to hold and the smallest known to fail, so that thousands of
     * runs take seconds.
     */
    private static final class Memo {
        private final Map<String, int[]> brackets = new HashMap<>();

        private final boolean population;

        Memo() {
            this(false);
        }

        Memo(boolean population) {
            this.population = population;
        }

        boolean holds(Chain c, int lost, int gained, double level) {
            int[] b = brackets.computeIfAbsent(c + "|" + gained + "|" + level, k -> new int[] {-1, c.n() + 1});
            if (lost <= b[0]) {
                return true;
            }
            if (lost >= b[1]) {
                return false;
            }
            boolean holds = population
                    ? ChainCertificate.holdsInPopulation(c.n(), c.tolerance(), c.labelled(), lost, gained, level)
                    : ChainCertificate.holds(c.n(), c.tolerance(), c.labelled(), lost, gained, level);
            if (holds) {
                b[0] = lost;
            } else {
                b[1] = lost;
            }
            return holds;
        }
    }

    /** The rule this class replaced: each round's part by the parameters it alone removes, plus the carry. */
    private static Rule carried(Memo memo) {
        return (c, lost, gained) -> {
            double[] steps = new double[ROUNDS];
            double before = 0;
            double[] removed = c.removedShares();
            for (int k = 0; k < ROUNDS; k++) {
                steps[k] = removed[k] - before;
                before = removed[k];
            }
            double[] parts = ChainCertificate.levels(steps);
            int chosen = -1;
            double carried = 0;
            for (int k = 0; k < ROUNDS; k++) {
                double level = parts[k] + carried;
                boolean holds = memo.holds(c, lost[k], gained[k], level);
                carried = holds ? level : 0;
                if (holds) {
                    chosen = k;
                }
            }
            return chosen;
        };
    }

    /** ChainCertificate's rule, through the same memo (its decisions are checked against choose() below). */
    private static Rule certificate(Memo memo) {
        return (c, lost, gained) -> {
            double[] levels = ChainCertificate.levels(c.removedShares());
            for (int k = ROUNDS - 1; k >= 0; k--) {
                if (memo.holds(c, lost[k], gained[k], levels[k])) {
                    return k;
                }
            }
            return -1;
        };
    }

    /**
     * The population reading's rule through a memo: the rounds in order, each at the whole 5%, stopping at the first
     * that fails (its decisions are checked against choose(POPULATION, …) below).
     */
    private static Rule fixedSequence(Memo memo) {
        return (c, lost, gained) -> {
            int chosen = -1;
            for (int k = 0; k < ROUNDS; k++) {
                if (!memo.holds(c, lost[k], gained[k], ChainCertificate.ALPHA)) {
                    break;
                }
                chosen = k;
            }
            return chosen;
        };
    }

    /**
     * The fallback procedure on the population reading (valid too for fixed hypotheses): round k tested at its part
     * α/ROUNDS plus the level of round k − 1 when that one passed; the last round that passed is written.
     */
    private static Rule fallback(Memo memo) {
        return (c, lost, gained) -> {
            int chosen = -1;
            double carried = 0;
            for (int k = 0; k < ROUNDS; k++) {
                double level = ChainCertificate.ALPHA / ROUNDS + carried;
                boolean holds = memo.holds(c, lost[k], gained[k], level);
                carried = holds ? level : 0;
                chosen = holds ? k : chosen;
            }
            return chosen;
        };
    }

    /**
     * Over {@link #RUNS} runs: the share that wrote a round which broke on a new set, the share that wrote at all, the
     * share that wrote a round whose true loss exceeds the tolerance (the population reading's break, known here),
     * and the mean index of the round written (−1 counted as 0 rounds: what the rule gains).
     */
    private static double[] errorRate(Chain c, Rule rule, long seed) {
        return errorRate(c, rule, seed, RUNS);
    }

    private static double[] errorRate(Chain c, Rule rule, long seed, int runs) {
        Random random = new Random(seed);
        int broke = 0;
        int wrote = 0;
        int brokeInPopulation = 0;
        long reached = 0;
        int allowed = ExactPrediction.allowed(c.tolerance(), c.n());
        double[] rates = new double[ROUNDS];
        for (int k = 0; k < ROUNDS; k++) {
            rates[k] = c.changeRate(k);
        }
        for (int run = 0; run < runs; run++) {
            int[] lost = new int[ROUNDS];
            int[] gained = new int[ROUNDS];
            for (int r = 0; r < c.n(); r++) {
                // A row's draw decides from which round on it is changed, and whether its change is a gain.
                double u = random.nextDouble();
                boolean gain = random.nextDouble() < c.gainShare();
                for (int k = ROUNDS - 1; k >= 0 && u < rates[k]; k--) {
                    if (gain) {
                        gained[k]++;
                    } else {
                        lost[k]++;
                    }
                }
            }
            if (!c.labelled()) {
                for (int k = 0; k < ROUNDS; k++) {
                    lost[k] += gained[k];
                    gained[k] = 0;
                }
            }
            int k = rule.choose(c, lost, gained);
            if (k < 0) {
                continue;
            }
            wrote++;
            reached += k + 1;
            double trueLoss = c.changeRate(k) * (c.labelled() ? 1 - 2 * c.gainShare() : 1);
            if (trueLoss > c.tolerance() + 1e-12) {
                brokeInPopulation++;
            }
            int net = 0;
            for (int r = 0; r < c.n(); r++) {
                if (random.nextDouble() < rates[k]) {
                    net += !c.labelled() || random.nextDouble() >= c.gainShare() ? 1 : -1;
                }
            }
            if (net > allowed) {
                broke++;
            }
        }
        return new double[] {(double) broke / runs, (double) wrote / runs, (double) brokeInPopulation / runs,
            (double) reached / runs};
    }

    /** 5% plus three Monte Carlo standard errors of a 5% rate over {@link #RUNS} runs. */
    private static double limit() {
        return 0.05 + 3 * Math.sqrt(0.05 * 0.95 / RUNS);
    }

    @ParameterizedTest(name = "n={0}, tolerance={1}, labelled={2}, gains={3}, ramp from {4}")
    @CsvSource({
        "300, 0.03, false, 0, 0, false",
        "1000, 0.01, false, 0, 0, false",
        "1000, 0.01, false, 0, 0.3, false",
        "5000, 0.01, false, 0, 0, false",
        "1000, 0.01, true, 0, 0, false",
        "1000, 0.01, true, 0, 0.3, false",
        "5000, 0.01, true, 0, 0, false",
        "1000, 0.01, true, 0.25, 0, false",
        "1000, 0.01, true, 0, 0.3, true",
        "1000, 0.01, false, 0, 0, true",
    })
    void theChainRuleBreaksAtMostFivePercentOfRuns(int n, double tolerance, boolean labelled, double gains,
            double from, boolean even) {
        Chain chain = new Chain(n, tolerance, labelled, gains, from, even);
        double[] now = errorRate(chain, certificate(new Memo()), 38);
        System.out.printf(Locale.ROOT, "ChainCertificateTest %s: written and broke %.2f%% of %d runs (wrote %.1f%%)%n",
                chain, 100 * now[0], RUNS, 100 * now[1]);
        assertTrue(now[0] <= limit(), String.format(Locale.ROOT, "%s: %.2f%% of runs wrote a round that broke",
                chain, 100 * now[0]));
        // Not vacuous: the rule still writes (a late, flat chain at 1000 rows is hard to certify, and rarely is).
        assertTrue(now[1] > 0.02, "the rule must still write: " + now[1]);
    }

    /**
     * The population reading (the default): fixed-sequence testing at the whole 5%. The break is known here: the
     * written round's true loss exceeds the tolerance. Chains ramp through the tolerance, so the rounds just past it
     * (the hardest nulls) are in every chain; "at" chains end exactly one step past the tolerance. Each rate must stay
     * within 5% plus two Monte Carlo standard errors, and on the labelled ramp at 1,000 rows the rule must go further
     * down the chain than the new-set rule's parts do.
     */
    @ParameterizedTest(name = "population: n={0}, tolerance={1}, labelled={2}, gains={3}, ramp from {4}")
    @CsvSource({
        "300, 0.03, false, 0, 0, false",
        "1000, 0.01, false, 0, 0, false",
        "1000, 0.01, true, 0, 0, false",
        "1000, 0.01, true, 0, 0.3, false",
        "1000, 0.01, true, 0.25, 0, false",
        "1000, 0.01, false, 0, 0.9, true",
        "5000, 0.01, true, 0, 0, false",
        "5000, 0.01, false, 0, 0.9, false",
    })
    void thePopulationReadingBreaksAtMostFivePercentOfRuns(int n, double tolerance, boolean labelled, double gains,
            double from, boolean even) {
        Chain chain = new Chain(n, tolerance, labelled, gains, from, even);
        double[] fixed = errorRate(chain, fixedSequence(new Memo(true)), 41, POPULATION_RUNS);
        System.out.printf(Locale.ROOT, "ChainCertificateTest population %s: wrote a round past the tolerance %.2f%% "
                + "of %d runs (wrote %.1f%%, %.1f rounds down the chain on average)%n", chain, 100 * fixed[2],
                POPULATION_RUNS,
                100 * fixed[1], fixed[3]);
        double limit = 0.05 + 2 * Math.sqrt(0.05 * 0.95 / POPULATION_RUNS);
        assertTrue(fixed[2] <= limit, String.format(Locale.ROOT, "%s: %.2f%% of runs wrote a round whose loss "
                + "exceeds the tolerance", chain, 100 * fixed[2]));
        assertTrue(fixed[1] > 0.02, "the rule must still write: " + fixed[1]);
        if (n == 1000 && labelled && gains == 0 && from == 0) {
            double[] parts = errorRate(chain, certificate(new Memo()), 41, POPULATION_RUNS);
            assertTrue(fixed[3] > parts[3], String.format(Locale.ROOT, "fixed sequence reaches %.2f rounds, the "
                    + "new-set parts %.2f", fixed[3], parts[3]));
        }
    }

    /**
     * The reason for the rule: chains of the test above, judged with the carry (the rule before this one), write a
     * round that breaks more often than the 5% plus its Monte Carlo error allow, so the carry fails the chain test.
     * Label-free chains break it most (8.1% to 8.4% of runs at 300 and 1,000 rows); labelled pure-loss chains of this
     * shape sit near 5.7%, and the issue that asked for this rule measured 9.0% on one with other parts.
     */
    @ParameterizedTest(name = "n={0}, tolerance={1}, labelled={2}, gains={3}, ramp from {4}, even {5}")
    @CsvSource({
        "300, 0.03, false, 0, 0, false",
        "1000, 0.01, false, 0, 0, false",
        "5000, 0.01, false, 0, 0, false",
    })
    void theCarryItReplacesBreaksMoreThanFivePercentOfRuns(int n, double tolerance, boolean labelled, double gains,
            double from, boolean even) {
        Chain chain = new Chain(n, tolerance, labelled, gains, from, even);
        double[] carry = errorRate(chain, carried(new Memo()), 38);
        System.out.printf(Locale.ROOT, "ChainCertificateTest %s: the carry wrote and broke %.2f%% of %d runs (wrote "
                + "%.1f%%)%n", chain, 100 * carry[0], RUNS, 100 * carry[1]);
        assertTrue(carry[0] > limit(), String.format(Locale.ROOT, "%s: the carry broke %.2f%%", chain,
                100 * carry[0]));
    }

    @Test
    void chooseWritesTheLastRoundThatHoldsAtItsPart() {
        int[] lost = {0, 2, 30, 1};
        int[] gained = {0, 0, 0, 0};
        double[] shares = {1, 1, 1, 1};
        boolean[] holds = ChainCertificate.judge(1000, 0.01, false, lost, gained, shares);
        // Each at 1.25%: no change and 2 changes hold, 30 changes of 1000 cannot stay within 10 of a new 1000.
        assertArrayEquals(new boolean[] {true, true, false, true}, holds);
        assertEquals(3, ChainCertificate.choose(1000, 0.01, false, lost, gained, shares));
        assertEquals(1, ChainCertificate.choose(1000, 0.01, false, new int[] {0, 2, 30, 40}, gained, shares));
        assertEquals(-1, ChainCertificate.choose(1000, 0.01, false, new int[] {30, 40}, new int[2], new double[] {1,
            1}));
        // A round given no share of the 5% is never written.
        assertEquals(0, ChainCertificate.choose(1000, 0.01, false, new int[] {0, 0}, new int[2], new double[] {1, 0}));
    }

    /**
     * Fixed sequence against the fallback procedure, both valid on the population reading (issue 46: measure both,
     * keep the better): on ramps whose loss grows along the chain, fixed sequence reaches further down the chain.
     */
    @ParameterizedTest(name = "fixed sequence against fallback: n={0}, labelled={2}")
    @CsvSource({
        "1000, 0.01, true, 0, 0, false",
        "1000, 0.01, false, 0, 0, false",
    })
    void fixedSequenceReachesFurtherThanTheFallbackProcedure(int n, double tolerance, boolean labelled, double gains,
            double from, boolean even) {
        Chain chain = new Chain(n, tolerance, labelled, gains, from, even);
        double[] fixed = errorRate(chain, fixedSequence(new Memo(true)), 43, 1000);
        double[] carry = errorRate(chain, fallback(new Memo(true)), 43, 1000);
        System.out.printf(Locale.ROOT, "ChainCertificateTest %s: fixed sequence %.1f rounds down the chain, past the "
                + "tolerance %.2f%%; fallback %.1f rounds, %.2f%%%n", chain, fixed[3], 100 * fixed[2], carry[3],
                100 * carry[2]);
        assertTrue(fixed[3] > carry[3], fixed[3] + " against " + carry[3]);
        assertTrue(carry[2] <= 0.05 + 2 * Math.sqrt(0.05 * 0.95 / 1000), "the fallback is valid too: " + carry[2]);
    }

    @Test
    void thePopulationReadingStopsAtTheFirstRoundThatFails() {
        // 1000 label-free rows, tolerance 1 point: 0 and 2 changes pass at 5%, 30 do not; the round after is not tested.
        int[] gained = new int[4];
        assertEquals(1, ChainCertificate.choose(ChainCertificate.Reading.POPULATION, 1000, 0.01, false,
                new int[] {0, 2, 30, 1}, gained, null));
        assertEquals(-1, ChainCertificate.choose(ChainCertificate.Reading.POPULATION, 1000, 0.01, false,
                new int[] {30, 0}, new int[2], null));
        assertEquals(3, ChainCertificate.choose(ChainCertificate.Reading.POPULATION, 1000, 0.01, false,
                new int[] {0, 1, 2, 3}, gained, null));
        // The new-set reading is today's rule: the last round that holds at its part.
        assertEquals(3, ChainCertificate.choose(ChainCertificate.Reading.NEW_SET, 1000, 0.01, false,
                new int[] {0, 2, 30, 1}, gained, new double[] {1, 1, 1, 1}));
        // Exactness of the label-free test: x changes of n pass iff P(Binomial(n, t) <= x) <= 5%.
        for (int x = 0; x < 12; x++) {
            boolean expected = Binomial.cdf(1000, x, 0.01) <= 0.05;
            assertEquals(expected, ChainCertificate.holdsInPopulation(1000, 0.01, false, x, 0, 0.05), "x=" + x);
        }
        assertEquals(ChainCertificate.Reading.NEW_SET, ChainCertificate.Reading.of(org.odf2nna.settings.Promise.ofOption("new-set")));
        assertThrows(IllegalArgumentException.class, () -> org.odf2nna.settings.Promise.ofOption("both"));
    }

    @Test
    void theLevelsAreTheSharesOfFivePercent() {
        assertArrayEquals(new double[] {0.01, 0.015, 0.025}, ChainCertificate.levels(new double[] {2, 3, 5}), 1e-15);
        double sum = Arrays.stream(ChainCertificate.levels(new Chain(1000, 0.01, true, 0, 0).removedShares())).sum();
        assertEquals(0.05, sum, 1e-12);
    }

    @Test
    void aRoundHoldsAtItsLevelExactlyWhenLossBoundSaysSo() {
        // sweep reports each round's bound from LossBound at its level: the certificate's decision must be the same.
        int[] original = new int[2000];
        int[] targets = new int[2000];
        int[] candidate = new int[2000];
        Random random = new Random(3);
        for (int r = 0; r < 2000; r++) {
            targets[r] = random.nextInt(3);
            original[r] = random.nextDouble() < 0.9 ? targets[r] : (targets[r] + 1) % 3;
            candidate[r] = random.nextDouble() < 0.012 ? (original[r] + 1) % 3 : original[r];
        }
        for (double level : new double[] {0.05, 0.01, 0.001}) {
            LossBound labelled = LossBound.classification(original, candidate, targets, 0.01, level);
            assertEquals(labelled.holds(), ChainCertificate.holds(2000, 0.01, true, labelled.lost(), labelled.gained(),
                    level), "labelled at " + level);
            LossBound free = LossBound.classification(original, candidate, null, 0.01, level);
            assertEquals(free.holds(), ChainCertificate.holds(2000, 0.01, false, free.changed(), 0, level),
                    "label-free at " + level);
        }
    }

    @Test
    void badArgumentsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> ChainCertificate.choose(100, 0.01, true, new int[1],
                new int[2], new double[] {1}));
        assertThrows(IllegalArgumentException.class, () -> ChainCertificate.choose(100, 0.01, true, new int[] {60},
                new int[] {50}, new double[] {1}));
        assertThrows(IllegalArgumentException.class, () -> ChainCertificate.choose(100, 0.01, true, new int[1],
                new int[1], new double[] {-1}));
        assertThrows(IllegalArgumentException.class, () -> ChainCertificate.choose(100, 0.01, true, new int[1],
                new int[1], new double[] {0}));
        assertThrows(IllegalArgumentException.class, () -> ChainCertificate.choose(0, 0.01, true, new int[1],
                new int[1], new double[] {1}));
        assertFalse(ChainCertificate.judge(100, 0.01, true, new int[0], new int[0], new double[0]).length > 0);
    }
}

package org.odf2nna.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LossBoundTest {

    private static int[] constant(int n, int value) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, value);
        return a;
    }

    /** n rows of class 1: the candidate gets the first {@code lost} wrong, the original the next {@code gained}. */
    private static LossBound lostAndGained(int n, int lost, int gained, double level) {
        int[] original = constant(n, 1);
        int[] candidate = constant(n, 1);
        for (int r = 0; r < lost; r++) {
            candidate[r] = 0;
        }
        for (int r = lost; r < lost + gained; r++) {
            original[r] = 0;
        }
        return LossBound.classification(original, candidate, constant(n, 1), 0.01, level);
    }

    @Test
    void onManyRowsGainsOffsetLosses() {
        int n = 5000;
        // 60 rows lost, 40 gained: a loss of 0.4 points; a new set of 5000 rows would show at most about 0.9.
        LossBound b = lostAndGained(n, 60, 40, 0.05);
        assertEquals(100, b.changed());
        assertEquals(60, b.lost());
        assertEquals(40, b.gained());
        assertEquals(0.004, b.estimate(), 1e-12);
        assertTrue(b.certified() > 0.0075 && b.certified() < 0.0095, b.toString());
        assertTrue(b.holds(), b.toString());
        assertFalse(b.smallSet());
        assertEquals(0.95, b.confidence(), 1e-12);
        assertTrue(b.rule().startsWith("exact binomial test at the 5% level on the accuracy loss a new set of 5000 "
                + "rows would show"), b.rule());
        // More changes cancelling to the same 0.4 points are weaker evidence; all 100 as losses: 2 points.
        assertFalse(lostAndGained(n, 100, 80, 0.05).holds());
        assertFalse(lostAndGained(n, 100, 0, 0.05).holds());
    }

    @Test
    void withoutTargetsEveryChangeCountsAsALoss() {
        int n = 1000;
        int[] candidate = constant(n, 1);
        for (int r = 0; r < 4; r++) {
            candidate[r] = 2;
        }
        LossBound b = LossBound.classification(constant(n, 1), candidate, null, 0.01);
        assertEquals(4, b.lost());
        assertEquals(0.004, b.estimate(), 1e-12);
        assertTrue(b.holds(), b.toString());
        assertTrue(b.rule().contains("share of changed predictions"), b.rule());
        for (int r = 4; r < 12; r++) {
            candidate[r] = 2;
        }
        assertFalse(LossBound.classification(constant(n, 1), candidate, null, 0.01).holds(), "12 of 1000 changed");
    }

    @Test
    void noChangeOnTooFewRowsCertifiesNothingAndSaysHowManyWould() {
        // With none of 179 rows changed, a new set of 179 could still lose 2 rows (1.1 points) more than 5% of the
        // time for some rate of change: no bound that is honest about small counts certifies one point there.
        LossBound none = LossBound.classification(constant(179, 1), constant(179, 1), constant(179, 1), 0.01);
        assertTrue(none.smallSet());
        assertFalse(none.holds());
        assertTrue(none.rule().contains("179 rows cannot certify a loss of at most 1 point"), none.rule());
        assertTrue(none.rule().contains("that needs 200 rows"), none.rule());
        assertEquals(200, LossBound.rowsNeeded(0.01));
        assertFalse(LossBound.certifiable(199, 0.01));
        assertTrue(LossBound.certifiable(200, 0.01));
        assertTrue(LossBound.certifiableTolerance(179) > 0.01);
        assertTrue(LossBound.classification(constant(200, 1), constant(200, 1), null, 0.01).holds());
    }

    @Test
    void onFewRowsTheTestThatCountsChangesIsUsedWhateverTheyShow() {
        // 250 labelled rows cannot let gains offset losses at one point (that needs about 300), so every change counts:
        // the test is chosen by the number of rows, never by what the rows show.
        int n = 250;
        LossBound gained = lostAndGained(n, 0, 2, 0.05);
        assertTrue(gained.rule().contains("too few rows to let gains offset losses"), gained.rule());
        assertEquals(-0.008, gained.estimate(), 1e-12);
        LossBound lost = lostAndGained(n, 2, 0, 0.05);
        assertEquals(lost.holds(), gained.holds(), "two changes are two changes, lost or gained");
    }

    @Test
    void passingAndThenBreakingHappensAtMostFivePercentOfTheTime() {
        // Rows that change class at rate r, every change a loss; a fresh set of as many rows breaks when more than 1%
        // of it changed. Whatever r, passing on one set and then breaking on the other is at most 5% likely; the rates
        // tried here are the ones where it comes closest.
        Random random = new Random(7);
        int n = 400;
        for (double rate : new double[] {0.004, 0.006, 0.008}) {
            int trials = 2500;
            int passedThenBroke = 0;
            for (int t = 0; t < trials; t++) {
                int[] candidate = constant(n, 1);
                for (int r = 0; r < n; r++) {
                    if (random.nextDouble() < rate) {
                        candidate[r] = 0;
                    }
                }
                int fresh = 0;
                for (int r = 0; r < n; r++) {
                    fresh += random.nextDouble() < rate ? 1 : 0;
                }
                if (LossBound.classification(constant(n, 1), candidate, null, 0.01).holds() && fresh > 4) {
                    passedThenBroke++;
                }
            }
            double share = (double) passedThenBroke / trials;
            // 3.5 standard errors of a 5% share over 2500 trials: 1.5 points.
            assertTrue(share <= 0.05 + 0.015, "rate " + rate + ": passed, then broke on a fresh set " + share);
            assertTrue(share > 0.002, "rate " + rate + ": the test is not vacuous: " + share);
        }
    }

    @Test
    void aLowerLevelGivesAWiderBound() {
        LossBound at5 = lostAndGained(5000, 42, 5, 0.05);
        LossBound at1 = lostAndGained(5000, 42, 5, 0.01);
        assertEquals(at5.estimate(), at1.estimate(), 1e-12);
        assertTrue(at1.certified() > at5.certified(), at1 + " vs " + at5);
        assertTrue(at1.rule().startsWith("exact binomial test at the 1% level"), at1.rule());
        assertEquals(0.99, at1.confidence(), 1e-12);
    }

    @Test
    void binomialProbabilitiesAreExact() {
        assertEquals(0.171875, Binomial.cdf(10, 3, 0.5), 1e-12);
        assertEquals(1 - 0.171875, Binomial.upperTail(10, 3, 0.5), 1e-12);
        assertEquals(252 / 1024.0, Binomial.pmf(10, 5, 0.5), 1e-12);
        // P(X > 10) for Bin(1000, 0.002): a tail that 1 − cdf would round away.
        double tail = 0;
        for (int k = 11; k <= 40; k++) {
            tail += Binomial.pmf(1000, k, 0.002);
        }
        assertEquals(tail, Binomial.upperTail(1000, 10, 0.002), tail * 1e-9);
        assertEquals(Math.log(120), Binomial.logGamma(6), 1e-12);
    }
}

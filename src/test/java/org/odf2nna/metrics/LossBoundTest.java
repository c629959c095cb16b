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
    private static LossBound lostAndGained(int n, int lost, int gained, LossBound.Confidence confidence) {
        int[] original = constant(n, 1);
        int[] candidate = constant(n, 1);
        for (int r = 0; r < lost; r++) {
            candidate[r] = 0;
        }
        for (int r = lost; r < lost + gained; r++) {
            original[r] = 0;
        }
        return LossBound.classification(original, candidate, constant(n, 1), 0.01, confidence);
    }

    /** Gaussian targets, an original off by unit noise, a candidate off the original by {@code spread} of it. */
    private record Outputs(float[] targets, float[] original, float[] candidate) {
        static Outputs noisy(long seed, int n, float spread) {
            Random random = new Random(seed);
            float[] targets = new float[n];
            float[] original = new float[n];
            float[] candidate = new float[n];
            for (int r = 0; r < n; r++) {
                targets[r] = (float) random.nextGaussian();
                original[r] = targets[r] + (float) random.nextGaussian();
                candidate[r] = original[r] + spread * (float) random.nextGaussian();
            }
            return new Outputs(targets, original, candidate);
        }

        LossBound bound(LossBound.Confidence confidence) {
            return LossBound.regression(original, candidate, targets, targets.length, 0.1, confidence);
        }
    }

    @Test
    void onManyRowsTheBoundDecides() {
        int n = 5000;
        // 60 rows lost, 40 gained: a loss of 0.4 points, bound about 0.73.
        LossBound b = lostAndGained(n, 60, 40, LossBound.Confidence.STANDARD);
        assertEquals(100, b.changed());
        assertEquals(60, b.lost());
        assertEquals(40, b.gained());
        assertEquals(0.004, b.estimate(), 1e-12);
        assertEquals(0.004 + LossBound.Z * Math.sqrt((101.0 / n - 0.004 * 0.004) / n), b.upper(), 1e-12);
        assertTrue(b.holds());
        assertFalse(b.smallSet());
        // The same changes all as losses: 2 points, refused.
        assertFalse(lostAndGained(n, 100, 0, LossBound.Confidence.STANDARD).holds());
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
        assertTrue(b.rule().contains("changed predictions"), b.rule());
    }

    @Test
    void aSmallSetAsksForNoChangeAndTheTrainingRowsGuard() {
        int n = 77;
        LossBound none = LossBound.classification(constant(n, 1), constant(n, 1), constant(n, 1), 0.01);
        assertTrue(none.smallSet());
        assertTrue(none.holds());
        assertTrue(none.rule().contains("cannot certify"), none.rule());
        assertTrue(none.guardedBy(0.005).holds());
        assertFalse(none.guardedBy(0.0101).holds());
        int[] one = constant(n, 1);
        one[3] = 0;
        // One row gained is still a change: on 77 rows nothing can be certified but "nothing changed".
        int[] targets = constant(n, 0);
        LossBound gained = LossBound.classification(constant(n, 1), constant(n, 1), targets, 0.01);
        assertTrue(gained.holds());
        assertFalse(LossBound.classification(constant(n, 1), one, constant(n, 1), 0.01).holds());
        // 165 rows are enough to certify one point when nothing changed.
        assertFalse(LossBound.classification(constant(165, 1), constant(165, 1), null, 0.01).smallSet());
        assertTrue(LossBound.classification(constant(164, 1), constant(164, 1), null, 0.01).smallSet());
    }

    @Test
    void regressionBoundsTheRelativeMseIncrease() {
        Random random = new Random(1);
        int n = 2000;
        float[] targets = new float[n];
        float[] original = new float[n];
        float[] close = new float[n];
        float[] worse = new float[n];
        for (int r = 0; r < n; r++) {
            targets[r] = (float) random.nextGaussian();
            original[r] = targets[r] + (float) random.nextGaussian();
            close[r] = original[r] + 0.05f * (float) random.nextGaussian();
            worse[r] = targets[r] + 1.3f * (float) random.nextGaussian();
        }
        LossBound ok = LossBound.regression(original, close, targets, n, 0.1);
        assertTrue(ok.holds(), ok.toString());
        assertTrue(ok.upper() > ok.estimate());
        LossBound bad = LossBound.regression(original, worse, targets, n, 0.1);
        assertFalse(bad.holds(), bad.toString());
        assertTrue(bad.estimate() > 0.5, bad.toString());
    }

    @Test
    void regressionBoundCoversTheNoiseOfAsManyNewRows() {
        int n = 1000;
        Outputs o = Outputs.noisy(2, n, 0.3f);
        double sum = 0;
        double sumSquares = 0;
        double mse = 0;
        for (int r = 0; r < n; r++) {
            double eo = o.original()[r] - o.targets()[r];
            double ec = o.candidate()[r] - o.targets()[r];
            double d = ec * ec - eo * eo;
            sum += d;
            sumSquares += d * d;
            mse += eo * eo;
        }
        double mean = sum / n;
        double standardError = Math.sqrt((sumSquares - sum * mean) / (n - 1) / n);
        LossBound b = o.bound(LossBound.Confidence.STANDARD);
        // The judged rows' standard error and the new set's, of the same size: √2 times one of them.
        assertEquals((mean + LossBound.Z * Math.sqrt(2) * standardError) / (mse / n), b.upper(), 1e-6);
        assertTrue(b.rule().contains("prediction bound") && b.rule().contains("1000 new rows"), b.rule());
    }

    @Test
    void theNormalQuantileMatchesTabulatedValues() {
        assertEquals(LossBound.Z, LossBound.normalQuantile(0.95), 1e-8);
        assertEquals(1.959963984540054, LossBound.normalQuantile(0.975), 1e-8);
        assertEquals(2.128045234184984, LossBound.normalQuantile(1 - 0.05 / 3), 1e-8);
        assertEquals(-2.326347874040841, LossBound.normalQuantile(0.01), 1e-8);
        assertEquals(0, LossBound.normalQuantile(0.5), 1e-12);
    }

    @Test
    void aRetryAfterFailedRoundsSharesTheFivePercent() {
        // 42 lost, 5 gained of 5000: a loss of 0.74 points whose plain 95% bound (0.97) is just under one point.
        LossBound first = lostAndGained(5000, 42, 5, LossBound.Confidence.STANDARD);
        assertTrue(first.holds(), first.toString());
        assertTrue(first.rule().startsWith("95% upper bound"), first.rule());
        assertEquals(0.95, first.confidence());
        assertEquals(first, lostAndGained(5000, 42, 5, LossBound.Confidence.afterFailures(0)));
        LossBound retry = lostAndGained(5000, 42, 5, LossBound.Confidence.afterFailures(1));
        double se = (first.upper() - first.estimate()) / LossBound.Z;
        assertEquals(first.estimate() + 1.959963984540054 * se, retry.upper(), 1e-9);
        assertEquals(0.975, retry.confidence(), 1e-12);
        assertFalse(retry.holds(), retry.toString());
        assertTrue(retry.rule().startsWith("97.5% upper bound"), retry.rule());
        assertTrue(retry.rule().endsWith("(the 5% shared with the 1 round that failed before)"), retry.rule());
        LossBound third = lostAndGained(5000, 42, 5, LossBound.Confidence.afterFailures(2));
        assertTrue(third.upper() > retry.upper());
        assertTrue(third.rule().startsWith("98.3% upper bound"), third.rule());
        assertTrue(third.rule().contains("2 rounds that failed"), third.rule());
        // A set too small to certify the tolerance keeps its rule: no changed prediction, whatever the confidence.
        LossBound small = LossBound.classification(constant(50, 1), constant(50, 1), constant(50, 1), 0.01);
        LossBound smallRetry = LossBound.classification(constant(50, 1), constant(50, 1), constant(50, 1), 0.01,
                LossBound.Confidence.afterFailures(3));
        assertEquals(small.rule(), smallRetry.rule());
        assertEquals(small.holds(), smallRetry.holds());
        assertTrue(smallRetry.holds());
    }

    @Test
    void aRegressionBoundAtAHigherConfidenceIsWider() {
        Outputs o = Outputs.noisy(3, 400, 0.3f);
        LossBound plain = o.bound(LossBound.Confidence.STANDARD);
        LossBound wider = o.bound(LossBound.Confidence.afterFailures(1));
        assertEquals(plain.estimate(), wider.estimate(), 1e-12);
        assertEquals(plain.estimate() + (plain.upper() - plain.estimate()) * 1.959963984540054 / LossBound.Z,
                wider.upper(), 1e-9);
        assertTrue(plain.rule().startsWith("95% prediction bound"), plain.rule());
        assertTrue(wider.rule().startsWith("97.5% prediction bound"), wider.rule());
    }

    @Test
    void aConfidenceOutsideItsRangeIsRefused() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new LossBound.Confidence(1, ""));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new LossBound.Confidence(0.5, ""));
    }
}

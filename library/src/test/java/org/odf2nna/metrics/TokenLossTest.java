package org.odf2nna.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.network.OutputHead;

/**
 * A language model's loss: cross-entropy per position from logits, probabilities or log-probabilities alike; the
 * next-token targets; perplexity as the mean over tokens, which equals the mean of window means for windows of one
 * length (what lets the sweep bound the perplexity by per-window losses, docs/promise.md); and the bounded-loss rule on
 * simulated windows whose true rise is known: at a true rise of exactly the allowed one it passes at most 5% of the
 * runs, with none it passes nearly always once the windows are enough.
 */
class TokenLossTest {

    @Test
    void crossEntropyIsTheSameFromLogitsProbabilitiesAndLogProbabilities() {
        float[] logits = {1.5f, -0.25f, 3f, 0f};
        double max = 3;
        double sum = 0;
        for (float v : logits) {
            sum += Math.exp(v - max);
        }
        double logZ = max + Math.log(sum);
        float[] probabilities = new float[4];
        float[] logProbabilities = new float[4];
        for (int c = 0; c < 4; c++) {
            logProbabilities[c] = (float) (logits[c] - logZ);
            probabilities[c] = (float) Math.exp(logits[c] - logZ);
        }
        for (int target = 0; target < 4; target++) {
            double expected = logZ - logits[target];
            assertEquals(expected, new TokenLoss.Position(logits, 0, 1, 4).crossEntropy(target, OutputHead.NONE),
                    1e-12);
            assertEquals(expected, new TokenLoss.Position(probabilities, 0, 1, 4).crossEntropy(target,
                    OutputHead.SOFTMAX), 1e-6);
            assertEquals(expected, new TokenLoss.Position(logProbabilities, 0, 1, 4).crossEntropy(target,
                    OutputHead.LOG_SOFTMAX), 1e-6);
        }
        assertEquals(2, new TokenLoss.Position(logits, 0, 1, 4).argmax());
    }

    @Test
    void theTargetAtEachPositionIsTheNextToken() {
        float[] ids = {5, 6, 7, 1, 2, 3};
        assertArrayEquals(new int[] {6, 7, TokenLoss.NOT_COUNTED, 2, 3, TokenLoss.NOT_COUNTED},
                TokenLoss.nextTokenTargets(ids, 2, 3));
    }

    /** Windows of one length: exp of the mean over tokens is exp of the mean of the windows' means. */
    @Test
    void perplexityIsTheMeanOverTokensAndOverEqualWindowsAlike() {
        Random random = new Random(83);
        int windows = 7;
        int positions = 5;
        int classes = 6;
        float[] logits = new float[windows * positions * classes];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (3 * random.nextGaussian());
        }
        float[] ids = new float[windows * positions];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextInt(classes);
        }
        TokenTally tally = new TokenTally(classes, OutputHead.NONE, false, 2.0);
        tally.add(logits, windows, positions, true, TokenLoss.nextTokenTargets(ids, windows, positions), 0);
        double tokens = 0;
        double windowMeans = 0;
        boolean capped = false;
        for (TokenLoss.Window w : tally.windows()) {
            assertEquals(positions - 1, w.counted());
            tokens += w.crossEntropy();
            windowMeans += w.meanCrossEntropy();
            capped |= w.cappedCrossEntropy() < w.crossEntropy();
            assertTrue(w.meanCappedCrossEntropy() <= 2.0 && w.meanCappedCrossEntropy() <= w.meanCrossEntropy());
        }
        Metrics.Tokens m = tally.metrics();
        assertEquals(windows * (positions - 1), m.rows());
        assertEquals(Math.exp(tokens / m.rows()), m.perplexity(), 1e-12);
        assertEquals(Math.exp(windowMeans / windows), m.perplexity(), 1e-9 * m.perplexity());
        assertTrue(capped, "logits of spread 3 over 6 classes give some token a cross-entropy above 2");
        assertTrue(Double.isNaN(m.macroF1()));
    }

    /**
     * Per-window losses in [0, 8] whose candidate is the original shifted by a known rise plus noise: at a rise of
     * exactly the allowed ln(1.05) the rule passes at most 5% of 200 runs (its false passes), with no rise nearly every
     * run.
     */
    @Test
    void theShiftRulePassesAtMostFivePercentAtTheBoundaryAndHoldsWithoutARise() {
        double allowed = Math.log(1.05);
        int n = 5000;
        int runs = 200;
        int falsePasses = 0;
        int passes = 0;
        Random random = new Random(46);
        for (int run = 0; run < runs; run++) {
            falsePasses += judged(random, n, allowed, allowed, 0.5, 8).holds() ? 1 : 0;
            passes += judged(random, n, 0, allowed, 0.5, 8).holds() ? 1 : 0;
        }
        assertTrue(falsePasses <= runs / 20, falsePasses + " false passes of " + runs);
        assertTrue(passes >= runs * 0.95, passes + " of " + runs + " runs without a rise hold");
        // 100 windows are too few for a range of 8 nats: the rule says how many even an unchanged model needs.
        LossBound few = judged(random, 100, 0, allowed, 0.5, 8);
        assertFalse(few.holds());
        assertTrue(few.smallSet() && few.rule().contains("it needs"), few.rule());
    }

    /**
     * A language model's case: a cap of 13 nats, 1,536 windows, each window's rise within ±0.05 nats of the true one
     * (a window's mean over 127 tokens varies little). The empirical-Bernstein bound's range term alone needed 4,700
     * windows here; the bets pass a true rise of 1% in nearly every run, and a true rise of exactly 5% in at most 5%.
     */
    @Test
    void steadyWindowsCertifyFivePercentOnFifteenHundredWindows() {
        double allowed = Math.log(1.05);
        int runs = 200;
        int falsePasses = 0;
        int passes = 0;
        Random random = new Random(83);
        for (int run = 0; run < runs; run++) {
            falsePasses += judged(random, 1536, allowed, allowed, 0.1, 13).holds() ? 1 : 0;
            passes += judged(random, 1536, Math.log(1.01), allowed, 0.1, 13).holds() ? 1 : 0;
        }
        assertTrue(falsePasses <= runs / 20, falsePasses + " false passes of " + runs);
        assertTrue(passes >= runs * 0.95, passes + " of " + runs + " runs at a 1% rise hold");
        long needed = BettingBound.drawsNeeded(-13, 13, 0, allowed, ChainCertificate.ALPHA);
        System.out.printf("TokenLossTest, 1,536 windows, cap 13: %d of %d runs pass at a true 5%% rise, %d at 1%%; an "
                + "unchanged model needs %d windows%n", falsePasses, runs, passes, needed);
        assertTrue(needed > 500 && needed < 1500, needed + " windows needed for an unchanged model");
    }

    /** Original window losses uniform in [1, 5], the candidate's {@code rise} above them, give or take half a spread. */
    private static LossBound judged(Random random, int n, double rise, double allowed, double spread, double cap) {
        double[] original = new double[n];
        double[] candidate = new double[n];
        for (int i = 0; i < n; i++) {
            original[i] = 1 + 4 * random.nextDouble();
            candidate[i] = original[i] + rise + spread * (random.nextDouble() - 0.5);
        }
        return BoundedRegression.judgeShift(original, candidate, cap, allowed, ChainCertificate.ALPHA,
                ChainCertificate.Reading.POPULATION, "the mean loss");
    }
}

package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleFunction;
import org.junit.jupiter.api.Test;
import java.util.Random;
import org.odf2nna.metrics.LossBound;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.OutputHead;
import org.odf2nna.network.TestNetworks;

/**
 * {@link ProgressivePruning#certify} and {@link ProgressivePruning#choose}: each round of the chain at its own part of
 * one 5% (no carry), the choice made by {@link org.odf2nna.metrics.ChainCertificate} from the rounds' counts.
 */
class ProgressiveChoiceTest {

    /** A network with {@code hidden} hidden units of 10 inputs and 2 outputs: 12·hidden + 2 parameters. */
    private static DenseNetwork sized(int hidden) {
        return TestNetworks.random(new Random(hidden), new int[] {10, hidden, 2}, Activation.RELU, OutputHead.SOFTMAX);
    }

    private static ProgressivePruning.Round round(int index, boolean continued) {
        return round(index, continued, 8);
    }

    private static ProgressivePruning.Round round(int index, boolean continued, int hidden) {
        return new ProgressivePruning.Round(index, null, sized(hidden), new int[0], null, continued, null, null);
    }

    /** A judge that holds when the level it is given is at least {@code needs}, and records the level. */
    private static DoubleFunction<LossBound> judge(double needs, List<Double> levels) {
        return level -> {
            levels.add(level);
            boolean holds = level >= needs - 1e-12;
            return new LossBound(100, 0, 0, 0, 0, holds ? 0 : 0.05, 0.01, holds, "test", false, 1 - level, false);
        };
    }

    /** A judge from real counts: {@code lost} of 2000 label-free rows changed. */
    private static DoubleFunction<LossBound> changed(int lost) {
        int[] original = new int[2000];
        int[] candidate = new int[2000];
        for (int r = 0; r < lost; r++) {
            candidate[r] = 1;
        }
        return level -> LossBound.classification(original, candidate, null, 0.01, level);
    }

    @Test
    void eachRoundIsJudgedAtItsOwnPartWithNoCarry() {
        List<Double> levels = new ArrayList<>();
        // Five rounds; round 2 is not in the chain (the search did not go on from it), so the chain has 4.
        List<ProgressivePruning.Round> rounds = List.of(round(1, true), round(2, false), round(3, true),
                round(4, true), round(5, true));
        List<DoubleFunction<LossBound>> judges = List.of(judge(0, levels), judge(0, levels), judge(1, levels),
                judge(0, levels), judge(0, levels));
        double[] parts = {0.02, 0.01, 0.015, 0.005};
        List<ProgressivePruning.Round> judged = ProgressivePruning.certify(rounds, judges, parts);
        assertEquals(List.of(0.02, 0.01, 0.015, 0.005), levels, "each chain round at its own part, whatever held");
        assertNull(judged.get(1).bound(), "a round outside the chain is never judged");
        assertFalse(judged.get(2).bound().holds());
        assertTrue(judged.get(4).bound().holds());
    }

    @Test
    void theChoiceIsTheCertificatesFromTheChainsCounts() {
        // Chain of 4 (round 2 outside it): 1000 → 400, 300, 200, 100-ish parameters; 0, 5, 40 and 8 of 2000 changed.
        List<ProgressivePruning.Round> rounds = List.of(round(1, true, 40), round(2, false, 30), round(3, true, 25),
                round(4, true, 16), round(5, true, 8));
        List<DoubleFunction<LossBound>> judges = List.of(changed(0), changed(99), changed(5), changed(40),
                changed(8));
        long original = sized(80).parameterCount();
        long[] chain = {sized(40).parameterCount(), sized(25).parameterCount(), sized(16).parameterCount(),
            sized(8).parameterCount()};
        double[] levels = org.odf2nna.metrics.ChainCertificate.levels(removedShares(original, chain));
        List<ProgressivePruning.Round> judged = ProgressivePruning.certify(rounds, judges, levels);
        int expected = org.odf2nna.metrics.ChainCertificate.choose(2000, 0.01, false, new int[] {0, 5, 40, 8},
                new int[4], removedShares(original, chain));
        assertEquals(3, expected, "8 of 2000 changed holds at its part; 40 does not");
        assertEquals(4, ProgressivePruning.choose(judged), "the smallest that held, past a failure");
        for (int i : new int[] {0, 2, 3, 4}) {
            assertEquals(judged.get(i).bound().holds(), i != 3, "round " + (i + 1) + "'s bound agrees");
        }
    }

    @Test
    void aLoneRoundHasTheWholeFivePercentAndNothingHoldingMeansNothingChosen() {
        List<Double> levels = new ArrayList<>();
        long original = sized(80).parameterCount();
        double[] parts = org.odf2nna.metrics.ChainCertificate.levels(removedShares(original,
                new long[] {sized(40).parameterCount()}));
        List<ProgressivePruning.Round> judged = ProgressivePruning.certify(List.of(round(1, true, 40),
                round(2, false)), List.of(changed(30), changed(0)), parts);
        assertEquals(0.05, parts[0], 1e-12);
        assertNull(ProgressivePruning.choose(judged));
        assertNull(ProgressivePruning.choose(List.of(round(1, false))));
        judge(1, levels);
    }

    @Test
    void theLevelsOfTheChainAddUpToFivePercent() {
        for (int chain = 1; chain <= 30; chain++) {
            long[] parameters = new long[chain];
            for (int i = 0; i < chain; i++) {
                parameters[i] = Math.round(100_000 * Math.pow(0.8, i + 1));
            }
            double[] levels = org.odf2nna.metrics.ChainCertificate.levels(removedShares(100_000,
                    parameters));
            assertEquals(0.05, java.util.Arrays.stream(levels).sum(), 1e-12, "chain of " + chain);
        }
    }

    @Test
    void eachRoundWeighsItsShare() {
        // 1000 -> 800 -> 500 -> 400: the rounds have removed 20%, 50% and 60%.
        double[] shares = {0.2, 0.5, 0.6};
        double[] levels = org.odf2nna.metrics.ChainCertificate.levels(shares);
        assertEquals(0.05 * 0.6 / 1.3, levels[2], 1e-12);
        assertTrue(levels[2] > levels[1] && levels[1] > levels[0], "the smaller late rounds weigh most");
    }

    @Test
    void regressionChainsAreTestedInSequenceAtTheWholeFivePercentOnThePopulationReading() {
        // Regression's rounds go the way classification's do: round 3 needs more than 5% and fails, so round 4, which
        // would hold, is not tested and round 1 is written.
        List<Double> levels = new ArrayList<>();
        List<ProgressivePruning.Round> rounds = List.of(round(1, true), round(2, false), round(3, true),
                round(4, true));
        List<ProgressivePruning.Round> judged = ProgressivePruning.certifyInSequence(rounds, List.of(judge(0.01,
                levels), judge(0, levels), judge(0.06, levels), judge(0.01, levels)));
        assertEquals(List.of(0.05, 0.05, 0.05), levels);
        assertFalse(judged.get(2).bound().holds());
        assertFalse(judged.get(3).bound().holds(), "not tested after the first failure");
        assertEquals(0, ProgressivePruning.choose(judged));
    }

    @Test
    void thePopulationReadingTestsTheChainInOrderAtTheWholeFivePercent() {
        // Chain of 4 (round 2 outside it); 0, 5, 40 and 8 of 2000 label-free rows changed: the third fails at 5%, so
        // the fourth is measured but not tested, and the second is written.
        List<ProgressivePruning.Round> rounds = List.of(round(1, true), round(2, false), round(3, true),
                round(4, true), round(5, true));
        List<DoubleFunction<LossBound>> judges = new ArrayList<>();
        List<Double> levels = new ArrayList<>();
        for (int lost : new int[] {0, 99, 5, 40, 8}) {
            DoubleFunction<LossBound> counted = changedInPopulation(lost);
            judges.add(level -> {
                levels.add(level);
                return counted.apply(level);
            });
        }
        List<ProgressivePruning.Round> judged = ProgressivePruning.certifyInSequence(rounds, judges);
        assertEquals(List.of(0.05, 0.05, 0.05, 0.05), levels, "each chain round at the whole 5%");
        assertNull(judged.get(1).bound());
        assertTrue(judged.get(2).bound().holds());
        assertFalse(judged.get(3).bound().holds());
        assertFalse(judged.get(4).bound().holds(), "after the first failure nothing is tested");
        assertTrue(judged.get(4).bound().rule().startsWith("not tested: round 4 failed before it"),
                judged.get(4).bound().rule());
        assertEquals(2, ProgressivePruning.choose(judged));
        assertEquals(1, org.odf2nna.metrics.ChainCertificate.choose(
                org.odf2nna.metrics.ChainCertificate.Reading.POPULATION, 2000, 0.01, false, new int[] {0, 5, 40, 8},
                new int[4], null), "the same choice from the counts");
    }

    /** A judge from real counts under the population reading: {@code lost} of 2000 label-free rows changed. */
    private static DoubleFunction<LossBound> changedInPopulation(int lost) {
        int[] original = new int[2000];
        int[] candidate = new int[2000];
        for (int r = 0; r < lost; r++) {
            candidate[r] = 1;
        }
        return level -> LossBound.classification(original, candidate, null, 0.01, level,
                org.odf2nna.metrics.ChainCertificate.Reading.POPULATION);
    }

    @Test
    void withNothingChosenTheReportSaysWhy() {
        List<Double> levels = new ArrayList<>();
        String none = Sweeper.nothing(List.of(round(1, false), round(2, false)), 1, true, 100,
                org.odf2nna.metrics.ChainCertificate.Reading.NEW_SET);
        assertTrue(none.startsWith("the search went on from no round"), none);
        List<ProgressivePruning.Round> judged = ProgressivePruning.certify(List.of(round(1, false), round(2, true),
                round(3, true)), List.of(judge(1, levels), judge(1, levels), judge(1, levels)), new double[] {0.03,
                    0.02});
        String failed = Sweeper.nothing(judged, 1, true, 100, org.odf2nna.metrics.ChainCertificate.Reading.NEW_SET);
        assertTrue(failed.startsWith("none of the 2 rounds the search went on from kept the loss within 1 accuracy "
                + "point on the 100 validation rows"), failed);
        assertTrue(failed.contains("{{MAX_DROP}}") && failed.contains("{{VALIDATION}}"), failed);
    }

    /** Each round's share of the original's parameters its network has removed: the rounds' weights here. */
    private static double[] removedShares(long original, long[] chain) {
        double[] shares = new double[chain.length];
        for (int i = 0; i < chain.length; i++) {
            shares[i] = Math.max(0, (double) (original - chain[i]) / original);
        }
        return shares;
    }
}

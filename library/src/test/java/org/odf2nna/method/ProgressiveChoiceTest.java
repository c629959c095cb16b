package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleFunction;
import org.junit.jupiter.api.Test;
import org.odf2nna.metrics.LossBound;

/** {@link ProgressivePruning#certify} and {@link ProgressivePruning#choose}: the chain judged at shares of one 5%. */
class ProgressiveChoiceTest {

    private static ProgressivePruning.Round round(int index, boolean continued) {
        return new ProgressivePruning.Round(index, null, null, null, new int[0], null, continued, null, null);
    }

    /** A judge that holds when the level it is given is at least {@code needs}, and records the level. */
    private static DoubleFunction<LossBound> judge(double needs, List<Double> levels) {
        return level -> {
            levels.add(level);
            boolean holds = level >= needs - 1e-12;
            return new LossBound(100, 0, 0, 0, 0, holds ? 0 : 0.05, 0.01, holds, "test", false, 1 - level);
        };
    }

    @Test
    void eachRoundGetsItsPartPlusWhatTheOneBeforeHeldWith() {
        List<Double> levels = new ArrayList<>();
        // Five rounds; round 2 is not in the chain (the search did not go on from it), so the chain has 4.
        List<ProgressivePruning.Round> rounds = List.of(round(1, true), round(2, false), round(3, true),
                round(4, true), round(5, true));
        List<DoubleFunction<LossBound>> judges = List.of(judge(0, levels), judge(0, levels), judge(1, levels),
                judge(0, levels), judge(0, levels));
        double[] parts = {0.02, 0.01, 0.015, 0.005};
        List<ProgressivePruning.Round> judged = ProgressivePruning.certify(rounds, judges, parts);
        // Round 1 holds at its part and hands it on; round 3 at that plus its part fails (its judge needs more);
        // round 4 starts again from its own part; round 5 adds round 4's level.
        List<Double> expected = List.of(0.02, 0.03, 0.015, 0.02);
        assertEquals(expected.size(), levels.size());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i), levels.get(i), 1e-12, "level of chain round " + (i + 1));
        }
        assertNull(judged.get(1).bound(), "a round outside the chain is never judged");
        assertFalse(judged.get(2).bound().holds());
        assertTrue(judged.get(4).bound().holds());
        assertEquals(4, ProgressivePruning.choose(judged), "the smallest that held, past a round that failed");
    }

    @Test
    void judgedTogetherEveryChainRoundGetsTheSameLevelAndAFailureTakesNothingFromTheOthers() {
        List<Double> levels = new ArrayList<>();
        List<ProgressivePruning.Round> rounds = List.of(round(1, true), round(2, false), round(3, true),
                round(4, true));
        List<ProgressivePruning.Round> judged = ProgressivePruning.certifyTogether(rounds, List.of(judge(0.01, levels),
                judge(0, levels), judge(0.02, levels), judge(0.01, levels)), 0.015);
        assertEquals(List.of(0.015, 0.015, 0.015), levels);
        assertNull(judged.get(1).bound(), "a round outside the chain is never judged");
        assertFalse(judged.get(2).bound().holds());
        assertEquals(3, ProgressivePruning.choose(judged), "round 4 holds after round 3 failed");
    }

    @Test
    void aLoneRoundHasTheWholeFivePercentAndNothingHoldingMeansNothingChosen() {
        List<Double> levels = new ArrayList<>();
        List<ProgressivePruning.Round> judged = ProgressivePruning.certify(List.of(round(1, true), round(2, false)),
                List.of(judge(1, levels), judge(0, levels)), ProgressivePruning.shares(1000, new long[] {800}));
        assertEquals(List.of(0.05), levels);
        assertNull(ProgressivePruning.choose(judged));
        assertNull(ProgressivePruning.choose(List.of(round(1, false))));
    }

    @Test
    void theLevelsOfTheChainAddUpToFivePercent() {
        // Whatever holds, the parts handed out sum to 5%: the run's whole error budget.
        for (int chain = 1; chain <= 30; chain++) {
            List<ProgressivePruning.Round> rounds = new ArrayList<>();
            List<DoubleFunction<LossBound>> judges = new ArrayList<>();
            List<Double> levels = new ArrayList<>();
            long[] parameters = new long[chain];
            for (int i = 0; i < chain; i++) {
                rounds.add(round(i + 1, true));
                judges.add(judge(1, levels));
                parameters[i] = Math.round(100_000 * Math.pow(0.8, i + 1));
            }
            ProgressivePruning.certify(rounds, judges, ProgressivePruning.shares(100_000, parameters));
            assertEquals(0.05, levels.stream().mapToDouble(Double::doubleValue).sum(), 1e-12, "chain of " + chain);
        }
    }

    @Test
    void eachRoundsPartIsTheShareOfTheParametersItRemoves() {
        // 1000 -> 800 -> 500 -> 400: the rounds remove 200, 300 and 100 of the 600 removed in all.
        double[] parts = ProgressivePruning.shares(1000, new long[] {800, 500, 400});
        assertEquals(0.05 * 200 / 600, parts[0], 1e-12);
        assertEquals(0.05 * 300 / 600, parts[1], 1e-12);
        assertEquals(0.05 * 100 / 600, parts[2], 1e-12);
        // A chain whose rounds all hold reaches a round at the share of the parameters removed by then: a long tail of
        // small late steps (each a fifth of what is left) keeps almost the whole 5% for its last rounds.
        long[] tail = new long[30];
        for (int i = 0; i < tail.length; i++) {
            tail[i] = Math.round(266_610 * Math.pow(0.8, i + 1));
        }
        double[] tailParts = ProgressivePruning.shares(266_610, tail);
        double reached = 0;
        for (int i = 0; i < 14; i++) {
            reached += tailParts[i];
        }
        assertEquals(0.05 * (266_610 - tail[13]) / (266_610 - tail[29]), reached, 1e-12);
        assertTrue(reached > 0.047, "round 14 of 30 at " + reached);
        // The first round no longer takes most of the 5%: here a fifth of it.
        assertEquals(0.05 * 0.2 / (1 - Math.pow(0.8, 30)), tailParts[0], 1e-6);
    }

    @Test
    void withNothingChosenTheReportSaysWhy() {
        List<Double> levels = new ArrayList<>();
        String none = Sweeper.nothing(List.of(round(1, false), round(2, false)), 1, true, 100);
        assertTrue(none.startsWith("the search went on from no round"), none);
        List<ProgressivePruning.Round> judged = ProgressivePruning.certify(List.of(round(1, false), round(2, true),
                round(3, true)), List.of(judge(1, levels), judge(1, levels), judge(1, levels)), new double[] {0.03, 0.02});
        String failed = Sweeper.nothing(judged, 1, true, 100);
        assertTrue(failed.startsWith("none of the 2 rounds the search went on from kept the loss within 1 accuracy "
                + "point on the 100 validation rows"), failed);
        assertTrue(failed.contains("{{MAX_DROP}}") && failed.contains("{{VALIDATION}}"), failed);
    }
}

package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.odf2nna.metrics.LossBound;

/** {@link ProgressivePruning#choose}: the chain of rounds walked from the largest until one does not hold. */
class ProgressiveChoiceTest {

    private static ProgressivePruning.Round round(int index, boolean continued, boolean holds) {
        LossBound bound = new LossBound(100, 0, 0, 0, 0, holds ? 0 : 0.05, 0.01, holds, "test", false, 0.95);
        return new ProgressivePruning.Round(index, null, null, null, new int[0], null, continued, bound);
    }

    @Test
    void stopsAtTheFirstRoundOfTheChainThatDoesNotHold() {
        // Strict: round 2 left the chain (the search did not go on from it), round 4 fails on the validation rows;
        // round 5 holds there too, but a walk that went on past a failure would spend the bound's 95% twice.
        List<ProgressivePruning.Round> rounds = new ArrayList<>(List.of(round(1, true, true), round(2, false, false),
                round(3, true, true), round(4, true, false), round(5, true, true)));
        assertEquals(2, ProgressivePruning.choose(rounds));
        rounds.set(0, round(1, true, false));
        assertNull(ProgressivePruning.choose(rounds), "the largest fails: nothing is chosen");
    }

    @Test
    void byDefaultEveryRoundOfTheChainHeldAndTheLastIsChosen() {
        List<ProgressivePruning.Round> rounds = List.of(round(1, true, true), round(2, false, false),
                round(3, true, true), round(4, false, false), round(5, false, false));
        assertEquals(2, ProgressivePruning.choose(rounds));
        assertNull(ProgressivePruning.choose(List.of(round(1, false, false))));
    }

    @Test
    void strictWithNothingChosenSaysWhichRoundStoppedIt() {
        String none = Sweeper.strictNothing(List.of(round(1, false, true), round(2, false, false)), 1, true, 100);
        assertTrue(none.startsWith("the search went on from no round"), none);
        String stopped = Sweeper.strictNothing(List.of(round(1, false, true), round(2, true, false),
                round(3, true, true)), 1, true, 100);
        assertTrue(stopped.startsWith("round 2, the largest the search went on from, did not keep the loss within 1 "
                + "accuracy points on the 100 validation rows"), stopped);
        assertTrue(stopped.contains("{{MAX_DROP}}") && stopped.contains("{{STRICT}}"), stopped);
    }
}

package org.odf2nna;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoundClockTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void saysWhichRoundOfHowManyAndPastAnEstimateTheRoundAlone() {
        assertEquals("round 2 of 4", new RoundClock(4, false, 0).round(2));
        assertEquals("round 3 of about 24", new RoundClock(24, true, 0).round(3));
        assertEquals("round 25", new RoundClock(24, true, 0).round(25), "an estimate passed is not repeated");
    }

    @Test
    void theTimeLeftInAllIsTheMeanPaceOfTheRoundsSoFarTimesTheRoundsToCome() {
        RoundClock clock = new RoundClock(10, true, 0);
        assertNull(clock.left(), "nothing to go by before a round has finished");
        clock.finished(2, 60 * SECOND);
        assertEquals("at least 4 min left (the rounds alone, at their pace so far)", clock.left(), "30 s a round, 8 rounds to come");
        clock.finished(9, 90 * SECOND);
        assertEquals("at least 10 s left (the rounds alone, at their pace so far)", clock.left());
        clock.finished(10, 100 * SECOND);
        assertNull(clock.left(), "none after the last round");
    }

    @Test
    void aroundAddsTheTimeLeftToEveryUpdatesNote() {
        List<String> notes = new ArrayList<>();
        RoundClock clock = new RoundClock(3, false, 0);
        Progress progress = clock.around((phase, done, total, detail) -> notes.add(phase + ": " + detail));
        progress.update("round 1 of 3: refit", 0, -1, null);
        clock.finished(1, 20 * SECOND);
        progress.update("round 2 of 3: retraining", 1, 9, "epoch 1/9");
        progress.update("round 2 of 3: refit", 0, -1, null);
        assertEquals(List.of("round 1 of 3: refit: null", "round 2 of 3: retraining: epoch 1/9; at least 40 s left "
                + "(the rounds alone, at their pace so far)",
                "round 2 of 3: refit: at least 40 s left (the rounds alone, at their pace so far)"), notes);
    }

    @Test
    void durationsReadAsAPersonWouldSayThem() {
        assertEquals("1 s", RoundClock.duration(0.2));
        assertEquals("75 s", RoundClock.duration(75));
        assertEquals("3 min", RoundClock.duration(170));
        assertEquals("1 h 5 min", RoundClock.duration(3900));
    }
}

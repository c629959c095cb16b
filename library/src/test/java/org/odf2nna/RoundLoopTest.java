package org.odf2nna;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one loop of a sweep's rounds: what a chain's and a graph's rounds both rely on. */
class RoundLoopTest {

    /** Rounds that answer from a script: 'm' made and gone on from, 'f' made and not, 's' skipped, 'x' the end. */
    private static RoundLoop.Rounds<Integer> scripted(String script, List<String> labels) {
        return (index, label, timed) -> {
            labels.add(label);
            char c = index - 1 < script.length() ? script.charAt(index - 1) : 'x';
            return switch (c) {
                case 'm' -> RoundLoop.Attempt.made(index, true);
                case 'f' -> RoundLoop.Attempt.made(index, false);
                case 's' -> RoundLoop.Attempt.skip();
                default -> RoundLoop.Attempt.stop();
            };
        };
    }

    @Test
    void aFixedScheduleSkipsWhatItMustAndEndsWhereNothingMoreGoes() {
        List<String> labels = new ArrayList<>();
        List<Integer> made = new RoundLoop(RoundLoop.Plan.fixed(4), Progress.NONE).run(scripted("msmx", labels));
        assertEquals(List.of(1, 3), made, "round 2 was skipped, round 4 ended the loop");
        assertEquals(List.of("round 1 of 4", "round 2 of 4", "round 3 of 4", "round 4 of 4"), labels);
    }

    @Test
    void aFixedScheduleOfNoRoundsStillTriesOne() {
        List<Integer> made = new RoundLoop(RoundLoop.Plan.fixed(0), Progress.NONE).run(scripted("mm", new ArrayList<>()));
        assertEquals(List.of(1), made);
    }

    @Test
    void roundsInARowTheSearchDidNotGoOnFromEndIt() {
        RoundLoop.Plan plan = new RoundLoop.Plan(20, 10, true, 3);
        List<String> labels = new ArrayList<>();
        List<Integer> made = new RoundLoop(plan, Progress.NONE).run(scripted("mffmfffm", labels));
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), made, "a round gone on from resets the count; the third in a row ends");
        assertEquals("round 2 of about 10", labels.get(1));
    }

    @Test
    void theRoundsRunOutAtTheirMost() {
        List<Integer> made = new RoundLoop(new RoundLoop.Plan(3, 3, false, 3), Progress.NONE)
                .run(scripted("mmmmm", new ArrayList<>()));
        assertEquals(List.of(1, 2, 3), made);
    }
}

package org.odf2nna;

import java.util.ArrayList;
import java.util.List;

/**
 * The one loop of a progressive sweep's rounds, for dense chains and graphs alike: round k is made from the start the
 * rounds before it left, numbered and timed on one {@link RoundClock} ("round 3 of 4", the time left on every progress
 * line), collected in order, and the loop ends when a round can remove nothing more, when the rounds run out, or after
 * {@link Plan#failuresToStop} rounds in a row the search did not go on from. What differs between formats (how a round
 * is chosen, refitted, retrained and steered) is the {@link Rounds} a caller gives; no validation row is read here, so
 * the rounds are fixed before any of them is judged.
 */
public final class RoundLoop {

    /** The progress phase of judging the rounds on the validation rows, once the loop has made them all. */
    public static final String JUDGING = "judging rounds";

    private final Plan plan;
    private final RoundClock clock;
    private final Progress timed;

    /** A loop run as {@code plan} says, its clock started now, its progress lines told to {@code progress}. */
    public RoundLoop(Plan plan, Progress progress) {
        this.plan = plan;
        this.clock = new RoundClock(plan.expected(), plan.estimated());
        this.timed = clock.around(progress);
    }

    /**
     * How many rounds the loop runs and how its clock counts them.
     *
     * @param maxRounds      the most rounds made
     * @param expected       how many rounds the clock says there are
     * @param estimated      whether {@code expected} is an estimate ("of about 24": the rounds stop on their own)
     * @param failuresToStop rounds in a row the search did not go on from that end it
     */
    public record Plan(int maxRounds, int expected, boolean estimated, int failuresToStop) {

        /**
         * A fixed number of rounds, each the start of the next (a graph's: every round goes on, so none ends the loop
         * by failing); at least one is tried.
         */
        public static Plan fixed(int rounds) {
            return new Plan(Math.max(rounds, 1), rounds, false, 1);
        }
    }

    /**
     * What one try at a round came to: a round made (and whether the next starts from it), nothing to make at this
     * step (the loop goes on to the next number), or the end of the loop.
     */
    public record Attempt<R>(R round, boolean continued, boolean skipped) {

        /** A round made; {@code continued}: the next round starts from it, else from the same start as this one. */
        public static <R> Attempt<R> made(R round, boolean continued) {
            return new Attempt<>(round, continued, false);
        }

        /** Nothing to make at this step; the loop goes on to the next round number. */
        public static <R> Attempt<R> skip() {
            return new Attempt<>(null, false, true);
        }

        /** Nothing more can be removed: the loop ends. */
        public static <R> Attempt<R> stop() {
            return new Attempt<>(null, false, false);
        }

        boolean stopped() {
            return round == null && !skipped;
        }
    }

    /** A format's rounds: how round {@code index} is made from where the rounds before it left the search. */
    public interface Rounds<R> {

        /**
         * Makes round {@code index} (1-based), its progress lines starting with {@code label} and told to {@code timed}
         * (which adds the time left); the round says whether the next one starts from it.
         */
        Attempt<R> attempt(int index, String label, Progress timed);
    }

    /** The rounds {@code rounds} makes, in order. */
    public <R> List<R> run(Rounds<R> rounds) {
        List<R> made = new ArrayList<>();
        int failures = 0;
        for (int index = 1; index <= plan.maxRounds(); index++) {
            Attempt<R> attempt = rounds.attempt(index, clock.round(index), timed);
            if (attempt.skipped()) {
                continue;
            }
            if (attempt.stopped()) {
                break;
            }
            made.add(attempt.round());
            clock.finished(index);
            failures = attempt.continued() ? 0 : failures + 1;
            if (failures >= plan.failuresToStop()) {
                break;
            }
        }
        return made;
    }

    /** The progress lines with the time left on the loop's clock: for work after the rounds that belongs to them. */
    public Progress timed() {
        return timed;
    }
}

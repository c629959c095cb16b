package org.odf2nna;

import java.util.Locale;

/**
 * Where work done in rounds stands, for its progress lines: "round 3 of 4" (or "of about 24" where the rounds stop on
 * their own and their number is an estimate), and, once a round has finished, the time the rounds to come take at the
 * mean pace of the rounds so far (retraining included): a lower bound on the time left, since judging the rounds and
 * writing the choice come after them (a sweep estimated "about 6 min left" of a run that took 14).
 */
public final class RoundClock {

    private final int rounds;
    private final boolean estimated;
    private final long started;
    private int finished;
    private long finishedAt;

    /**
     * @param rounds    how many rounds there are, or are expected
     * @param estimated whether {@code rounds} is an estimate (the rounds stop on their own)
     */
    public RoundClock(int rounds, boolean estimated) {
        this(rounds, estimated, System.nanoTime());
    }

    RoundClock(int rounds, boolean estimated, long startedNanos) {
        this.rounds = Math.max(1, rounds);
        this.estimated = estimated;
        this.started = startedNanos;
    }

    /** "round 3 of 4", "round 3 of about 24"; past an estimate, "round 26" alone. */
    public String round(int index) {
        if (estimated && index > rounds) {
            return "round " + index;
        }
        return "round " + index + " of " + (estimated ? "about " : "") + rounds;
    }

    /** Round {@code index} (1-based) has finished now. */
    public void finished(int index) {
        finished(index, System.nanoTime());
    }

    void finished(int index, long nowNanos) {
        finished = index;
        finishedAt = nowNanos;
    }

    /**
     * "at least 2 min left (the rounds alone, at their pace so far)", or null before the first round has finished or
     * after the last.
     */
    public String left() {
        if (finished <= 0 || finished >= rounds) {
            return null;
        }
        double perRound = (finishedAt - started) / 1e9 / finished;
        return "at least " + duration(perRound * (rounds - finished)) + " left (the rounds alone, at their pace so far)";
    }

    /**
     * {@code progress} with {@link #left()} added to the note of every update (so that a long phase inside a round,
     * retraining, also says how far the whole run is from its end).
     */
    public Progress around(Progress progress) {
        return new ForwardingProgress(progress) {
            @Override
            public void update(String phase, long done, long total, String detail) {
                String left = left();
                super.update(phase, done, total, left == null ? detail
                        : detail == null ? left : detail + "; " + left);
            }
        };
    }

    /** "40 s", "3 min", "1 h 5 min". */
    static String duration(double seconds) {
        if (seconds < 90) {
            return String.format(Locale.ROOT, "%.0f s", Math.max(1, seconds));
        }
        long minutes = Math.round(seconds / 60);
        return minutes < 60 ? minutes + " min" : minutes / 60 + " h " + minutes % 60 + " min";
    }
}

package org.odf2nna.settings;


/**
 * How a sweep walks from the original network to smaller ones.
 *
 * @param kind      {@link Kind#PROGRESSIVE} (rounds of removal, refit and retraining) or {@link Kind#EPSILON} (the
 *                  paper's thresholds, each applied once to the original)
 * @param share     progressive: share of the current parameters a round removes (halved after a round that fails)
 * @param maxRounds progressive: rounds at most
 * @param inputs    progressive: the model's inputs are candidates too, where the dense chain reads them directly
 *                  (the written model keeps its input and picks the kept columns with a Gather)
 * @param ranking   progressive: what orders the removals (the reconstruction cost by default)
 */
public record Schedule(Kind kind, double share, int maxRounds, boolean inputs, Ranking ranking) {

    public enum Kind { PROGRESSIVE, EPSILON }

    /** Rounds that fail in a row before the progressive schedule stops. */
    public static final int FAILURES_TO_STOP = 3;

    /** The default share per round: measured on the reference models (docs/COMPARISON.md). */
    public static final double DEFAULT_SHARE = 0.2;

    public static final int DEFAULT_MAX_ROUNDS = 40;

    /** The paper's rule: a grid of ε. */
    public static final Schedule EPSILON = new Schedule(Kind.EPSILON, DEFAULT_SHARE, DEFAULT_MAX_ROUNDS, false,
            Ranking.COST);

    /** The default: progressive pruning. */
    public static final Schedule PROGRESSIVE = new Schedule(Kind.PROGRESSIVE, DEFAULT_SHARE, DEFAULT_MAX_ROUNDS,
            true, Ranking.COST);

    public Schedule {
        Checks.present("kind, ranking", kind, ranking);
        if (!(share > 0 && share < 1)) {
            throw new IllegalArgumentException("the share removed per round must be between 0 and 1, got " + share);
        }
        if (maxRounds < 1) {
            throw new IllegalArgumentException("rounds must be at least 1, got " + maxRounds);
        }
    }

    public boolean progressive() {
        return kind == Kind.PROGRESSIVE;
    }
}

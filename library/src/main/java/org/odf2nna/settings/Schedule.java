package org.odf2nna.settings;



/**
 * How a sweep walks from the original network to smaller ones.
 *
 * @param kind      {@link Kind#PROGRESSIVE} (rounds of removal, refit and retraining) or {@link Kind#EPSILON} (the
 *                  paper's thresholds, each applied once to the original)
 * @param share     progressive: share of the current parameters a round removes (halved after a round that fails), or
 *                  {@link #SHARE_BY_ROWS}: {@link #shareFor} chooses it from the number of validation rows
 * @param maxRounds progressive: rounds at most
 * @param inputs    progressive: the model's inputs are candidates too, where the dense chain reads them directly
 *                  (the written model keeps its input and picks the kept columns with a Gather)
 * @param ranking   progressive: what orders the removals ({@link Ranking#AUTO} by default)
 * @param promise   progressive: which promise the chosen round keeps ({@link Promise}; the
 *                  population reading by default)
 */
public record Schedule(Kind kind, double share, int maxRounds, boolean inputs, Ranking ranking,
        Promise promise) {

    /** With the default promise, the population reading. */
    public Schedule(Kind kind, double share, int maxRounds, boolean inputs, Ranking ranking) {
        this(kind, share, maxRounds, inputs, ranking, Promise.POPULATION);
    }


    public enum Kind { PROGRESSIVE, EPSILON }

    /** Rounds that fail in a row before the progressive schedule stops. */
    public static final int FAILURES_TO_STOP = 3;

    /** The share per round on fewer than {@link #FINE_SHARE_ROWS} validation rows (docs/research/COMPARISON.md). */
    public static final double DEFAULT_SHARE = 0.2;

    /**
     * The share per round on {@link #FINE_SHARE_ROWS} validation rows or more. A finer share makes the chain twice as
     * long, so each round is judged at about half its part of the 5%: on many rows that costs the bound little and
     * the gentler pruning goes further (LeNet-300-100, 5,000 rows); on a few hundred or a thousand it costs more than
     * it gains (pole, compactiv). Chosen on tuning splits only (docs/research/COMPARISON.md, "How the rule was settled").
     */
    public static final double FINE_SHARE = 0.1;

    /** Validation rows from which the default share is {@link #FINE_SHARE}: between pole's 1,500 and LeNet's 5,000. */
    public static final int FINE_SHARE_ROWS = 4000;

    /** The share's value meaning "chosen by {@link #shareFor} from the validation rows" (the default). */
    public static final double SHARE_BY_ROWS = 0;

    public static final int DEFAULT_MAX_ROUNDS = 40;

    /** The paper's rule: a grid of ε. */
    public static final Schedule EPSILON = new Schedule(Kind.EPSILON, DEFAULT_SHARE, DEFAULT_MAX_ROUNDS, false,
            Ranking.COST);

    /** The default: progressive pruning. */
    public static final Schedule PROGRESSIVE = new Schedule(Kind.PROGRESSIVE, SHARE_BY_ROWS, DEFAULT_MAX_ROUNDS,
            true, Ranking.AUTO);

    public Schedule {
        Checks.present("kind, ranking, promise", kind, ranking, promise);
        if (!(share > 0 && share < 1) && share != SHARE_BY_ROWS) {
            throw new IllegalArgumentException("the share removed per round must be between 0 and 1, got " + share);
        }
        if (maxRounds < 1) {
            throw new IllegalArgumentException("rounds must be at least 1, got " + maxRounds);
        }
    }

    public boolean progressive() {
        return kind == Kind.PROGRESSIVE;
    }

    /** The share a round removes when {@code validationRows} judge the rounds: the one given, or the default's. */
    public double shareFor(int validationRows) {
        return shareFor(validationRows, false);
    }

    /**
     * A YOLO detector's default share: one round of 45% of the block parameters, retrained long, where each retraining
     * costs minutes (docs/tasks/detector.md: rounds of 20% retrained 2 epochs each lost 8 points of mAP50-95 by 34.5%
     * fewer parameters, one of 45% retrained 16 epochs none).
     */
    public static final double DETECTOR_SHARE = 0.45;

    /** {@link #shareFor(int)}, for a YOLO detector's rounds {@link #DETECTOR_SHARE} by default. */
    public double shareFor(int validationRows, boolean detector) {
        return share != SHARE_BY_ROWS ? share : detector ? DETECTOR_SHARE : validationRows >= FINE_SHARE_ROWS
                ? FINE_SHARE : DEFAULT_SHARE;
    }
}

package org.odf2nna.report;

/**
 * What {@code shrink} did, on a dense chain or a graph: exactly one of its parts is filled, by the route the model and
 * the settings take. Each part is the report that route always returned, and writes its own JSON report as it did
 * (this record itself is never written).
 *
 * @param oneShot     a dense chain pruned once at each ε: the paper's table, one model per ε
 * @param graphRound  a graph without training rows: one round of the sweep's pruning, refitted, not retrained
 * @param progressive training rows and no ε: the progressive rounds {@code sweep} runs, on either kind
 */
public record ShrinkResult(ShrinkReport oneShot, GraphOneRound graphRound, SweepReport progressive) {

    public ShrinkResult {
        int filled = (oneShot != null ? 1 : 0) + (graphRound != null ? 1 : 0) + (progressive != null ? 1 : 0);
        if (filled != 1) {
            throw new IllegalArgumentException("a shrink result holds exactly one part, got " + filled);
        }
    }

    /** A dense chain pruned once at each ε. */
    public static ShrinkResult of(ShrinkReport oneShot) {
        return new ShrinkResult(oneShot, null, null);
    }

    /** A graph's one round. */
    public static ShrinkResult of(GraphOneRound graphRound) {
        return new ShrinkResult(null, graphRound, null);
    }

    /** Progressive rounds, a chain's or a graph's. */
    public static ShrinkResult of(SweepReport progressive) {
        return new ShrinkResult(null, null, progressive);
    }
}

package org.odf2nna.settings;

/**
 * What orders the removals of progressive pruning. COST is the reconstruction cost's own rule
 * ({@code prune.ReconstructionCost}); STD and IMPACT rank by the paper's score (a unit's activation standard
 * deviation, times the norm of its outgoing weights for IMPACT), squared and divided by its layer's sum so that
 * layers are comparable: kept to measure what the reconstruction cost buys. GREEDY_COST (a graph sweep's blocks;
 * chains rank as COST) drops a block's units one at a time, each the cheapest with the others refitted, so that
 * correlated units are not all dropped for each being cheap alone ({@code graph.GreedyCost}, issue 58). TAYLOR (a
 * graph sweep's blocks only; a dense chain refuses it) ranks by the first-order Taylor importance on the retraining's
 * loss, {@code Σ |w ⊙ ∂L/∂w|} over a unit's weights, as Torch-Pruning's TaylorImportance ({@code
 * graph.TaylorImportance}, issue 58). HEAD_LOSS (a graph sweep's attentions; everything else ranks as COST) takes
 * how many heads a round drops from each attention from COST, and which from the network's loss on training rows
 * with each head dropped alone and its block refitted ({@code graph.HeadLoss}, issue 58). COST_TAYLOR (a graph sweep's
 * blocks only; a dense chain refuses it) takes how many units a round drops from each block from COST, and which of a
 * block's units go from TAYLOR (a residual stream's channels, scored at all their consumers, stay COST's). AUTO (the
 * default) is COST_TAYLOR on a graph with attention heads whose rounds retrain end to end (a transformer), COST
 * everywhere else (a dense chain, a graph without heads, a graph whose rounds keep the sequential refit, a one-round
 * prune without retraining): on the two transformers measured Taylor's choice within a block is the one the retraining
 * recovers best from, level with Torch-Pruning's; on the MLP-Mixers it was behind the cost's (docs/research/COMPARISON.md,
 * "Taylor over every training row, at the cost's widths").
 */
public enum Ranking {
    COST, STD, IMPACT, GREEDY_COST, TAYLOR, HEAD_LOSS, COST_TAYLOR, AUTO;

    /** What a dense chain ranks by: {@link #AUTO} is {@link #COST} there. */
    public Ranking forChain() {
        return this == AUTO ? COST : this;
    }

    /**
     * What a graph sweep ranks by: {@link #AUTO} is {@link #COST_TAYLOR} on a graph with attention heads whose rounds
     * retrain end to end, {@link #COST} on any other.
     */
    public Ranking forGraph(boolean retrainsEndToEnd, boolean attentionHeads) {
        return this != AUTO ? this : retrainsEndToEnd && attentionHeads ? COST_TAYLOR : COST;
    }

    /** Whether the ranking reads the loss's gradients (a graph's translation only: a dense chain refuses it). */
    public boolean usesGradients() {
        return this == TAYLOR || this == COST_TAYLOR;
    }
}

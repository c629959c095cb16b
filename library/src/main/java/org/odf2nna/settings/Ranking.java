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
 * with each head dropped alone and its block refitted ({@code graph.HeadLoss}, issue 58).
 */
public enum Ranking { COST, STD, IMPACT, GREEDY_COST, TAYLOR, HEAD_LOSS }

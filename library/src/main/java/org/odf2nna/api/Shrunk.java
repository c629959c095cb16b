package org.odf2nna.api;

import org.odf2nna.network.DenseNetwork;

/**
 * What {@link Odf2nna#shrink} returns: the smaller network, in memory, and what it cost.
 *
 * @param original         the network given
 * @param network          the pruned (compensated, and retrained when training rows were given) network
 * @param epsilon          the threshold applied
 * @param retrainEpochsRun epochs retraining ran (0 when it did not)
 * @param bestEpoch        the epoch kept (0: the compensated weights)
 */
public record Shrunk(DenseNetwork original, DenseNetwork network, double epsilon, int retrainEpochsRun,
        int bestEpoch) implements SmallerNetwork {
}

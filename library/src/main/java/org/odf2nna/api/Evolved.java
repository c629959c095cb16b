package org.odf2nna.api;

import org.odf2nna.network.DenseNetwork;

/**
 * What {@link Odf2nna#evolve} returns.
 *
 * @param original    the network given
 * @param network     the best mask's network, refitted by least squares and retrained (when epochs allow)
 * @param compensated the same before retraining
 * @param fitness     the best mask's validation accuracy (or minus its MSE), with mean folding, as the search saw it
 * @param evaluations fitness evaluations run
 */
public record Evolved(DenseNetwork original, DenseNetwork network, DenseNetwork compensated, double fitness,
        int evaluations) implements SmallerNetwork {
}

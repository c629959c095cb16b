/**
 * The pruning algorithms, on {@code DenseNetwork}s and rows in memory, never on files: unit statistics,
 * {@code EpsilonRule} (the paper's rule), {@code ReconstructionCost} (the default ranking), {@code Pruner} (mean
 * folding), {@code LeastSquaresCompensation}. Uses {@code network} and {@code settings}.
 */
package org.odf2nna.prune;

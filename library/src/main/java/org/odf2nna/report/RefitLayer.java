package org.odf2nna.report;

/**
 * How least-squares compensation refitted one layer (see {@code prune.LeastSquaresCompensation}).
 *
 * @param layer             the refitted layer, 1-based
 * @param inputs            its inputs after pruning
 * @param rows              fitting rows
 * @param lambda            the ridge λ used
 * @param solver            "cholesky", or "pseudo-inverse" for a singular system
 * @param meanFoldingError  mean squared error of its pre-activations against the original's on the fitting rows,
 *                          with mean folding's weights on the same inputs
 * @param leastSquaresError the same with the refitted weights
 */
public record RefitLayer(int layer, int inputs, long rows, double lambda, String solver, double meanFoldingError,
        double leastSquaresError) {
}

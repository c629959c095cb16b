package org.odf2nna.method;

/**
 * Sums the scoring pass made over the rows it kept for least squares, so that refits need no pass of their own for
 * them: the last refit's targets and the first refit's Gram matrix.
 *
 * @param outputTargets the original's pre-activations of its output layer on every kept row, or null when not made
 * @param grams         Gram matrices of hidden layers' outputs over the same rows, or null when none was taken
 */
record FittingSums(OutputTargets outputTargets, LayerGrams grams) {
}

package org.odf2nna.settings;

/** How the next layer makes up for the units pruned from the layer before it. */
public enum Compensation implements ShortName {
    /**
     * ODF2NNA's mean folding: each dropped unit becomes its mean output, added to the next layer's bias
     * ({@code prune.Pruner}).
     */
    MEAN,
    /**
     * A ridge-regularised least-squares refit of the next layer's weights and bias on the kept units, so that
     * its pre-activations match the original network's on the fitting rows ({@code prune.LeastSquaresCompensation}).
     */
    LSQ;

    /** Parses {@code mean} or {@code lsq} (case-insensitive); null for anything else. */
    public static Compensation parse(String text) {
        return ShortName.parse(Compensation.class, text);
    }
}

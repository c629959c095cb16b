package org.odf2nna.settings;

import java.util.Locale;

/** How the next layer makes up for the units pruned from the layer before it. */
public enum Compensation {
    /**
     * ODF2NNA's mean folding: each dropped unit becomes its mean output, added to the next layer's bias
     * ({@code prune.Pruner}).
     */
    MEAN("mean"),
    /**
     * A ridge-regularised least-squares refit of the next layer's weights and bias on the kept units, so that
     * its pre-activations match the original network's on the fitting rows ({@code prune.LeastSquaresCompensation}).
     */
    LSQ("lsq");

    private final String id;

    Compensation(String id) {
        this.id = id;
    }

    /** The name used on the command line and in reports. */
    public String id() {
        return id;
    }

    /** Parses {@code mean} or {@code lsq} (case-insensitive); null for anything else. */
    public static Compensation parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (Compensation c : values()) {
            if (c.id.equals(t)) {
                return c;
            }
        }
        return null;
    }
}

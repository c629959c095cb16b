package org.odf2nna.cli;

import org.odf2nna.InputException;
import org.odf2nna.settings.PruningOptions;
import picocli.CommandLine.Option;

/** Least squares' --ridge, shared by the commands that compensate. */
final class RidgeCliOption {

    @Option(names = "--ridge", paramLabel = "R",
            description = "Least squares' ridge towards mean folding's weights, relative to the kept units' "
                    + "average variance (default: " + PruningOptions.DEFAULT_RIDGE + ", or "
                    + PruningOptions.RETRAINING_RIDGE + " when the pruned networks are retrained: "
                    + "weights kept nearer mean folding's retrain better).")
    Double ridge;

    /** The given ridge, or NaN (chosen by whether the pruned networks are retrained) when none is given. */
    double value() {
        if (ridge == null) {
            return Double.NaN;
        }
        try {
            PruningOptions.checkRidge(ridge);
        } catch (IllegalArgumentException e) {
            throw InputException.usage("--" + e.getMessage()); // "ridge must be ...": the flag's own name
        }
        return ridge;
    }
}

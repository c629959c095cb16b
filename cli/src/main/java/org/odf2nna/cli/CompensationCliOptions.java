package org.odf2nna.cli;

import org.odf2nna.InputException;
import org.odf2nna.settings.Compensation;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** How the next layer makes up for the removed units, and least squares' ridge (shrink, sweep, run, evolve). */
final class CompensationCliOptions {

    @Option(names = "--compensate", paramLabel = "HOW", defaultValue = "lsq",
            description = "How the next layer makes up for the removed units (the first layer for removed inputs). "
                    + "lsq (default): its weights and bias are refitted by least squares so that its pre-activations "
                    + "match the original network's on the training rows (one-shot shrink: the --eval rows), never "
                    + "worse than mean folding on those rows. mean: each removed unit's mean output (an input's mean "
                    + "value) is folded into its bias (the paper's method). PWR is reported with both.")
    String how;

    @Mixin
    RidgeCliOption ridge;

    Compensation compensation() {
        Compensation c = Compensation.parse(how);
        if (c == null) {
            throw InputException.usage("--compensate must be mean or lsq, got '" + how + "'");
        }
        return c;
    }

    /** The given ridge, or NaN (chosen by whether the pruned networks are retrained) when none is given. */
    double ridge() {
        return ridge.value();
    }
}

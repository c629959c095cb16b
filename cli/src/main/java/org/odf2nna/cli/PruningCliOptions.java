package org.odf2nna.cli;

import org.odf2nna.InputException;
import org.odf2nna.settings.PruningOptions;
import org.odf2nna.settings.UnitScore;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** What ε is compared with, and how the next layer makes up for the removed units. */
final class PruningCliOptions {

    @Option(names = "--score", paramLabel = "SCORE", defaultValue = "std",
            description = "What ε is compared with. std (default, the paper's): the standard deviation of a unit's "
                    + "activation over the rows, so ε is in the units of the activation (a ReLU or Tanh output). "
                    + "impact: that std times the norm of the unit's outgoing weights, which is how far replacing "
                    + "the unit by its mean moves the next layer's pre-activations (root of the summed variances), "
                    + "so ε is in the units of the next layer's pre-activation.")
    String score;

    @Mixin
    CompensationCliOptions compensation;

    PruningOptions options() {
        UnitScore s = UnitScore.parse(score);
        if (s == null) {
            throw InputException.usage("--score must be std or impact, got '" + score + "'");
        }
        return new PruningOptions(s, compensation.compensation(), compensation.ridge());
    }
}

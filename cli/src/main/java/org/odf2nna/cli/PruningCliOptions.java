package org.odf2nna.cli;

import org.odf2nna.InputException;
import org.odf2nna.settings.Compensation;
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

    @Option(names = "--compensate", paramLabel = "HOW", defaultValue = "lsq",
            description = "How the next layer makes up for the removed units. lsq (default): after each layer's "
                    + "units are chosen, the next layer's weights and bias are refitted by least squares so that "
                    + "its pre-activations match the original network's on the rows the units are scored on "
                    + "(never worse than mean folding on those rows). mean: each removed unit's mean output is "
                    + "folded into the next layer's bias (the paper's method). PWR is reported with both.")
    String compensate;

    @Mixin
    RidgeCliOption ridge;

    PruningOptions options() {
        UnitScore s = UnitScore.parse(score);
        if (s == null) {
            throw InputException.usage("--score must be std or impact, got '" + score + "'");
        }
        return new PruningOptions(s, compensation(compensate), ridge.value());
    }

    static Compensation compensation(String text) {
        Compensation c = Compensation.parse(text);
        if (c == null) {
            throw InputException.usage("--compensate must be mean or lsq, got '" + text + "'");
        }
        return c;
    }
}

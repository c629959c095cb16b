package org.odf2nna.cli;

import org.odf2nna.settings.UnitPruningBuilder;
import picocli.CommandLine.Option;

/** --max-drop, the promise the chosen model keeps (shrink, sweep, run). */
final class MaxDropOption {

    @Option(names = "--max-drop", paramLabel = "D",
            description = "The most the chosen model may lose: accuracy points for classification (default 1), "
                    + "percent of MSE for regression (default 10), percent of perplexity for a language model (--task next-token, "
                    + "default 5). Progressive pruning (the default of sweep and run, "
                    + "and of shrink --train without --epsilon): the validation rows must certify it, the rounds "
                    + "sharing one 5%% (at most 5%% of runs write a model that loses more on a new set of as many "
                    + "rows); the ε schedule of sweep and run: the retrained "
                    + "validation metric must. Test rows never choose.")
    Double value;

    /** {@code settings} with the maximum drop when one is given; else the task's default stands. */
    <B extends UnitPruningBuilder<B>> B applyTo(B settings) {
        return value == null ? settings : settings.maxDrop(value);
    }
}

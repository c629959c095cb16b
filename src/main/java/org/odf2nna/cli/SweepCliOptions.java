package org.odf2nna.cli;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import org.odf2nna.InputException;
import org.odf2nna.prune.EpsilonGrid;
import picocli.CommandLine.Option;

/** The ε grid and the automatic choice. */
final class SweepCliOptions {

    @Option(names = {"-e", "--epsilon"}, paramLabel = "E", split = ",", converter = EpsilonConverter.class,
            description = "Thresholds on the unit score (--score) to try (default: derived from the spread of the "
                    + "scores on the training rows, so that each step removes a different share of the units).")
    List<Double> epsilons = List.of();

    @Option(names = "--steps", paramLabel = "K", defaultValue = "" + EpsilonGrid.DEFAULT_STEPS,
            description = "How many thresholds to derive when --epsilon is not given (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--max-drop", paramLabel = "D",
            description = "Choose the smallest model whose retrained validation metric is at most D worse than the "
                    + "original's: accuracy points for classification (default 1), percent of MSE for regression "
                    + "(default 10). Validation rows are held out from the training rows; test rows never choose.")
    Double maxDrop;

    @Option(names = "--chart", paramLabel = "BASE",
            description = "Write the chart of metric against parameters as BASE.png and BASE.svg.")
    Path chart;

    @Option(names = "--compare-scratch",
            description = "Also train the chosen topology from random weights with the same budget, and report both.")
    boolean compareScratch;

    void check() {
        if (new HashSet<>(epsilons).size() != epsilons.size()) {
            throw InputException.usage("--epsilon lists a value twice: " + epsilons);
        }
        if (steps < 1) {
            throw InputException.usage("--steps must be at least 1, got " + steps);
        }
        if (maxDrop != null && (!(maxDrop >= 0) || maxDrop.isInfinite())) {
            throw InputException.usage("--max-drop must be a number >= 0, got " + maxDrop);
        }
    }
}

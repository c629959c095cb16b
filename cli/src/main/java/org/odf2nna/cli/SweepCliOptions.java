package org.odf2nna.cli;

import java.nio.file.Path;
import java.util.List;
import org.odf2nna.InputException;
import org.odf2nna.settings.Ranking;
import org.odf2nna.settings.Schedule;
import org.odf2nna.settings.SweepSettings;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The ε grid and the automatic choice. */
final class SweepCliOptions {

    @Option(names = {"-e", "--epsilon"}, paramLabel = "E", split = ",", converter = EpsilonConverter.class,
            description = "Thresholds on the unit score (--score) to try (default: derived from the spread of the "
                    + "scores on the training rows, so that each step removes a different share of the units).")
    List<Double> epsilons = List.of();

    @Option(names = "--steps", paramLabel = "K", defaultValue = "" + SweepSettings.DEFAULT_STEPS,
            description = "How many thresholds to derive when --epsilon is not given (default: ${DEFAULT-VALUE}).")
    int steps;

    @Mixin
    MaxDropOption maxDrop;

    @Option(names = "--schedule", paramLabel = "progressive|epsilon",
            description = "progressive (the default without --epsilon): rounds that each remove --share of the "
                    + "parameters (the units the least-squares refit best makes up for), refit and retrain, steered on "
                    + "training rows and judged once on the validation rows; epsilon (the default with --epsilon): the paper's grid of thresholds, "
                    + "each applied once to the original.")
    String schedule;

    @Option(names = "--share", paramLabel = "S",
            description = "Progressive schedule: share of the current parameters each round removes (default: "
                    + Schedule.FINE_SHARE + " on " + Schedule.FINE_SHARE_ROWS + " validation rows or more, else "
                    + Schedule.DEFAULT_SHARE + "; " + Schedule.DETECTOR_SHARE + " for a YOLO detector).")
    Double share;

    @Option(names = "--rank", paramLabel = "auto|cost|cost-taylor|greedy-cost|taylor|head-loss|std|impact",
            description = "Progressive schedule: what orders the removals: auto (default), cost-taylor on a graph "
                    + "whose rounds retrain end to end and cost everywhere else (a dense chain, a graph that keeps the "
                    + "sequential refit, shrink's one round); cost, the error the least-squares refit cannot make up "
                    + "for, each unit alone; cost-taylor, how many units each block gives by cost and which of them "
                    + "by taylor (a chain refuses it); greedy-cost, a graph's block units dropped one at a time, each the "
                    + "cheapest with the others refitted (a chain ranks as cost); taylor, a graph's units by the "
                    + "first-order Taylor importance of the retraining's loss (one gradient pass over the retraining's "
                    + "rows per round; a chain refuses it); head-loss, as cost but which heads of an attention go by "
                    + "the network's loss on training rows with each dropped alone (one pass per head; a chain ranks "
                    + "as cost); std or impact, the paper's unit scores (squared, as a share of their layer's sum).")
    String rank;

    @Option(names = "--keep-block", paramLabel = "NAME",
            description = "Progressive schedule: leave this block as it is (repeatable). On a graph, a block as "
                    + "inspect lists it: its number or its first or second layer's node name, or attention for every "
                    + "attention block (its heads); on a dense chain, a "
                    + "hidden layer's 1-based number or its layer's node name. Every other block still loses at most "
                    + "half its units in a round and keeps at least max(2, 10%%) of them (one head of an attention).")
    List<String> keepBlocks = List.of();

    @Option(names = "--promise", paramLabel = "population|new-set",
            description = "Which promise the written round keeps, each with 95%% over repeated runs: population (the "
                    + "default), its accuracy on the data the validation rows come from is at most --max-drop below "
                    + "the original's (rounds tested in order, each at the whole 5%%, stopping at the first that "
                    + "fails); new-set, a new set of as many rows loses at most --max-drop (the 5%% shared by at most "
                    + "5 rounds picked on training rows).")
    String promise;

    @Option(names = "--keep-inputs",
            description = "Progressive schedule: never remove inputs. By default an input the refit of the first layer "
                    + "makes up for goes like a unit (the written model still takes every column and picks the ones "
                    + "it reads with a Gather node), where the dense chain reads the model's input directly.")
    boolean keepInputs;

    @Option(names = "--paper",
            description = "The paper's own rule: the ε schedule, unit std, mean folding, retraining on the targets "
                    + "alone, and its choice (validation metric within --max-drop and at most --max-drop%% of the "
                    + "training rows changing class).")
    boolean paper;

    @Option(names = "--chart", paramLabel = "BASE",
            description = "Write the chart of metric against parameters as BASE.png and BASE.svg.")
    Path chart;

    @Option(names = "--compare-scratch",
            description = "Also train the chosen topology from random weights with the same budget, and report both.")
    boolean compareScratch;

    /**
     * The sweep settings these flags ask for; the caller adds retraining, pruning and the rest, and
     * {@link SweepSettings.Builder#build()} checks them, whether the schedule's flags go together included.
     */
    SweepSettings.Builder settings() {
        SweepSettings.Builder settings = SweepSettings.builder().epsilons(epsilons).steps(steps)
                .compareScratch(compareScratch).paper(paper).inputs(!keepInputs).keepBlocks(keepBlocks);
        if (schedule != null) {
            settings.schedule(switch (schedule.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "progressive" -> Schedule.Kind.PROGRESSIVE;
                case "epsilon", "ε" -> Schedule.Kind.EPSILON;
                default -> throw InputException.usage("--schedule must be progressive or epsilon, got '" + schedule
                        + "'");
            });
        }
        if (share != null) {
            settings.share(share);
        }
        if (promise != null) {
            try {
                settings.promise(org.odf2nna.settings.Promise.ofOption(promise));
            } catch (IllegalArgumentException e) {
                throw InputException.usage("--promise must be population or new-set, got '" + promise + "'");
            }
        }
        if (rank != null) {
            try {
                settings.ranking(Ranking.valueOf(rank.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_')));
            } catch (IllegalArgumentException e) {
                throw InputException.usage("--rank must be auto, cost, cost-taylor, greedy-cost, taylor, "
                        + "head-loss, std or impact, got '" + rank + "'");
            }
        }
        return maxDrop.applyTo(settings);
    }

    /** Where the chart goes: --chart, else beside the output (OUT-NAME.chart.png/.svg). */
    Path chart(Path output) {
        if (chart != null) {
            return chart;
        }
        String name = output.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return output.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".chart");
    }
}

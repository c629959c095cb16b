package org.odf2nna.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.odf2nna.InputException;
import picocli.CommandLine.ParseResult;

/**
 * Options that only one kind of model takes. sweep and shrink read dense chains and graphs with one set of options;
 * an option the model's kind would not use is refused in one line that says what that kind does instead, rather than
 * ignored (issue 49's option matrix, docs/commands.md).
 */
final class OptionScope {

    /** Chain options a graph's rounds do not read, each with what the graph path does instead. */
    private static final Map<String, String> CHAIN_ONLY = new LinkedHashMap<>();

    /** Graph options a dense chain does not read, each with what the chain path does instead. */
    private static final Map<String, String> GRAPH_ONLY = new LinkedHashMap<>();

    static {
        String graphRetrains = "a graph's rounds retrain end to end with the --graph-* options";
        CHAIN_ONLY.put("--batch-size", graphRetrains + " (--graph-batch-size)");
        CHAIN_ONLY.put("--learning-rate", graphRetrains + " (--graph-learning-rate)");
        CHAIN_ONLY.put("--retrain-epochs", graphRetrains + " (--graph-epochs)");
        CHAIN_ONLY.put("--original-epochs", graphRetrains + " (--graph-epochs)");
        // --rank and --compensate reach a graph's rounds (the sweep's settings serve both paths); these do not.
        CHAIN_ONLY.put("--ridge", "a graph's blocks are refitted by sequential least squares (--compensate lsq) at "
                + "a ridge of their own, then retrained (--graph-retrain)");
        CHAIN_ONLY.put("--score", "a graph's units are ranked in one order by --rank (auto, cost, cost-taylor, "
                + "greedy-cost, taylor, head-loss, impact or std; docs/graphs.md)");
        String rounds = "a graph's blocks are pruned in progressive rounds";
        CHAIN_ONLY.put("--epsilon", rounds + ", each a share of their parameters, as sweep prunes them (ε "
                + "thresholds a dense chain's unit scores once): drop --epsilon: shrink without --train then prunes one "
                + "round refitted on the --eval rows; give --train and --validation for rounds retrained and judged, "
                + "or sweep --share S, the share each round removes");
        CHAIN_ONLY.put("--paper", rounds);
        CHAIN_ONLY.put("--schedule", rounds);
        CHAIN_ONLY.put("--steps", rounds);
        CHAIN_ONLY.put("--keep-inputs", "a graph's inputs are never removed");
        CHAIN_ONLY.put("--clip-inputs", "a graph's inputs are not clipped yet");
        CHAIN_ONLY.put("--compare-scratch", "training a graph from random weights is not offered");
        String chainRetrains = "a dense chain retrains with --retrain-epochs, --batch-size and --learning-rate";
        for (String o : new String[] {"--graph-retrain", "--graph-epochs", "--graph-rows", "--graph-learning-rate",
                "--graph-batch-size", "--graph-train", "--graph-schedule"}) {
            GRAPH_ONLY.put(o, chainRetrains);
        }
        String judged = "a dense chain's output is judged by its task (--task)";
        GRAPH_ONLY.put("--threshold", judged);
        GRAPH_ONLY.put("--decode", judged);
        String oneInput = "a dense chain has one input of fixed width, fed by the data files' columns";
        GRAPH_ONLY.put("--input-shape", oneInput);
        GRAPH_ONLY.put("--input", oneInput);
        GRAPH_ONLY.put("--prune-input", oneInput);
        GRAPH_ONLY.put("--round-to", "a dense chain's hidden layers are pruned unit by unit to any width (its own "
                + "ranking, not the graph's rounds)");
        GRAPH_ONLY.put("--budget", "a dense chain's rounds count parameters (a dense layer's multiply-adds per row "
                + "are its weights)");
    }

    /** Retraining options shrink reads only with --train (without it, it prunes once by ε and trains nothing). */
    private static final String[] RETRAINING = {"--batch-size", "--learning-rate", "--patience", "--validation-split",
        "--seed"};

    private OptionScope() {
    }

    /** Refuses a retraining option given to shrink without --train, which would not read it. */
    static void checkOneShot(ParseResult given, Path model) {
        for (String o : RETRAINING) {
            if (given.hasMatchedOption(o)) {
                throw InputException.usage(model, o + " needs --train CSV: without it shrink prunes once by ε and "
                        + "retrains nothing");
            }
        }
        checkUntimed(given, model);
    }

    /** Options of the timing against the original, which only sweep's rounds (sweep, shrink --train) read. */
    private static final String[] TIMING = {"--latency-batch", "--latency-threads", "--allow-slower"};

    /** Refuses a timing option given to shrink's one pass (by ε, or a graph's one round), which times nothing. */
    static void checkUntimed(ParseResult given, Path model) {
        for (String o : TIMING) {
            if (given.hasMatchedOption(o)) {
                throw InputException.usage(model, o + " applies to sweep's rounds (sweep, or shrink with --train "
                        + "and no --epsilon), which are timed against the original before one is written; shrink's "
                        + "one pass is not timed");
            }
        }
    }

    /**
     * Refuses the first option given on the command line that {@code model}'s kind does not read.
     *
     * @param graph whether the model's dense blocks inside a graph are pruned (else its dense chain)
     * @throws InputException a usage error naming the option, the model and what its kind does instead
     */
    static void check(ParseResult given, Path model, boolean graph) {
        Map<String, String> other = graph ? CHAIN_ONLY : GRAPH_ONLY;
        for (Map.Entry<String, String> e : other.entrySet()) {
            if (given.hasMatchedOption(e.getKey())) {
                throw InputException.usage(model, e.getKey() + " applies to " + (graph ? "dense chains" : "graphs")
                        + "; " + e.getValue());
            }
        }
    }
}

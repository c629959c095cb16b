package org.odf2nna.cli;

import java.util.Map;
import org.odf2nna.Setting;
import org.odf2nna.settings.GraphRetraining;
import org.odf2nna.settings.LearningRateSchedule;
import picocli.CommandLine.Option;

/** How sweep and shrink --train retrain a graph's rounds after the blocks' refit (graph models only). */
final class GraphRetrainOptions {

    @Option(names = "--graph-retrain", paramLabel = "end-to-end|sequential", defaultValue = "end-to-end",
            description = "Graph models (dense blocks inside the graph): end-to-end (the default) distils each "
                    + "round's whole pruned graph from the original with TensorFlow after the sequential least-squares "
                    + "refit of the blocks, on training rows only (the refitted values stay a candidate); sequential "
                    + "keeps the refit alone. A graph with a node the TensorFlow translation lacks falls back to "
                    + "sequential with a note naming the node.")
    String mode;

    @Option(names = "--graph-epochs", paramLabel = "N", defaultValue = "" + GraphRetraining.DEFAULT_EPOCHS,
            description = "Graph models: end-to-end epochs per round (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--graph-rows", paramLabel = "N", defaultValue = "" + GraphRetraining.DEFAULT_ROWS,
            description = "Graph models: the first N training rows the end-to-end retraining runs on, a fifth of "
                    + "them held out to choose the epoch (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--graph-learning-rate", paramLabel = "LR", defaultValue = "NaN",
            description = "Graph models: Adam's learning rate of the end-to-end retraining, the peak of the one-cycle "
                    + "schedule (default: " + GraphRetraining.DEFAULT_LEARNING_RATE_TEXT + ", or 0.0002 for a graph "
                    + "fed token ids: a fine-tuned language model).")
    float learningRate;

    @Option(names = "--graph-batch-size", paramLabel = "N", defaultValue = "" + GraphRetraining.DEFAULT_BATCH_SIZE,
            description = "Graph models: rows per step of the end-to-end retraining (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--graph-train", paramLabel = "blocks|all", defaultValue = GraphRetraining.DEFAULT_SCOPE_TEXT,
            description = "Graph models: what the end-to-end retraining trains: the pruned blocks' weights (blocks) or "
                    + "every float weight of the graph (all) (default: ${DEFAULT-VALUE}).")
    String scope;

    @Option(names = "--graph-schedule", paramLabel = "constant|one-cycle",
            defaultValue = GraphRetraining.DEFAULT_SCHEDULE_TEXT,
            description = "Graph models: the learning rate over each round's steps: constant, or one cycle up to "
                    + "--graph-learning-rate and down again (default: ${DEFAULT-VALUE}).")
    String schedule;

    /** The retraining asked for; a setting out of range is a usage error naming its flag. */
    GraphRetraining retraining() {
        GraphRetraining.Mode m = Setting.GRAPH_RETRAIN.parse(mode, Map.of("end-to-end", GraphRetraining.Mode.END_TO_END,
                "sequential", GraphRetraining.Mode.SEQUENTIAL), "graph retraining", "end-to-end or sequential");
        GraphRetraining.Scope sc = Setting.GRAPH_TRAIN.parse(scope, Map.of("blocks", GraphRetraining.Scope.BLOCKS,
                "all", GraphRetraining.Scope.ALL), "graph retraining scope", "blocks or all");
        LearningRateSchedule sch = Setting.GRAPH_SCHEDULE.parse(schedule, Map.of("constant",
                LearningRateSchedule.CONSTANT, "one-cycle", LearningRateSchedule.ONE_CYCLE), "learning rate schedule",
                "constant or one-cycle");
        return Flags.built(() -> new GraphRetraining(m, epochs, rows, learningRate, batchSize, sc, sch));
    }
}

package org.odf2nna.cli;

import java.util.Map;
import org.odf2nna.Setting;
import org.odf2nna.settings.GraphRetraining;
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

    @Option(names = "--graph-learning-rate", paramLabel = "LR", defaultValue = GraphRetraining.DEFAULT_LEARNING_RATE_TEXT,
            description = "Graph models: Adam's learning rate of the end-to-end retraining (default: "
                    + "${DEFAULT-VALUE}; small, since the graph is trained already).")
    float learningRate;

    /** The retraining asked for; a setting out of range is a usage error naming its flag. */
    GraphRetraining retraining() {
        GraphRetraining.Mode m = Setting.GRAPH_RETRAIN.parse(mode, Map.of("end-to-end", GraphRetraining.Mode.END_TO_END,
                "sequential", GraphRetraining.Mode.SEQUENTIAL), "graph retraining", "end-to-end or sequential");
        return Flags.built(() -> new GraphRetraining(m, epochs, rows, learningRate));
    }
}

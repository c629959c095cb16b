package org.odf2nna.cli;

import java.nio.file.Path;
import java.util.Map;
import org.odf2nna.InputException;
import org.odf2nna.Setting;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.GraphRetraining;
import org.odf2nna.settings.LearningRateSchedule;
import org.odf2nna.settings.RetrainSettings;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Options of the retraining step, declared once for sweep, shrink and evolve: a dense chain's (TensorFlow Java on
 * --train, {@link #settings()}) and a graph's rounds' after the blocks' refit (the --graph-* flags,
 * {@link #graphRetraining()}). Each kind reads its own; {@link OptionScope} refuses the other kind's in one line.
 */
final class RetrainCliOptions {

    @Option(names = "--train", paramLabel = "CSV",
            description = "Labelled training rows: retrain each pruned network on them (the paper's PR stage), "
                    + "starting from its pruned weights. Part of them is held out for validation, unless --validation names "
                    + "other rows.")
    Path train;

    @Option(names = "--validation", paramLabel = "CSV",
            description = "Rows the original model never saw, instead of a held-out share of --train (which is then "
                    + "trained on whole). Progressive pruning (the default of sweep and shrink --train): they only "
                    + "certify the choice (over repeated runs, at most 5%% write a model that loses more than "
                    + "--max-drop on a new set of as many rows like them); for a "
                    + "classifier they need no labels (a changed prediction counts as lost), so production inputs "
                    + "serve. The ε schedule: best epoch, early stopping and the choice of ε.")
    Path validation;

    @Option(names = "--retrain-epochs", paramLabel = "N",
            description = "Epochs to retrain (default: 15%% of --original-epochs, or of the epochs recorded in the "
                    + "model, else " + RetrainSettings.DEFAULT_EPOCHS + ").")
    Integer retrainEpochs;

    @Option(names = "--original-epochs", paramLabel = "N",
            description = "Epochs the original model was trained for; retraining then runs 15%% of them.")
    Integer originalEpochs;

    @Mixin
    TrainingCliOptions training;

    @Mixin
    DistillCliOptions distill;

    @Option(names = "--graph-retrain", paramLabel = "end-to-end|sequential", defaultValue = "end-to-end",
            description = "Graph models (dense blocks inside the graph): end-to-end (the default) distils each "
                    + "round's whole pruned graph from the original with TensorFlow after the sequential least-squares "
                    + "refit of the blocks, on training rows only (the refitted values stay a candidate); sequential "
                    + "keeps the refit alone. A graph with a node the TensorFlow translation lacks falls back to "
                    + "sequential with a note naming the node.")
    String graphMode;

    @Option(names = "--graph-epochs", paramLabel = "N", defaultValue = "" + GraphRetraining.GRAPH_DEFAULT_EPOCHS,
            description = "Graph models: end-to-end epochs per round (default: " + GraphRetraining.DEFAULT_EPOCHS
                    + "; " + GraphRetraining.DETECTOR_EPOCHS + " for a YOLO detector).")
    int graphEpochs;

    @Option(names = "--graph-rows", paramLabel = "N", defaultValue = "" + GraphRetraining.DEFAULT_ROWS,
            description = "Graph models: the first N training rows the end-to-end retraining runs on, a fifth of "
                    + "them held out to choose the epoch (default: ${DEFAULT-VALUE}).")
    int graphRows;

    @Option(names = "--graph-learning-rate", paramLabel = "LR", defaultValue = "NaN",
            description = "Graph models: Adam's learning rate of the end-to-end retraining, the peak of the one-cycle "
                    + "schedule (default: " + GraphRetraining.DEFAULT_LEARNING_RATE_TEXT + ", or 0.0002 for a graph "
                    + "fed token ids: a fine-tuned language model).")
    float graphLearningRate;

    @Option(names = "--graph-batch-size", paramLabel = "N", defaultValue = "" + GraphRetraining.DEFAULT_BATCH_SIZE,
            description = "Graph models: rows per step of the end-to-end retraining (default: ${DEFAULT-VALUE}).")
    int graphBatchSize;

    @Option(names = "--graph-train", paramLabel = "blocks|all", defaultValue = GraphRetraining.DEFAULT_SCOPE_TEXT,
            description = "Graph models: what the end-to-end retraining trains: the pruned blocks' weights (blocks) or "
                    + "every float weight of the graph (all) (default: ${DEFAULT-VALUE}).")
    String graphScope;

    @Option(names = "--graph-schedule", paramLabel = "constant|one-cycle",
            defaultValue = GraphRetraining.DEFAULT_SCHEDULE_TEXT,
            description = "Graph models: the learning rate over each round's steps: constant, or one cycle up to "
                    + "--graph-learning-rate and down again (default: ${DEFAULT-VALUE}).")
    String graphSchedule;

    /** A dense chain's retraining asked for, or null when there is no --train. */
    RetrainSettings settings() {
        if (train == null) {
            if (retrainEpochs != null || originalEpochs != null || validation != null || distill.given()) {
                throw InputException.usage("--retrain-epochs, --original-epochs, --validation, --target-weight and "
                        + "--temperature need --train CSV");
            }
            return null;
        }
        return required();
    }

    /** The retraining, which the command cannot do without (the rows it reads are --train and --validation). */
    RetrainSettings required() {
        if (train == null) {
            throw InputException.usage("--train CSV is required: the pruned networks are retrained on it and the "
                    + "model is chosen on its held-out part");
        }
        return Flags.built(() -> training.retraining(training.retrainLearningRate()).epochs(retrainEpochs)
                .originalEpochs(originalEpochs).patience(training.patience).distillation(distill.options(
                        Distillation.DEFAULT)).build());
    }

    /**
     * How a graph's rounds are retrained after the blocks' refit; a setting out of range is a usage error naming its
     * flag.
     */
    GraphRetraining graphRetraining() {
        GraphRetraining.Mode m = Setting.GRAPH_RETRAIN.parse(graphMode, Map.of("end-to-end",
                GraphRetraining.Mode.END_TO_END, "sequential", GraphRetraining.Mode.SEQUENTIAL), "graph retraining",
                "end-to-end or sequential");
        GraphRetraining.Scope sc = Setting.GRAPH_TRAIN.parse(graphScope, Map.of("blocks", GraphRetraining.Scope.BLOCKS,
                "all", GraphRetraining.Scope.ALL), "graph retraining scope", "blocks or all");
        LearningRateSchedule sch = Setting.GRAPH_SCHEDULE.parse(graphSchedule, Map.of("constant",
                LearningRateSchedule.CONSTANT, "one-cycle", LearningRateSchedule.ONE_CYCLE), "learning rate schedule",
                "constant or one-cycle");
        return Flags.built(() -> new GraphRetraining(m, graphEpochs, graphRows, graphLearningRate, graphBatchSize, sc,
                sch));
    }
}

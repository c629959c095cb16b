package org.odf2nna.cli;

import java.nio.file.Path;
import org.odf2nna.InputException;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.RetrainSettings;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options of the retraining step (TensorFlow Java). */
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

    /** The retraining asked for, or null when there is no --train. */
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
}

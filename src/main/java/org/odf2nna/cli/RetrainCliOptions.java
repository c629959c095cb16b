package org.odf2nna.cli;

import java.nio.file.Path;
import org.odf2nna.InputException;
import org.odf2nna.method.RetrainOptions;
import org.odf2nna.tf.TrainingOptions;
import picocli.CommandLine.Option;

/** Options of the retraining step (TensorFlow Java). */
final class RetrainCliOptions {

    @Option(names = "--train", paramLabel = "CSV",
            description = "Labelled training rows: retrain each pruned network on them (the paper's PR stage), "
                    + "starting from its pruned weights. Part of them is held out for validation.")
    Path train;

    @Option(names = "--retrain-epochs", paramLabel = "N",
            description = "Epochs to retrain (default: 15%% of --original-epochs, or of the epochs recorded in the "
                    + "model, else " + RetrainOptions.DEFAULT_EPOCHS + ").")
    Integer retrainEpochs;

    @Option(names = "--original-epochs", paramLabel = "N",
            description = "Epochs the original model was trained for; retraining then runs 15%% of them.")
    Integer originalEpochs;

    @Option(names = "--learning-rate", paramLabel = "LR", defaultValue = "0.001",
            description = "Adam's learning rate (default: ${DEFAULT-VALUE}).")
    float learningRate;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "" + TrainingOptions.DEFAULT_BATCH_SIZE,
            description = "Rows per training step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--validation-split", paramLabel = "F", defaultValue = "0.2",
            description = "Share of the training rows held out to keep the best epoch and stop early "
                    + "(default: ${DEFAULT-VALUE}).")
    double validationSplit;

    @Option(names = "--patience", paramLabel = "N", defaultValue = "" + TrainingOptions.DEFAULT_PATIENCE,
            description = "Stop after N epochs without a better validation figure; 0 never stops early "
                    + "(default: ${DEFAULT-VALUE}).")
    int patience;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
            description = "Seed of the validation split and the shuffling, and of evolve's search "
                    + "(default: ${DEFAULT-VALUE}).")
    long seed;

    /** The retraining asked for, or null when there is no --train. */
    RetrainOptions options() {
        if (train == null) {
            if (retrainEpochs != null || originalEpochs != null) {
                throw InputException.usage("--retrain-epochs and --original-epochs need --train CSV");
            }
            return null;
        }
        if (retrainEpochs != null && retrainEpochs < 0) {
            throw InputException.usage("--retrain-epochs must be 0 or more, got " + retrainEpochs);
        }
        if (originalEpochs != null && originalEpochs <= 0) {
            throw InputException.usage("--original-epochs must be positive, got " + originalEpochs);
        }
        if (batchSize <= 0) {
            throw InputException.usage("--batch-size must be positive, got " + batchSize);
        }
        if (!(learningRate > 0) || Float.isInfinite(learningRate)) {
            throw InputException.usage("--learning-rate must be a positive number, got " + learningRate);
        }
        if (!(validationSplit > 0 && validationSplit < 1)) {
            throw InputException.usage("--validation-split must be between 0 and 1, got " + validationSplit);
        }
        if (patience < 0) {
            throw InputException.usage("--patience must be 0 or more, got " + patience);
        }
        return new RetrainOptions(train, retrainEpochs, originalEpochs, batchSize, learningRate, seed,
                validationSplit, patience);
    }
}

package org.odf2nna.cli;

import org.odf2nna.InputException;
import org.odf2nna.settings.BuildSettings;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.settings.TrainingOptions;
import picocli.CommandLine.Option;

/** Adam and validation settings, shared by building and retraining. */
final class TrainingCliOptions {


    @Option(names = "--learning-rate", paramLabel = "LR",
            description = "Adam's learning rate (default: 0.01 to build a model from random weights, 0.001 to "
                    + "retrain a pruned one).")
    Float learningRate;

    float buildLearningRate() {
        return learningRate != null ? learningRate : BuildSettings.DEFAULT_LEARNING_RATE;
    }

    float retrainLearningRate() {
        return learningRate != null ? learningRate : RetrainSettings.DEFAULT_LEARNING_RATE;
    }

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "" + TrainingOptions.DEFAULT_BATCH_SIZE,
            description = "Rows per training step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--validation-split", paramLabel = "F", defaultValue = "0.2",
            description = "Share of the training rows held out to keep the best epoch, stop early and choose "
                    + "models (default: ${DEFAULT-VALUE}).")
    double validationSplit;

    @Option(names = "--patience", paramLabel = "N", defaultValue = "" + TrainingOptions.DEFAULT_PATIENCE,
            description = "Stop after N epochs without a better validation figure; 0 never stops early "
                    + "(default: ${DEFAULT-VALUE}).")
    int patience;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
            description = "Seed of the validation split, the shuffling, random weights and evolve's search "
                    + "(default: ${DEFAULT-VALUE}).")
    long seed;

    /**
     * Adam's settings and the validation share as asked, at {@code learningRate}; the caller adds the epochs,
     * patience and distillation, and {@link RetrainSettings.Builder#build()} checks them.
     */
    RetrainSettings.Builder retraining(float learningRate) {
        return RetrainSettings.builder().batchSize(batchSize).learningRate(learningRate).seed(seed)
                .validationShare(validationSplit);
    }

    /** build and run train with --build-patience and retrain with the default: --patience is only checked there. */
    void checkPatience() {
        if (patience < 0) {
            throw InputException.usage("--patience must be 0 or more, got " + patience);
        }
    }
}

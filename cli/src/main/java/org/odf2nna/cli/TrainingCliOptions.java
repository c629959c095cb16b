package org.odf2nna.cli;

import org.odf2nna.InputException;
import org.odf2nna.settings.TrainingOptions;
import picocli.CommandLine.Option;

/** Adam and validation settings, shared by building and retraining. */
final class TrainingCliOptions {

    /** Training from random weights needs larger steps than fine-tuning trained ones. */
    static final float BUILD_LEARNING_RATE = 0.01f;
    static final float RETRAIN_LEARNING_RATE = 0.001f;

    @Option(names = "--learning-rate", paramLabel = "LR",
            description = "Adam's learning rate (default: 0.01 to build a model from random weights, 0.001 to "
                    + "retrain a pruned one).")
    Float learningRate;

    float buildLearningRate() {
        return learningRate != null ? learningRate : BUILD_LEARNING_RATE;
    }

    float retrainLearningRate() {
        return learningRate != null ? learningRate : RETRAIN_LEARNING_RATE;
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

    void check() {
        if (batchSize <= 0) {
            throw InputException.usage("--batch-size must be positive, got " + batchSize);
        }
        if (learningRate != null && (!(learningRate > 0) || Float.isInfinite(learningRate))) {
            throw InputException.usage("--learning-rate must be a positive number, got " + learningRate);
        }
        if (!(validationSplit > 0 && validationSplit < 1)) {
            throw InputException.usage("--validation-split must be between 0 and 1, got " + validationSplit);
        }
        if (patience < 0) {
            throw InputException.usage("--patience must be 0 or more, got " + patience);
        }
    }
}

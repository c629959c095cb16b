package org.odf2nna.method;

import java.nio.file.Path;
import org.odf2nna.settings.Distillation;

/**
 * How to retrain the pruned network (the paper's refinement step).
 *
 * @param train              labelled training rows
 * @param retrainEpochs      epochs to retrain, or null to derive them
 * @param originalEpochs     epochs the original model was trained for, or null; retraining then takes 15%
 * @param batchSize          rows per Adam step
 * @param learningRate       Adam's learning rate
 * @param seed               seeds the validation split and the shuffling
 * @param validationShare share of the training rows held out to choose the best epoch and stop early
 * @param patience           epochs without improvement before stopping (0: never stop early)
 * @param validation         labelled rows to validate on instead of a held-out share of {@code train} (then every
 *                           training row is trained on), or null
 * @param distillation       how much the original network's outputs guide retraining besides the targets
 */
public record RetrainOptions(Path train, Integer retrainEpochs, Integer originalEpochs, int batchSize,
        float learningRate, long seed, double validationShare, int patience, Path validation,
        Distillation distillation) {

    /** Share of the original epochs the paper retrains for (it reports 10–15%). */
    public static final double RETRAIN_SHARE = 0.15;
    /** Epochs when neither the retraining nor the original epochs are known. */
    public static final int DEFAULT_EPOCHS = 20;
    /** Metadata key under which models built by this tool record their training epochs. */
    public static final String EPOCHS_METADATA = "odf2nna.training.epochs";

    public RetrainOptions {
        java.util.Objects.requireNonNull(distillation, "distillation");
        if (!(validationShare > 0 && validationShare < 1)) {
            throw new IllegalArgumentException("the validation fraction must be between 0 and 1, got "
                    + validationShare);
        }
    }

    /** Options that retrain on the targets alone (the paper's retraining). */
    public RetrainOptions(Path train, Integer retrainEpochs, Integer originalEpochs, int batchSize, float learningRate,
            long seed, double validationShare, int patience, Path validation) {
        this(train, retrainEpochs, originalEpochs, batchSize, learningRate, seed, validationShare, patience,
                validation, Distillation.NONE);
    }

    /** The same options with another distillation. */
    public RetrainOptions withDistillation(Distillation newDistillation) {
        return new RetrainOptions(train, retrainEpochs, originalEpochs, batchSize, learningRate, seed,
                validationShare, patience, validation, newDistillation);
    }

    /** The same options with another number of epochs. */
    public RetrainOptions withRetrainEpochs(Integer epochs) {
        return new RetrainOptions(train, epochs, originalEpochs, batchSize, learningRate, seed, validationShare,
                patience, validation, distillation);
    }

    /** Options that hold out a share of the training rows for validation. */
    public RetrainOptions(Path train, Integer retrainEpochs, Integer originalEpochs, int batchSize, float learningRate,
            long seed, double validationShare, int patience) {
        this(train, retrainEpochs, originalEpochs, batchSize, learningRate, seed, validationShare, patience, null);
    }

    /** The epochs to run and a sentence saying where the number came from. */
    public Epochs epochs(String recordedOriginalEpochs) {
        if (retrainEpochs != null) {
            return new Epochs(retrainEpochs, "{{RETRAIN_EPOCHS}} " + retrainEpochs);
        }
        if (originalEpochs != null) {
            return new Epochs(share(originalEpochs), "15% of {{ORIGINAL_EPOCHS}} " + originalEpochs);
        }
        if (recordedOriginalEpochs != null) {
            try {
                int recorded = Integer.parseInt(recordedOriginalEpochs.trim());
                return new Epochs(share(recorded), "15% of the " + recorded + " epochs recorded in the model");
            } catch (NumberFormatException e) {
                // Unreadable metadata: fall through to the default.
            }
        }
        return new Epochs(DEFAULT_EPOCHS, "the default; the original epochs are unknown: set {{ORIGINAL_EPOCHS}} "
                + "or {{RETRAIN_EPOCHS}}");
    }

    private static int share(int original) {
        return Math.max(1, (int) Math.round(RETRAIN_SHARE * original));
    }

    /** @param count epochs; @param source why that many */
    public record Epochs(int count, String source) {
    }
}

package org.odf2nna.method;

import java.nio.file.Path;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.RetrainSettings;

/**
 * Where the retraining rows are, and how to retrain on them ({@link RetrainSettings}).
 *
 * @param train      labelled training rows
 * @param validation labelled rows to validate on instead of a held-out share of {@code train} (then every training
 *                   row is trained on), or null
 * @param retraining epochs, Adam's settings, the held-out share, patience and distillation
 */
public record RetrainOptions(Path train, Path validation, RetrainSettings retraining) {

    /** Metadata key under which models built by this tool record their training epochs. */
    public static final String EPOCHS_METADATA = "odf2nna.training.epochs";

    public RetrainOptions {
        java.util.Objects.requireNonNull(retraining, "retraining");
    }

    /** RetrainSettings on {@code train}, holding a share of it out for validation. */
    public RetrainOptions(Path train, RetrainSettings retraining) {
        this(train, null, retraining);
    }

    public Integer retrainEpochs() {
        return retraining.epochs();
    }

    public Integer originalEpochs() {
        return retraining.originalEpochs();
    }

    public int batchSize() {
        return retraining.batchSize();
    }

    public float learningRate() {
        return retraining.learningRate();
    }

    public long seed() {
        return retraining.seed();
    }

    public double validationShare() {
        return retraining.validationShare();
    }

    public int patience() {
        return retraining.patience();
    }

    public Distillation distillation() {
        return retraining.distillation();
    }

    /** The same options with another distillation. */
    public RetrainOptions withDistillation(Distillation newDistillation) {
        return new RetrainOptions(train, validation, retraining.withDistillation(newDistillation));
    }

    /** The same options with another number of epochs. */
    public RetrainOptions withRetrainEpochs(Integer epochs) {
        return new RetrainOptions(train, validation, retraining.withEpochs(epochs));
    }

    /** The epochs to run and a sentence saying where the number came from ({@link RetrainSettings#epochs(String)}). */
    public RetrainSettings.Epochs epochs(String recordedOriginalEpochs) {
        return retraining.epochs(recordedOriginalEpochs);
    }
}

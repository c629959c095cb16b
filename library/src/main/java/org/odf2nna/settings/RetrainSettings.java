package org.odf2nna.settings;

import org.odf2nna.Setting;

/**
 * How a pruned network is retrained (the paper's refinement step), shared by every workflow that retrains; made by
 * {@link #builder()}. The rows it trains on are not part of it: they are the workflow's files, or rows in memory.
 *
 * @param epochs          epochs to retrain, or null to derive them ({@link #epochs(String)})
 * @param originalEpochs  epochs the original model was trained for, or null; retraining then takes 15% of them
 * @param batchSize       rows per Adam step
 * @param learningRate    Adam's learning rate
 * @param seed            seeds the validation split and the shuffling
 * @param validationShare share of the training rows held out to choose the best epoch and stop early, when no
 *                        validation rows are given
 * @param patience        epochs without improvement before stopping (0: never stop early)
 * @param distillation    how much the original network's outputs guide retraining besides the targets
 */
public record RetrainSettings(Integer epochs, Integer originalEpochs, int batchSize, float learningRate, long seed,
        double validationShare, int patience, Distillation distillation) {

    /** Share of the original epochs the paper retrains for (it reports 10–15%). */
    public static final double RETRAIN_SHARE = 0.15;
    /** Epochs when neither the retraining nor the original epochs are known. */
    public static final int DEFAULT_EPOCHS = 20;
    /** Adam's learning rate for fine-tuning trained weights. */
    public static final float DEFAULT_LEARNING_RATE = TrainingOptions.DEFAULT_LEARNING_RATE;
    public static final double DEFAULT_VALIDATION_SHARE = 0.2;

    /** The defaults: epochs derived, batch 32, learning rate 0.001, seed 0, a fifth held out, patience 10. */
    public static final RetrainSettings DEFAULT = builder().build();

    /**
     * Checks every setting's range; {@link #builder()} is the usual way to make one.
     *
     * @throws InvalidSetting naming the first setting out of range
     */
    public RetrainSettings {
        InvalidSetting.require(epochs == null || epochs >= 0, Setting.RETRAIN_EPOCHS.ref()
                + " must be 0 or more, got " + epochs);
        InvalidSetting.require(originalEpochs == null || originalEpochs > 0, Setting.ORIGINAL_EPOCHS.ref()
                + " must be positive, got " + originalEpochs);
        InvalidSetting.require(batchSize > 0, Setting.BATCH_SIZE.ref() + " must be positive, got " + batchSize);
        InvalidSetting.require(learningRate > 0 && !Float.isInfinite(learningRate), Setting.LEARNING_RATE.ref()
                + " must be a positive number, got " + learningRate);
        InvalidSetting.require(validationShare > 0 && validationShare < 1, Setting.VALIDATION_SHARE.ref()
                + " must be between 0 and 1, got " + validationShare);
        InvalidSetting.require(patience >= 0, Setting.PATIENCE.ref() + " must be 0 or more, got " + patience);
        java.util.Objects.requireNonNull(distillation, "distillation");
    }

    /** The same settings with another distillation. */
    public RetrainSettings withDistillation(Distillation value) {
        return new RetrainSettings(epochs, originalEpochs, batchSize, learningRate, seed, validationShare, patience, value);
    }

    /** The same settings with another number of epochs (null: derived). */
    public RetrainSettings withEpochs(Integer value) {
        return new RetrainSettings(value, originalEpochs, batchSize, learningRate, seed, validationShare, patience,
                distillation);
    }

    /**
     * The epochs to run and a sentence saying where the number came from: {@link #epochs()}, else 15% of
     * {@link #originalEpochs()}, else 15% of the epochs the model records, else {@link #DEFAULT_EPOCHS}.
     *
     * @param recordedOriginalEpochs the epochs the model's metadata records, or null
     */
    public Epochs epochs(String recordedOriginalEpochs) {
        if (epochs != null) {
            return new Epochs(epochs, Setting.RETRAIN_EPOCHS.ref() + " " + epochs);
        }
        if (originalEpochs != null) {
            return new Epochs(share(originalEpochs), "15% of " + Setting.ORIGINAL_EPOCHS.ref() + " " + originalEpochs);
        }
        if (recordedOriginalEpochs != null) {
            try {
                int recorded = Integer.parseInt(recordedOriginalEpochs.trim());
                return new Epochs(share(recorded), "15% of the " + recorded + " epochs recorded in the model");
            } catch (NumberFormatException e) {
                // Unreadable metadata: fall through to the default.
            }
        }
        return new Epochs(DEFAULT_EPOCHS, "the default; the original epochs are unknown: set "
                + Setting.ORIGINAL_EPOCHS.ref() + " or " + Setting.RETRAIN_EPOCHS.ref());
    }

    private static int share(int original) {
        return Math.max(1, (int) Math.round(RETRAIN_SHARE * original));
    }

    /** @param count epochs; @param source why that many */
    public record Epochs(int count, String source) {
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link RetrainSettings}; each setter returns the builder. */
    public static final class Builder {
        private Integer epochs;
        private Integer originalEpochs;
        private int batchSize = TrainingOptions.DEFAULT_BATCH_SIZE;
        private float learningRate = DEFAULT_LEARNING_RATE;
        private long seed;
        private double validationShare = DEFAULT_VALIDATION_SHARE;
        private int patience = TrainingOptions.DEFAULT_PATIENCE;
        private Distillation distillation = Distillation.DEFAULT;

        private Builder() {
        }

        /** Epochs to retrain (default: null, derived from the original's epochs, else 20). */
        public Builder epochs(Integer value) {
            epochs = value;
            return this;
        }

        /** Epochs the original was trained for (default: null, read from the model when it records them). */
        public Builder originalEpochs(Integer value) {
            originalEpochs = value;
            return this;
        }

        /** Rows per step (default 32). */
        public Builder batchSize(int value) {
            batchSize = value;
            return this;
        }

        /** Adam's learning rate (default 0.001). */
        public Builder learningRate(float value) {
            learningRate = value;
            return this;
        }

        /** Seed (default 0). */
        public Builder seed(long value) {
            seed = value;
            return this;
        }

        /** Share of the training rows held out when no validation rows are given (default 0.2). */
        public Builder validationShare(double value) {
            validationShare = value;
            return this;
        }

        /** Epochs without improvement before a retraining stops (default 10; 0: never early). */
        public Builder patience(int value) {
            patience = value;
            return this;
        }

        /** Teacher and target weights (default {@link Distillation#DEFAULT}; {@link Distillation#NONE}: targets only). */
        public Builder distillation(Distillation value) {
            distillation = value;
            return this;
        }

        /** The settings; throws {@link InvalidSetting} naming the first setting out of range. */
        public RetrainSettings build() {
            return new RetrainSettings(epochs, originalEpochs, batchSize, learningRate, seed, validationShare, patience,
                    distillation);
        }
    }
}

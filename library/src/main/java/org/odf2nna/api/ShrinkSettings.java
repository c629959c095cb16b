package org.odf2nna.api;

import org.odf2nna.Device;
import org.odf2nna.settings.Distillation;

/**
 * How {@link Odf2nna#shrink} prunes, made by {@link #builder()}; every setting has the command line's default.
 *
 * @param epsilon        a hidden unit is kept when the standard deviation of its activation over the scoring rows is
 *                       above this (the paper's rule); ≥ 0
 * @param leastSquares   refit each layer after a pruned one to the original's pre-activations (true), or fold each
 *                       dropped unit's mean into the next bias (false, the paper's compensation)
 * @param retrainEpochs  epochs of retraining on the training rows (0: none)
 * @param learningRate   Adam's learning rate for retraining
 * @param batchSize      rows per Adam step
 * @param validationShare share of the training rows held out to keep the best epoch, in (0, 1)
 * @param distillation   how retraining mixes the original's outputs (teacher) and the rows' targets
 * @param seed           seed of the validation split and the shuffles
 * @param device         where TensorFlow retrains ({@link Device#CUDA} needs the GPU build)
 */
public record ShrinkSettings(double epsilon, boolean leastSquares, int retrainEpochs, float learningRate,
        int batchSize, double validationShare, Distillation distillation, long seed, Device device) {

    /**
     * Checks every setting's range; {@link #builder()} is the usual way to make one.
     *
     * @throws IllegalArgumentException naming the first setting out of range
     */
    public ShrinkSettings {
        if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("epsilon must be a finite number >= 0, got " + epsilon);
        }
        if (retrainEpochs < 0) {
            throw new IllegalArgumentException("retrain epochs must be 0 or more, got " + retrainEpochs);
        }
        if (!(learningRate > 0) || Float.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be a positive number, got " + learningRate);
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        if (!(validationShare > 0 && validationShare < 1)) {
            throw new IllegalArgumentException("validation share must be between 0 and 1, got " + validationShare);
        }
        if (distillation == null) {
            throw new IllegalArgumentException("distillation is null");
        }
        if (device == null) {
            throw new IllegalArgumentException("device is null");
        }
    }

    /** A builder with the defaults: ε 0.05, least squares, 20 retraining epochs, learning rate 0.001, batch 32, CPU. */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults. */
    public static ShrinkSettings defaults() {
        return builder().build();
    }

    /** Builds {@link ShrinkSettings}; each setter returns the builder. */
    public static final class Builder {
        private double epsilon = 0.05;
        private boolean leastSquares = true;
        private int retrainEpochs = 20;
        private float learningRate = 1e-3f;
        private int batchSize = 32;
        private double validationShare = 0.2;
        private Distillation distillation = Distillation.DEFAULT;
        private long seed;
        private Device device = Device.CPU;

        private Builder() {
        }

        /** The std threshold (default 0.05). */
        public Builder epsilon(double value) {
            epsilon = value;
            return this;
        }

        /** Least-squares refit (default) or mean folding (false). */
        public Builder leastSquares(boolean value) {
            leastSquares = value;
            return this;
        }

        /** Retraining epochs when training rows are given (default 20; 0 turns retraining off). */
        public Builder retrainEpochs(int value) {
            retrainEpochs = value;
            return this;
        }

        /** Adam's learning rate (default 0.001). */
        public Builder learningRate(float value) {
            learningRate = value;
            return this;
        }

        /** Rows per step (default 32). */
        public Builder batchSize(int value) {
            batchSize = value;
            return this;
        }

        /** Share of the training rows that picks the best epoch (default 0.2). */
        public Builder validationShare(double value) {
            validationShare = value;
            return this;
        }

        /** Teacher and target weights (default {@link Distillation#DEFAULT}; {@link Distillation#NONE}: targets only). */
        public Builder distillation(Distillation value) {
            distillation = value;
            return this;
        }

        /** Seed (default 0). */
        public Builder seed(long value) {
            seed = value;
            return this;
        }

        /** Where retraining runs (default {@link Device#CPU}). */
        public Builder device(Device value) {
            device = value;
            return this;
        }

        /** The settings; throws {@link IllegalArgumentException} naming the first setting out of range. */
        public ShrinkSettings build() {
            return new ShrinkSettings(epsilon, leastSquares, retrainEpochs, learningRate, batchSize, validationShare,
                    distillation, seed, device);
        }
    }
}

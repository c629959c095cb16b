package org.odf2nna.api;

import org.odf2nna.Device;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.Quantize;
import org.odf2nna.settings.Schedule;
import org.odf2nna.settings.TrainingOptions;

/**
 * How {@link Odf2nna#sweep} prunes, made by {@link #builder()}; every setting has the default of the command line's
 * {@code sweep}.
 *
 * @param maxDrop         how much worse than the original the chosen network may be on the validation rows: accuracy
 *                        points for classification, percent of the original's MSE for regression; NaN: 1 point or
 *                        10%, by task
 * @param share           share of the current parameters each round removes (halved after a round that fails)
 * @param maxRounds       rounds at most
 * @param inputs          whether the network's inputs may be removed too (the result then reads fewer columns)
 * @param retrainEpochs   epochs each round retrains at most, or null: 20, and at least 3 per round
 * @param learningRate    Adam's learning rate
 * @param batchSize       rows per Adam step
 * @param patience        epochs without a better validation figure before a retraining stops (0: never early)
 * @param distillation    how retraining mixes the original's outputs (teacher) and the rows' targets
 * @param seed            seed of the shuffles
 * @param device          where TensorFlow retrains ({@link Device#CUDA} needs the GPU build)
 * @param quantize        how the rounds' weights are stored: with {@link Quantize#INT8}, each round's candidate is
 *                        its network with int8 weights where the per-layer fallback allows them, and that is what the
 *                        search goes by and the validation rows judge (the same code as the command line's sweep
 *                        with int8 weights)
 */
public record SweepSettings(double maxDrop, double share, int maxRounds, boolean inputs,
        Integer retrainEpochs,
        float learningRate, int batchSize, int patience, Distillation distillation, long seed, Device device,
        Quantize quantize) {

    /** The settings with float weights ({@link Quantize#NONE}), as before {@code quantize} existed. */
    public SweepSettings(double maxDrop, double share, int maxRounds, boolean inputs, Integer retrainEpochs,
            float learningRate, int batchSize, int patience, Distillation distillation, long seed, Device device) {
        this(maxDrop, share, maxRounds, inputs, retrainEpochs, learningRate, batchSize, patience, distillation, seed,
                device, Quantize.NONE);
    }

    /**
     * Checks every setting's range; {@link #builder()} is the usual way to make one.
     *
     * @throws IllegalArgumentException naming the first setting out of range
     */
    public SweepSettings {
        if (!Double.isNaN(maxDrop) && !(maxDrop >= 0 && !Double.isInfinite(maxDrop))) {
            throw new IllegalArgumentException("max drop must be a finite number >= 0, got " + maxDrop);
        }
        if (!(share > 0 && share < 1)) {
            throw new IllegalArgumentException("share must be between 0 and 1, got " + share);
        }
        if (maxRounds < 1) {
            throw new IllegalArgumentException("max rounds must be at least 1, got " + maxRounds);
        }
        if (retrainEpochs != null && retrainEpochs < 0) {
            throw new IllegalArgumentException("retrain epochs must be 0 or more, got " + retrainEpochs);
        }
        if (!(learningRate > 0) || Float.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be a positive number, got " + learningRate);
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        if (patience < 0) {
            throw new IllegalArgumentException("patience must be 0 or more, got " + patience);
        }
        if (distillation == null) {
            throw new IllegalArgumentException("distillation is null");
        }
        if (device == null) {
            throw new IllegalArgumentException("device is null");
        }
        if (quantize == null) {
            throw new IllegalArgumentException("quantize is null");
        }
    }

    /** A builder with the defaults (those of {@code sweep}). */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults. */
    public static SweepSettings defaults() {
        return builder().build();
    }

    /** Builds {@link SweepSettings}; each setter returns the builder. */
    public static final class Builder {
        private double maxDrop = Double.NaN;
        private double share = Schedule.DEFAULT_SHARE;
        private int maxRounds = Schedule.DEFAULT_MAX_ROUNDS;
        private boolean inputs = true;
        private Integer retrainEpochs;
        private float learningRate = TrainingOptions.DEFAULT_LEARNING_RATE;
        private int batchSize = TrainingOptions.DEFAULT_BATCH_SIZE;
        private int patience = TrainingOptions.DEFAULT_PATIENCE;
        private Distillation distillation = Distillation.DEFAULT;
        private long seed;
        private Device device = Device.CPU;
        private Quantize quantize = Quantize.NONE;

        private Builder() {
        }

        /** Accuracy points, or percent of MSE, the choice may lose on the validation rows (default 1 or 10). */
        public Builder maxDrop(double value) {
            maxDrop = value;
            return this;
        }

        /** Share of the parameters a round removes (default 0.2). */
        public Builder share(double value) {
            share = value;
            return this;
        }

        /** Rounds at most (default 40). */
        public Builder maxRounds(int value) {
            maxRounds = value;
            return this;
        }

        /** Whether inputs may go too (default true). */
        public Builder inputs(boolean value) {
            inputs = value;
            return this;
        }

        /** Epochs per round (default: 20, at least 3). */
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

        /** Epochs without improvement before a retraining stops (default 10). */
        public Builder patience(int value) {
            patience = value;
            return this;
        }

        /** Teacher and target weights (default {@link Distillation#DEFAULT}). */
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

        /**
         * How the rounds' weights are stored (default {@link Quantize#NONE}: float); {@link Quantize#INT8} judges
         * each round with int8 weights, a layer whose int8 weights cost too much on the training rows staying float.
         */
        public Builder quantize(Quantize value) {
            quantize = value;
            return this;
        }

        /** The settings; throws {@link IllegalArgumentException} naming the first setting out of range. */
        public SweepSettings build() {
            return new SweepSettings(maxDrop, share, maxRounds, inputs, retrainEpochs, learningRate, batchSize,
                    patience, distillation, seed, device, quantize);
        }
    }
}

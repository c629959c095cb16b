package org.odf2nna.settings;

import java.util.Locale;
import org.odf2nna.Setting;
import org.odf2nna.network.Activation;

/**
 * How build trains the paper's general model, made by {@link #builder()}: the settings of the command line's
 * {@code build}, and of {@code run}'s first half, with their defaults.
 *
 * @param layers     NL, hidden layers of equal width
 * @param budget     NP, the parameter budget of eq. 2, or null for the number of training rows
 * @param units      a width to use instead of eq. 2's, or null
 * @param activation activation of the hidden layers
 * @param epochs     epochs at most; early stopping on the validation rows may end sooner
 * @param patience   epochs without a better validation figure before training stops, or null: a tenth of the epochs,
 *                   at least 10 ({@link #patience()})
 * @param adam       Adam's batch size and learning rate, the seed and the validation share (its epochs, patience
 *                   and distillation are not read: a general model learns from the targets alone)
 * @param task       the task, or null to infer it from the target values
 */
public record BuildSettings(int layers, Long budget, Integer units, Activation activation, int epochs,
        Integer patience, RetrainSettings adam, Task task) {

    public static final int DEFAULT_LAYERS = 3;
    public static final int DEFAULT_EPOCHS = 300;
    /** Training from random weights needs larger steps than fine-tuning trained ones (retraining's 0.001). */
    public static final float DEFAULT_LEARNING_RATE = 0.01f;

    /**
     * Checks every setting; {@link #builder()} is the usual way to make one.
     *
     * @throws InvalidSetting naming the first setting out of range
     */
    public BuildSettings {
        Checks.present("activation, adam", activation, adam);
        InvalidSetting.require(layers >= 1, Setting.LAYERS.ref() + " must be at least 1, got " + layers);
        InvalidSetting.require(budget == null || budget >= 1, Setting.PARAMS.ref() + " must be positive, got " + budget);
        InvalidSetting.require(units == null || units >= 1, Setting.UNITS.ref() + " must be positive, got " + units);
        InvalidSetting.require(epochs >= 1, Setting.EPOCHS.ref() + " must be at least 1, got " + epochs);
        InvalidSetting.require(patience == null || patience >= 0, Setting.BUILD_PATIENCE.ref()
                + " must be 0 or more, got " + patience);
    }

    /** The patience training runs with: {@link #patience()} when given, else a tenth of the epochs, at least 10. */
    public int trainingPatience() {
        // Long enough for small, noisy validation sets.
        return patience != null ? patience : Math.max(10, epochs / 10);
    }

    /** The training the general model gets: these epochs and patience, Adam's settings, the targets alone. */
    public RetrainSettings training() {
        return RetrainSettings.builder().epochs(epochs).batchSize(adam.batchSize()).learningRate(adam.learningRate())
                .seed(adam.seed()).validationShare(adam.validationShare()).patience(trainingPatience())
                .distillation(Distillation.NONE).build();
    }

    /** The activation a name stands for: relu, tanh, sigmoid, elu, selu, leaky_relu or softplus. */
    public static Activation activation(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "relu":
                return Activation.RELU;
            case "tanh":
                return Activation.TANH;
            case "sigmoid":
                return Activation.SIGMOID;
            case "elu":
                return Activation.elu(1f);
            case "selu":
                return Activation.selu(Activation.SELU_ALPHA, Activation.SELU_GAMMA);
            case "leaky_relu":
            case "leakyrelu":
                return Activation.leakyRelu(0.01f);
            case "softplus":
                return Activation.SOFTPLUS;
            default:
                throw new InvalidSetting("unknown activation '" + name
                        + "': use relu, tanh, sigmoid, elu, selu, leaky_relu or softplus");
        }
    }

    /** A builder with the defaults (those of the command line's {@code build}). */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link BuildSettings}; each setter returns the builder. */
    public static final class Builder {
        private int layers = DEFAULT_LAYERS;
        private Long budget;
        private Integer units;
        private Activation activation = Activation.RELU;
        private int epochs = DEFAULT_EPOCHS;
        private Integer patience;
        private RetrainSettings adam = RetrainSettings.builder().learningRate(DEFAULT_LEARNING_RATE).build();
        private Task task;

        private Builder() {
        }

        /** Hidden layers (default 3). */
        public Builder layers(int value) {
            layers = value;
            return this;
        }

        /** The parameter budget of eq. 2 (default: null, the number of training rows). */
        public Builder budget(Long value) {
            budget = value;
            return this;
        }

        /** A width instead of eq. 2's (default: null). */
        public Builder units(Integer value) {
            units = value;
            return this;
        }

        /** The hidden layers' activation (default ReLU); {@link BuildSettings#activation(String)} reads a name. */
        public Builder activation(Activation value) {
            activation = value;
            return this;
        }

        /** Epochs at most (default 300). */
        public Builder epochs(int value) {
            epochs = value;
            return this;
        }

        /** Patience (default: null, a tenth of the epochs, at least 10). */
        public Builder patience(Integer value) {
            patience = value;
            return this;
        }

        /** Adam's batch size and learning rate, the seed and the validation share (default: 32, 0.01, 0, 0.2). */
        public Builder adam(RetrainSettings value) {
            adam = value;
            return this;
        }

        /** The task (default: null, inferred from the target values). */
        public Builder task(Task value) {
            task = value;
            return this;
        }

        /** The settings; throws {@link InvalidSetting} naming the first setting out of range. */
        public BuildSettings build() {
            return new BuildSettings(layers, budget, units, activation, epochs, patience, adam, task);
        }
    }
}

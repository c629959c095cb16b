package org.odf2nna.api;

import org.odf2nna.Device;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.GaSettings;
import org.odf2nna.settings.TrainingOptions;

/**
 * How {@link Odf2nna#evolve} searches, made by {@link #builder()}; the search's defaults are EvoPruneDeepTL's published
 * ones, as in the command line's {@code evolve}.
 *
 * @param layers        hidden layers whose units are searched, 0-based; empty: all of them
 * @param population    individuals kept
 * @param evaluations   fitness evaluations allowed, or null: 200 for one layer, 300 for several
 * @param mutation      chance that a child has one bit flipped
 * @param threads       fitness evaluations run at once (the result does not depend on it)
 * @param retrainEpochs epochs the chosen network is retrained for (0: none)
 * @param learningRate  Adam's learning rate
 * @param batchSize     rows per Adam step
 * @param patience      epochs without a better validation figure before retraining stops (0: never early)
 * @param distillation  how retraining mixes the original's outputs (teacher) and the rows' targets
 * @param seed          seed of the search and the shuffles
 * @param device        where TensorFlow retrains
 */
public record EvolveSettings(int[] layers, int population, Integer evaluations, double mutation, int threads,
        int retrainEpochs, float learningRate, int batchSize, int patience, Distillation distillation, long seed,
        Device device) {

    /**
     * Copies {@code layers} (null: all of them) and checks every setting's range; {@link #builder()} is the usual way
     * to make one.
     *
     * @throws IllegalArgumentException naming the first setting out of range
     */
    public EvolveSettings {
        layers = layers == null ? new int[0] : layers.clone();
        // GaSettings and TrainingOptions check the rest with their own messages.
        new GaSettings(population, evaluations != null ? evaluations : Math.max(population,
                GaSettings.DEFAULT_EVALUATIONS), mutation, seed, threads);
        new TrainingOptions(retrainEpochs, batchSize, learningRate, seed, patience, device == null ? Device.CPU
                : device);
        if (patience < 0) {
            throw new IllegalArgumentException("patience must be 0 or more, got " + patience);
        }
        if (distillation == null) {
            throw new IllegalArgumentException("distillation is null");
        }
        if (device == null) {
            throw new IllegalArgumentException("device is null");
        }
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link EvolveSettings}; each setter returns the builder. */
    public static final class Builder {
        private int[] layers = new int[0];
        private int population = GaSettings.DEFAULT_POPULATION;
        private Integer evaluations;
        private double mutation = GaSettings.DEFAULT_MUTATION;
        private int threads = Runtime.getRuntime().availableProcessors();
        private int retrainEpochs = 20;
        private float learningRate = TrainingOptions.DEFAULT_LEARNING_RATE;
        private int batchSize = TrainingOptions.DEFAULT_BATCH_SIZE;
        private int patience = TrainingOptions.DEFAULT_PATIENCE;
        private Distillation distillation = Distillation.DEFAULT;
        private long seed;
        private Device device = Device.CPU;

        private Builder() {
        }

        /** Hidden layers to search, 0-based (default: all). */
        public Builder layers(int... value) {
            layers = value;
            return this;
        }

        /** Individuals kept (default 30). */
        public Builder population(int value) {
            population = value;
            return this;
        }

        /** Fitness evaluations allowed (default 200 for one layer, 300 for several). */
        public Builder evaluations(int value) {
            evaluations = value;
            return this;
        }

        /** Mutation probability (default 0.07). */
        public Builder mutation(double value) {
            mutation = value;
            return this;
        }

        /** Evaluations run at once (default: the number of cores). */
        public Builder threads(int value) {
            threads = value;
            return this;
        }

        /** Epochs the chosen network is retrained for (default 20; 0: none). */
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

        /** Epochs without improvement before retraining stops (default 10). */
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

        /** The settings; throws {@link IllegalArgumentException} naming the first setting out of range. */
        public EvolveSettings build() {
            return new EvolveSettings(layers, population, evaluations, mutation, threads, retrainEpochs, learningRate,
                    batchSize, patience, distillation, seed, device);
        }
    }
}

package org.odf2nna.settings;

import java.util.List;
import org.odf2nna.Device;
import org.odf2nna.Setting;

/**
 * How evolve searches, made by {@link #builder()}: the settings of the command line's {@code evolve}, of
 * {@code FileWorkflows.evolve} on files and of {@code Odf2nna.evolve} on rows in memory alike. The search's defaults
 * are EvoPruneDeepTL's published ones. The in-memory search runs over hidden units with mean-folded fitness; it reads
 * neither {@code selectFeatures} nor {@code fitnessEpochs}, and refits the best mask by least squares.
 *
 * @param layers         hidden layers whose units are searched, numbered from 1 at the input as everywhere in the
 *                       tool (the command line's flag, the reports); empty: all of them
 * @param selectFeatures search the input features instead of units
 * @param ga             the genetic algorithm's population, budget, mutation and threads
 * @param fitnessEpochs  epochs of training before each fitness measurement (0: mean folding only)
 * @param refit          how the best mask becomes a network (the search itself judges masks by mean folding)
 * @param retraining     how the chosen network is retrained; its seed also seeds the search
 * @param task           the task, or null to infer it from the network's outputs
 * @param device         where the runtimes compute
 */
public record EvolveSettings(List<Integer> layers, boolean selectFeatures, Ga ga, int fitnessEpochs, Refit refit,
        RetrainSettings retraining, Task task, Device device) {

    /**
     * Checks every setting; {@link #builder()} is the usual way to make one.
     *
     * @throws InvalidSetting naming the first setting out of range
     */
    public EvolveSettings {
        layers = List.copyOf(layers);
        Checks.present("ga, refit, retraining, device", ga, refit, retraining, device);
        InvalidSetting.require(!selectFeatures || layers.isEmpty(), Setting.SELECT_FEATURES.ref()
                + " searches input features; it cannot be combined with " + Setting.LAYERS.ref());
        InvalidSetting.require(fitnessEpochs >= 0, Setting.FITNESS_EPOCHS.ref() + " must be 0 or more, got "
                + fitnessEpochs);
    }

    /**
     * The genetic algorithm's settings (its seed is the retraining's).
     *
     * @param population  individuals kept
     * @param evaluations fitness evaluations allowed, or null: 200 for one layer, 300 for several
     * @param mutation    chance that a child has one bit flipped
     * @param threads     fitness evaluations run at once (the result does not depend on it)
     */
    public record Ga(int population, Integer evaluations, double mutation, int threads) {

        /** @throws InvalidSetting naming the first setting out of range */
        public Ga {
            InvalidSetting.require(population >= 2, Setting.POPULATION.ref() + " must be at least 2, got "
                    + population);
            InvalidSetting.require(evaluations == null || evaluations >= population, Setting.EVALUATIONS.ref() + " "
                    + evaluations + " must cover the initial population (" + Setting.POPULATION.ref() + " "
                    + population + ")");
            InvalidSetting.require(mutation >= 0 && mutation <= 1, Setting.MUTATION.ref()
                    + " must be between 0 and 1, got " + mutation);
            InvalidSetting.require(threads >= 1, Setting.THREADS.ref() + " must be at least 1, got " + threads);
        }
    }

    /**
     * How the best mask becomes a network.
     *
     * @param compensation least squares or mean folding
     * @param ridge        least squares' ridge, relative to the kept units' average variance; NaN: chosen by whether
     *                     the result is retrained ({@link PruningOptions#automaticRidge})
     */
    public record Refit(Compensation compensation, double ridge) {

        /** @throws InvalidSetting when the ridge is out of range */
        public Refit {
            Checks.present("compensation", compensation);
            if (!Double.isNaN(ridge)) { // NaN: the automatic ridge
                PruningOptions.checkRidge(ridge);
            }
        }
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builds {@link EvolveSettings}; each setter returns the builder, those of {@link PruningWorkflowBuilder} included.
     */
    public static final class Builder extends PruningWorkflowBuilder<Builder> {
        private List<Integer> layers = List.of();
        private boolean selectFeatures;
        private int population = GaSettings.DEFAULT_POPULATION;
        private Integer evaluations;
        private double mutation = GaSettings.DEFAULT_MUTATION;
        private int fitnessEpochs;
        private int threads = Runtime.getRuntime().availableProcessors();
        private Compensation compensation = PruningOptions.DEFAULT.compensation();
        private double ridge = PruningOptions.DEFAULT.ridge();

        private Builder() {
        }

        /** Hidden layers to search, numbered from 1 at the input (default: all). */
        public Builder layers(List<Integer> value) {
            layers = value;
            return this;
        }

        /** Hidden layers to search, numbered from 1 at the input (default: all). */
        public Builder layers(int... value) {
            layers = java.util.Arrays.stream(value).boxed().toList();
            return this;
        }

        /** Search the input features instead of units (default false). */
        public Builder selectFeatures(boolean value) {
            selectFeatures = value;
            return this;
        }

        /** Individuals kept (default 30). */
        public Builder population(int value) {
            population = value;
            return this;
        }

        /** Fitness evaluations allowed (default: null, 200 for one layer, 300 for several). */
        public Builder evaluations(Integer value) {
            evaluations = value;
            return this;
        }

        /** Mutation probability (default 0.07). */
        public Builder mutation(double value) {
            mutation = value;
            return this;
        }

        /** Epochs of training before each fitness measurement (default 0: mean folding only). */
        public Builder fitnessEpochs(int value) {
            fitnessEpochs = value;
            return this;
        }

        /** Evaluations run at once (default: the number of cores). */
        public Builder threads(int value) {
            threads = value;
            return this;
        }

        /** How the best mask becomes a network (default: least squares). */
        public Builder compensation(Compensation value) {
            compensation = value;
            return this;
        }

        /** Least squares' ridge (default: NaN, chosen by whether the result is retrained). */
        public Builder ridge(double value) {
            ridge = value;
            return this;
        }

        /** The settings; throws {@link InvalidSetting} naming the first setting out of range. */
        public EvolveSettings build() {
            return new EvolveSettings(layers, selectFeatures, new Ga(population, evaluations, mutation, threads),
                    fitnessEpochs, new Refit(compensation, ridge), retraining, task, device);
        }
    }
}

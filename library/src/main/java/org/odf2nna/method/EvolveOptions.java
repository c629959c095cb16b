package org.odf2nna.method;

import java.nio.file.Path;
import java.util.List;
import org.odf2nna.Device;
import org.odf2nna.settings.Compensation;
import org.odf2nna.settings.GaSettings;
import org.odf2nna.settings.PruningOptions;
import org.odf2nna.settings.Task;

/**
 * What an evolve run is asked to do.
 *
 * @param model          the ONNX model (never written to)
 * @param eval           the test rows: OR, PWR and PR are measured on them, nothing is chosen on them
 * @param retrain        the training rows (fitness is measured on the part held out for validation) and
 *                       how to retrain the best network; its seed also seeds the search
 * @param layers         1-based hidden layers to search, empty for all of them
 * @param selectFeatures search the input features instead of units
 * @param population     individuals of the genetic algorithm
 * @param evaluations    fitness evaluations, or null for the published default (200; 300 for several layers)
 * @param mutation       chance that a child has one bit flipped
 * @param fitnessEpochs  epochs of training before each fitness measurement (0: mean folding only)
 * @param threads        fitness evaluations run at once (with fitness epochs, one at a time)
 * @param output         the ONNX file to write
 * @param report         where to write the JSON report, or null
 * @param task           the task, or null to infer it from the model
 * @param device         where ONNX Runtime computes
 * @param compensation   how the best mask becomes a network (the search itself judges masks by mean folding)
 * @param ridge          least squares' ridge, relative to the kept units' average variance; NaN: chosen by whether
 *                       the result is retrained
 */
public record EvolveOptions(Path model, EvalData eval, RetrainOptions retrain, List<Integer> layers,
        boolean selectFeatures, int population, Integer evaluations, double mutation, int fitnessEpochs, int threads,
        Path output, Path report, Task task, Device device, Compensation compensation, double ridge) {

    public EvolveOptions {
        layers = List.copyOf(layers);
        if (retrain == null) {
            throw new IllegalArgumentException("evolve needs training rows");
        }
        if (selectFeatures && !layers.isEmpty()) {
            throw new IllegalArgumentException("a search is over units of layers or over input features, not both");
        }
        if (fitnessEpochs < 0) {
            throw new IllegalArgumentException("fitness epochs must be >= 0, got " + fitnessEpochs);
        }
        java.util.Objects.requireNonNull(compensation, "compensation");
        if (!Double.isNaN(ridge)) { // NaN: the automatic ridge
            PruningOptions.checkRidge(ridge);
        }
    }

    /**
     * A builder with EvoPruneDeepTL's published search (all hidden layers, {@link GaSettings#DEFAULT_POPULATION}
     * individuals, the default budget, {@link GaSettings#DEFAULT_MUTATION}), no fitness epochs, one thread per core,
     * PruningOptions.DEFAULT's compensation and ridge, CPU.
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builds {@link EvolveOptions}; each setter returns the builder. The model, test rows, retraining and output have
     * no default; {@link #build()} runs the record's checks.
     */
    public static final class Builder {
        private Path model;
        private EvalData eval;
        private RetrainOptions retrain;
        private List<Integer> layers = List.of();
        private boolean selectFeatures;
        private int population = GaSettings.DEFAULT_POPULATION;
        private Integer evaluations;
        private double mutation = GaSettings.DEFAULT_MUTATION;
        private int fitnessEpochs;
        private int threads = Runtime.getRuntime().availableProcessors();
        private Path output;
        private Path report;
        private Task task;
        private Device device = Device.CPU;
        private Compensation compensation = PruningOptions.DEFAULT.compensation();
        private double ridge = PruningOptions.DEFAULT.ridge();

        private Builder() {
        }

        public Builder model(Path value) {
            model = value;
            return this;
        }

        public Builder eval(EvalData value) {
            eval = value;
            return this;
        }

        public Builder retrain(RetrainOptions value) {
            retrain = value;
            return this;
        }

        /** 1-based hidden layers to search (default: empty, all of them). */
        public Builder layers(List<Integer> value) {
            layers = value;
            return this;
        }

        public Builder selectFeatures(boolean value) {
            selectFeatures = value;
            return this;
        }

        public Builder population(int value) {
            population = value;
            return this;
        }

        /** Fitness evaluations (default: null, the published budget). */
        public Builder evaluations(Integer value) {
            evaluations = value;
            return this;
        }

        public Builder mutation(double value) {
            mutation = value;
            return this;
        }

        public Builder fitnessEpochs(int value) {
            fitnessEpochs = value;
            return this;
        }

        public Builder threads(int value) {
            threads = value;
            return this;
        }

        public Builder output(Path value) {
            output = value;
            return this;
        }

        public Builder report(Path value) {
            report = value;
            return this;
        }

        /** The task (default: null, inferred from the model). */
        public Builder task(Task value) {
            task = value;
            return this;
        }

        public Builder device(Device value) {
            device = value;
            return this;
        }

        public Builder compensation(Compensation value) {
            compensation = value;
            return this;
        }

        /** Least squares' ridge (default: NaN, chosen by whether the result is retrained). */
        public Builder ridge(double value) {
            ridge = value;
            return this;
        }

        public EvolveOptions build() {
            return new EvolveOptions(model, eval, retrain, layers, selectFeatures, population, evaluations, mutation,
                    fitnessEpochs, threads, output, report, task, device, compensation, ridge);
        }
    }
}

package org.odf2nna.method;

import java.nio.file.Path;
import java.util.List;
import org.odf2nna.Device;
import org.odf2nna.metrics.Task;
import org.odf2nna.prune.Compensation;

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

    /** Options with the default compensation (least squares). */
    public EvolveOptions(Path model, EvalData eval, RetrainOptions retrain, List<Integer> layers,
            boolean selectFeatures, int population, Integer evaluations, double mutation, int fitnessEpochs,
            int threads, Path output, Path report, Task task, Device device) {
        this(model, eval, retrain, layers, selectFeatures, population, evaluations, mutation, fitnessEpochs, threads,
                output, report, task, device, PruningOptions.DEFAULT.compensation(), PruningOptions.DEFAULT.ridge());
    }

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
            org.odf2nna.prune.NormalEquations.checkRidge(ridge);
        }
    }
}

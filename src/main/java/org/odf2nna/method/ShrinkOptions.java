package org.odf2nna.method;

import java.nio.file.Path;
import java.util.List;
import org.odf2nna.Device;
import org.odf2nna.metrics.Task;

/**
 * What a shrink run is asked to do.
 *
 * @param model     the model to shrink (never written to)
 * @param eval      the rows the metrics are reported on (and the units scored on, unless {@code score} is set)
 * @param score     the rows the units are scored on, or null to score them on {@code eval}; {@code run} and
 *                  {@code sweep} score on the training rows so that the test rows never shape the result
 * @param epsilons  thresholds to try, each giving one output
 * @param outputs   one output per ε, same order
 * @param report    where to write the JSON report, or null
 * @param task      the task, or null to infer it from the model
 * @param device    where ONNX Runtime and TensorFlow compute
 * @param retrain   how to retrain each pruned network, or null to write it as pruned
 * @param format    the format of the outputs (ONNX files, or SavedModel directories)
 * @param pruning   the unit score, the compensation and its ridge
 */
public record ShrinkOptions(Path model, EvalData eval, EvalData score, List<Double> epsilons, List<Path> outputs,
        Path report, Task task, Device device, RetrainOptions retrain, ModelFormat format, PruningOptions pruning) {

    public ShrinkOptions {
        epsilons = List.copyOf(epsilons);
        outputs = List.copyOf(outputs);
        if (epsilons.isEmpty()) {
            throw new IllegalArgumentException("at least one epsilon is needed");
        }
        if (outputs.size() != epsilons.size()) {
            throw new IllegalArgumentException(epsilons.size() + " epsilons but " + outputs.size() + " outputs");
        }
        java.util.Objects.requireNonNull(pruning, "pruning");
    }

    /** Options with the default score and compensation. */
    public ShrinkOptions(Path model, EvalData eval, EvalData score, List<Double> epsilons, List<Path> outputs,
            Path report, Task task, Device device, RetrainOptions retrain, ModelFormat format) {
        this(model, eval, score, epsilons, outputs, report, task, device, retrain, format, PruningOptions.DEFAULT);
    }

    /** Options for a run writing ONNX, scoring on the evaluation rows. */
    public ShrinkOptions(Path model, EvalData eval, List<Double> epsilons, List<Path> outputs, Path report,
            Task task, Device device, RetrainOptions retrain) {
        this(model, eval, null, epsilons, outputs, report, task, device, retrain, ModelFormat.ONNX);
    }

    /** Options for a run without retraining, writing ONNX, scoring on the evaluation rows. */
    public ShrinkOptions(Path model, EvalData eval, List<Double> epsilons, List<Path> outputs, Path report,
            Task task, Device device) {
        this(model, eval, null, epsilons, outputs, report, task, device, null, ModelFormat.ONNX);
    }

    /** Options for a run scoring on the evaluation rows. */
    public ShrinkOptions(Path model, EvalData eval, List<Double> epsilons, List<Path> outputs, Path report,
            Task task, Device device, RetrainOptions retrain, ModelFormat format) {
        this(model, eval, null, epsilons, outputs, report, task, device, retrain, format);
    }
}

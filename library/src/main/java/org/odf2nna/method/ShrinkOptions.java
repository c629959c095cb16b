package org.odf2nna.method;

import java.nio.file.Path;
import java.util.List;
import org.odf2nna.Device;
import org.odf2nna.settings.ModelFormat;
import org.odf2nna.settings.PruningOptions;
import org.odf2nna.settings.Quantize;
import org.odf2nna.settings.Task;

/**
 * What a one-shot shrink run is asked to do, in the method's terms: {@link Shrinker#run(ShrinkFiles, ShrinkSettings,
 * org.odf2nna.Progress)} makes it of the files and settings, and {@link Sweeper}'s ε grid of its own (the scoring rows,
 * the ε grid and its work folder's outputs); neither repeats the settings' builders, so there is none.
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
 * @param quantize  how the outputs store their weights (int8: ONNX only; the int8 network is what is measured)
 */
record ShrinkOptions(Path model, EvalData eval, EvalData score, List<Double> epsilons, List<Path> outputs,
        Path report, Task task, Device device, RetrainOptions retrain, ModelFormat format, PruningOptions pruning,
        Quantize quantize) {

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
        java.util.Objects.requireNonNull(quantize, "quantize");
        quantize.checkFormat(format);
    }
}

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
 * org.odf2nna.Progress)} makes it of the files and settings, and {@link Sweeper} of its own.
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

    /** A builder with no ε or output yet, scoring on the evaluation rows, PruningOptions.DEFAULT, ONNX, CPU. */
    static Builder builder() {
        return new Builder();
    }

    /**
     * Builds {@link ShrinkOptions}; each setter returns the builder. The model, evaluation rows, epsilons and outputs
     * have no default; {@link #build()} runs the record's checks.
     */
    static final class Builder {
        private Path model;
        private EvalData eval;
        private EvalData score;
        private List<Double> epsilons = List.of();
        private List<Path> outputs = List.of();
        private Path report;
        private Task task;
        private Device device = Device.CPU;
        private RetrainOptions retrain;
        private ModelFormat format = ModelFormat.ONNX;
        private PruningOptions pruning = PruningOptions.DEFAULT;
        private Quantize quantize = Quantize.NONE;

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

        /** Rows to score on instead of the evaluation rows (default: null, the evaluation rows). */
        public Builder score(EvalData value) {
            score = value;
            return this;
        }

        public Builder epsilons(List<Double> value) {
            epsilons = value;
            return this;
        }

        public Builder outputs(List<Path> value) {
            outputs = value;
            return this;
        }

        /** One ε and its output. */
        public Builder epsilon(double value, Path output) {
            return epsilons(List.of(value)).outputs(List.of(output));
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

        /** How to retrain (default: null, written as pruned). */
        public Builder retrain(RetrainOptions value) {
            retrain = value;
            return this;
        }

        public Builder format(ModelFormat value) {
            format = value;
            return this;
        }

        public Builder pruning(PruningOptions value) {
            pruning = value;
            return this;
        }

        /** How the written model stores its weights (default: {@link Quantize#NONE}, as float). */
        public Builder quantize(Quantize value) {
            quantize = value;
            return this;
        }

        public ShrinkOptions build() {
            return new ShrinkOptions(model, eval, score, epsilons, outputs, report, task, device, retrain, format,
                    pruning, quantize);
        }
    }
}

package org.odf2nna.method;

import java.nio.file.Path;
import java.util.List;
import org.odf2nna.Device;
import org.odf2nna.settings.PruningOptions;
import org.odf2nna.settings.Quantize;
import org.odf2nna.settings.Schedule;
import org.odf2nna.settings.Task;

/**
 * What a sweep over ε is asked to do.
 *
 * @param model          the model to shrink
 * @param test           rows the metrics are reported on (never used to choose)
 * @param retrain        the training rows (units are scored on them, a validation part chooses) and how to retrain
 * @param epsilons       thresholds to try, or empty to derive them from the spread of unit scores
 * @param steps          how many thresholds to derive
 * @param maxDrop        how much worse than the original on the validation rows the chosen model may be:
 *                       accuracy points for classification, percent of MSE for regression
 * @param output         where the chosen model goes
 * @param report         JSON report, or null
 * @param chart          chart file base (".png" and ".svg" are added), or null
 * @param compareScratch also train the chosen topology from random weights with the same budget
 * @param task           the task, or null to infer it
 * @param device         where the runtimes compute
 * @param pruning        the unit score, the compensation and its ridge (the ε schedule; progressive pruning ranks
 *                       units by their reconstruction cost and always refits by least squares)
 * @param schedule       progressive pruning, or the paper's grid of ε
 * @param quantize       how the written model stores its weights; with int8, each round's int8 network is what the
 *                       search is steered on and the validation rows judge
 */
public record SweepOptions(Path model, EvalData test, RetrainOptions retrain, List<Double> epsilons, int steps,
        double maxDrop, Path output, Path report, Path chart, boolean compareScratch, Task task, Device device,
        PruningOptions pruning, Schedule schedule, Quantize quantize) {

    public SweepOptions {
        java.util.Objects.requireNonNull(pruning, "pruning");
        java.util.Objects.requireNonNull(schedule, "schedule");
        java.util.Objects.requireNonNull(quantize, "quantize");
        epsilons = List.copyOf(epsilons);
        if (!(maxDrop >= 0) || Double.isInfinite(maxDrop)) {
            throw new IllegalArgumentException("max drop must be a number >= 0, got " + maxDrop);
        }
    }

    /**
     * A builder with the paper's ε schedule ({@link Schedule#EPSILON}, ε derived from the scores in
     * {@link org.odf2nna.prune.EpsilonGrid#DEFAULT_STEPS} steps), PruningOptions.DEFAULT, no report, chart or scratch
     * comparison, CPU.
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builds {@link SweepOptions}; each setter returns the builder. The model, test rows, retraining, max drop and
     * output have no default; {@link #build()} runs the record's checks.
     */
    public static final class Builder {
        private Path model;
        private EvalData test;
        private RetrainOptions retrain;
        private List<Double> epsilons = List.of();
        private int steps = org.odf2nna.prune.EpsilonGrid.DEFAULT_STEPS;
        private double maxDrop = Double.NaN;
        private Path output;
        private Path report;
        private Path chart;
        private boolean compareScratch;
        private Task task;
        private Device device = Device.CPU;
        private PruningOptions pruning = PruningOptions.DEFAULT;
        private Quantize quantize = Quantize.NONE;
        private Schedule schedule = Schedule.EPSILON;

        private Builder() {
        }

        public Builder model(Path value) {
            model = value;
            return this;
        }

        public Builder test(EvalData value) {
            test = value;
            return this;
        }

        public Builder retrain(RetrainOptions value) {
            retrain = value;
            return this;
        }

        /** Thresholds to try (default: none, derived from the spread of the unit scores). */
        public Builder epsilons(List<Double> value) {
            epsilons = value;
            return this;
        }

        public Builder steps(int value) {
            steps = value;
            return this;
        }

        public Builder maxDrop(double value) {
            maxDrop = value;
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

        public Builder chart(Path value) {
            chart = value;
            return this;
        }

        public Builder compareScratch(boolean value) {
            compareScratch = value;
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

        public Builder pruning(PruningOptions value) {
            pruning = value;
            return this;
        }

        public Builder schedule(Schedule value) {
            schedule = value;
            return this;
        }

        /** How the written model stores its weights (default: {@link Quantize#NONE}, as float). */
        public Builder quantize(Quantize value) {
            quantize = value;
            return this;
        }

        public SweepOptions build() {
            return new SweepOptions(model, test, retrain, epsilons, steps, maxDrop, output, report, chart,
                    compareScratch, task, device, pruning, schedule, quantize);
        }
    }
}

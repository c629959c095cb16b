package org.odf2nna.method;

import java.nio.file.Path;
import java.util.List;
import org.odf2nna.Device;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.PruningOptions;
import org.odf2nna.settings.Schedule;

/**
 * Algorithm 1 end to end.
 *
 * @param build          how to build the general model (its {@code output} is where the general model goes)
 * @param test           rows the metrics are reported on
 * @param epsilons       thresholds, or empty to derive them
 * @param steps          how many to derive
 * @param maxDrop        the tolerance of the choice (null: 1 accuracy point, or 10% of MSE)
 * @param output         where the chosen model goes
 * @param report         JSON report, or null
 * @param chart          chart base path, or null
 * @param compareScratch also train the chosen topology from scratch
 * @param device         where the runtimes compute
 * @param retrainLearningRate Adam's learning rate for retraining the pruned networks
 * @param pruning        the unit score, the compensation and its ridge
 */
public record RunOptions(BuildOptions build, EvalData test, List<Double> epsilons, int steps, Double maxDrop,
        Path output, Path report, Path chart, boolean compareScratch, Device device, float retrainLearningRate,
        PruningOptions pruning, Schedule schedule, Distillation distillation) {

    /** Options of the paper's ε schedule, retraining on the targets alone. */
    public RunOptions(BuildOptions build, EvalData test, List<Double> epsilons, int steps, Double maxDrop,
            Path output, Path report, Path chart, boolean compareScratch, Device device, float retrainLearningRate,
            PruningOptions pruning) {
        this(build, test, epsilons, steps, maxDrop, output, report, chart, compareScratch, device, retrainLearningRate,
                pruning, Schedule.EPSILON, Distillation.NONE);
    }

    /** Options with the default score and compensation. */
    public RunOptions(BuildOptions build, EvalData test, List<Double> epsilons, int steps, Double maxDrop,
            Path output, Path report, Path chart, boolean compareScratch, Device device, float retrainLearningRate) {
        this(build, test, epsilons, steps, maxDrop, output, report, chart, compareScratch, device, retrainLearningRate,
                PruningOptions.DEFAULT);
    }

    public RunOptions {
        java.util.Objects.requireNonNull(pruning, "pruning");
        java.util.Objects.requireNonNull(schedule, "schedule");
        java.util.Objects.requireNonNull(distillation, "distillation");
    }
}

package org.odf2nna.method;

import java.nio.file.Path;
import java.util.List;
import org.odf2nna.Device;
import org.odf2nna.metrics.Task;

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
 */
public record SweepOptions(Path model, EvalData test, RetrainOptions retrain, List<Double> epsilons, int steps,
        double maxDrop, Path output, Path report, Path chart, boolean compareScratch, Task task, Device device,
        PruningOptions pruning, Schedule schedule) {

    /** Options of the paper's ε schedule. */
    public SweepOptions(Path model, EvalData test, RetrainOptions retrain, List<Double> epsilons, int steps,
            double maxDrop, Path output, Path report, Path chart, boolean compareScratch, Task task, Device device,
            PruningOptions pruning) {
        this(model, test, retrain, epsilons, steps, maxDrop, output, report, chart, compareScratch, task, device,
                pruning, Schedule.EPSILON);
    }

    /** Options with the default score and compensation. */
    public SweepOptions(Path model, EvalData test, RetrainOptions retrain, List<Double> epsilons, int steps,
            double maxDrop, Path output, Path report, Path chart, boolean compareScratch, Task task, Device device) {
        this(model, test, retrain, epsilons, steps, maxDrop, output, report, chart, compareScratch, task, device,
                PruningOptions.DEFAULT);
    }

    public SweepOptions {
        java.util.Objects.requireNonNull(pruning, "pruning");
        java.util.Objects.requireNonNull(schedule, "schedule");
        epsilons = List.copyOf(epsilons);
        if (!(maxDrop >= 0) || Double.isInfinite(maxDrop)) {
            throw new IllegalArgumentException("max drop must be a number >= 0, got " + maxDrop);
        }
    }
}

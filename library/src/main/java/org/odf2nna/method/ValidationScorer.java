package org.odf2nna.method;

import org.odf2nna.InputException;
import org.odf2nna.evolve.MaskedFitness;
import org.odf2nna.metrics.Evaluator;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.network.OutputHead;
import org.odf2nna.settings.Task;
import org.odf2nna.tf.TrainingData;

/**
 * Scores a network's outputs on the validation rows with the tool's own metrics (so a fitness is exactly
 * the accuracy, or MSE, that eval would report): accuracy, or minus the MSE, so that higher is better.
 */
final class ValidationScorer implements MaskedFitness.Scorer {

    private final Task task;
    private final int outputs;
    private final OutputHead head;
    private final double[] targets;
    private final long[] lines;
    private final RowsOrigin origin;

    /** {@code origin} names the rows in messages about bad targets (a file's rows by the training file). */
    ValidationScorer(Task task, int outputs, OutputHead head, TrainingData rows, RowsOrigin origin) {
        this.task = task;
        this.outputs = outputs;
        this.head = head;
        this.origin = origin;
        this.targets = new double[rows.rows()];
        for (int r = 0; r < targets.length; r++) {
            targets[r] = rows.targets()[r];
        }
        this.lines = new long[rows.rows()];
    }

    @Override
    public double score(float[] values, int rows) {
        Evaluator evaluator = new Evaluator(task, outputs, head, origin.train(), "target");
        try {
            evaluator.add(values, rows, targets, lines);
        } catch (InputException e) {
            throw origin.inMemory() ? new InputException(null, RowsOrigin.IN_MEMORY_VALIDATION, e.getMessage(), e) : e;
        }
        Metrics m = evaluator.metrics();
        return m.higherIsBetter() ? m.primaryValue() : -m.primaryValue();
    }

    /** The figure a fitness stands for: accuracy as it is, MSE with its sign restored. */
    static double figure(double fitness, Task task) {
        return task == Task.REGRESSION ? -fitness : fitness;
    }
}

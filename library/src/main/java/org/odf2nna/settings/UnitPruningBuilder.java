package org.odf2nna.settings;

import java.util.List;

/**
 * The setters that the builders of the two workflows pruning units by their score share
 * ({@link SweepSettings.Builder}, {@link ShrinkSettings.Builder}): the thresholds, the maximum drop, the pruning
 * options and the quantization, besides those of {@link PruningWorkflowBuilder}.
 *
 * @param <B> the builder itself
 */
public abstract class UnitPruningBuilder<B extends UnitPruningBuilder<B>> extends PruningWorkflowBuilder<B> {

    List<Double> epsilons = List.of();
    Double maxDrop;
    PruningOptions pruning = PruningOptions.DEFAULT;
    Quantize quantize = Quantize.NONE;
    boolean clipInputs;
    Int8Operators int8Operators = Int8Operators.STANDARD;

    UnitPruningBuilder() {
    }

    /**
     * Thresholds on the unit score (default: none given): shrink prunes once at each, giving one model each; sweep's
     * ε schedule tries them, and derives its own from the spread of the unit scores when none are given.
     */
    public B epsilons(List<Double> value) {
        epsilons = value;
        return self();
    }

    /**
     * Accuracy points, or percent of the MSE, progressive pruning's choice may lose on the validation rows
     * (default: by task, 1 accuracy point or 10 percent of the MSE).
     */
    public B maxDrop(double value) {
        maxDrop = value;
        return self();
    }

    /** Unit score, compensation and ridge (default {@link PruningOptions#DEFAULT}: std, least squares). */
    public B pruning(PruningOptions value) {
        pruning = value;
        return self();
    }

    /**
     * How the weights are stored (default {@link Quantize#NONE}: float); {@link Quantize#INT8} judges each
     * progressive round with int8 weights, a layer whose int8 weights cost too much on the training rows staying
     * float.
     */
    public B quantize(Quantize value) {
        quantize = value;
        return self();
    }

    /** The operators a static int8 form may hold (default {@link Int8Operators#STANDARD}: standard ONNX only). */
    public B int8Operators(Int8Operators value) {
        int8Operators = value;
        return self();
    }

    /**
     * Whether the written model holds each input to the range the training rows cover (default false): a Max and a
     * Min in front of the dense chain, and each progressive round judged on the validation rows with its inputs held
     * so too (the original as it is), so that the promise speaks of the model written. Progressive pruning only.
     */
    public B clipInputs(boolean value) {
        clipInputs = value;
        return self();
    }
}

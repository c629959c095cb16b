package org.odf2nna.settings;

import java.util.List;
import org.odf2nna.Device;
import org.odf2nna.Setting;

/**
 * How a sweep prunes, made by {@link #builder()}: the settings of the command line's {@code sweep}, of
 * {@code Odf2nna.sweep} on files and of {@code Odf2nna.sweep} on rows in memory alike, with the command line's
 * defaults. The in-memory sweep runs the progressive schedule only, with the task inferred unless given; it reads
 * neither the ε grid ({@code epsilons}, {@code steps}), the unit score, nor {@code compareScratch}.
 *
 * @param schedule       progressive pruning (the default), or the paper's grid of ε
 * @param epsilons       the ε schedule's thresholds, or empty to derive them from the spread of the unit scores
 * @param steps          how many thresholds to derive
 * @param maxDrop        how much worse than the original the chosen network may be on the validation rows: accuracy
 *                       points for classification, percent of the original's MSE for regression; null: by task
 *                       ({@link #maxDrop(Task)})
 * @param pruning        the unit score (ε schedule), the compensation and its ridge
 * @param retraining     how each pruned network is retrained
 * @param quantize       how the rounds' weights are stored: with {@link Quantize#INT8}, each round's candidate is its
 *                       network with int8 weights where the per-layer fallback allows them, and that is what the
 *                       search goes by and the validation rows judge (progressive schedule only)
 * @param compareScratch also train the chosen topology from random weights with the same budget
 * @param task           the task, or null to infer it from the network's outputs
 * @param device         where the runtimes compute ({@link Device#CUDA} needs the GPU build)
 */
public record SweepSettings(Schedule schedule, List<Double> epsilons, int steps, Double maxDrop,
        PruningOptions pruning, RetrainSettings retraining, Quantize quantize, boolean compareScratch, Task task,
        Device device) {

    /** Thresholds derived when none are given. */
    public static final int DEFAULT_STEPS = 8;

    /**
     * Checks every setting; {@link #builder()} is the usual way to make one.
     *
     * @throws InvalidSetting naming the first setting out of range
     */
    public SweepSettings {
        Checks.present("schedule, pruning, retraining, quantize, device", schedule, pruning, retraining, quantize,
                device);
        epsilons = List.copyOf(epsilons);
        Checks.distinct(epsilons);
        InvalidSetting.require(steps >= 1, Setting.STEPS.ref() + " must be at least 1, got " + steps);
        Checks.maxDrop(maxDrop);
    }

    /**
     * The most the chosen network may lose, for a network of {@code task}: {@link #maxDrop()} when set, else 1
     * accuracy point for classification and 10 percent of the MSE for regression.
     */
    public double maxDrop(Task task) {
        return maxDrop != null ? maxDrop : task.defaultMaxDrop();
    }

    /** The same settings for a network of {@code value}. */
    public SweepSettings withTask(Task value) {
        return new SweepSettings(schedule, epsilons, steps, maxDrop, pruning, retraining, quantize, compareScratch,
                value, device);
    }

    /** A builder with the defaults (those of the command line's {@code sweep}). */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults. */
    public static SweepSettings defaults() {
        return builder().build();
    }

    /**
     * Builds {@link SweepSettings}; each setter returns the builder, those of {@link UnitPruningBuilder} included.
     */
    public static final class Builder extends UnitPruningBuilder<Builder> {
        private Schedule schedule = Schedule.PROGRESSIVE;
        private int steps = DEFAULT_STEPS;
        private boolean compareScratch;
        private boolean paper;

        private Builder() {
        }

        /** Progressive pruning (default {@link Schedule#PROGRESSIVE}) or the paper's ε grid ({@link Schedule#EPSILON}). */
        public Builder schedule(Schedule value) {
            schedule = value;
            return this;
        }

        /** Share of the parameters a progressive round removes (default 0.2). */
        public Builder share(double value) {
            schedule = new Schedule(schedule.kind(), value, schedule.maxRounds(), schedule.inputs(), schedule.ranking());
            return this;
        }

        /** Progressive rounds at most (default 40). */
        public Builder maxRounds(int value) {
            schedule = new Schedule(schedule.kind(), schedule.share(), value, schedule.inputs(), schedule.ranking());
            return this;
        }

        /** Whether progressive pruning may remove inputs too (default true). */
        public Builder inputs(boolean value) {
            schedule = new Schedule(schedule.kind(), schedule.share(), schedule.maxRounds(), value, schedule.ranking());
            return this;
        }

        /** Thresholds to derive when none are given (default 8). */
        public Builder steps(int value) {
            steps = value;
            return this;
        }

        /** Also train the chosen topology from random weights (default false). */
        public Builder compareScratch(boolean value) {
            compareScratch = value;
            return this;
        }

        /**
         * The paper's own rule when {@code value}: the ε schedule, unit std, mean folding and retraining on the
         * targets alone, whatever the schedule, pruning and distillation set here.
         */
        public Builder paper(boolean value) {
            paper = value;
            return this;
        }

        /** The settings; throws {@link InvalidSetting} naming the first setting out of range. */
        public SweepSettings build() {
            return paper
                    ? new SweepSettings(Schedule.EPSILON, epsilons, steps, maxDrop, PruningOptions.paper(),
                            retraining.withDistillation(Distillation.NONE), quantize, compareScratch, task, device)
                    : new SweepSettings(schedule, epsilons, steps, maxDrop, pruning, retraining, quantize,
                            compareScratch, task, device);
        }
    }
}

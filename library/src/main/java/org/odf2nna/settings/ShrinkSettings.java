package org.odf2nna.settings;

import java.util.List;
import org.odf2nna.Device;
import org.odf2nna.Setting;

/**
 * How shrink prunes, made by {@link #builder()}: the settings of the command line's {@code shrink}, of
 * {@code FileWorkflows.shrink} on files and of {@code Odf2nna.shrink} on rows in memory alike, with the command line's
 * defaults.
 *
 * <p>Without ε, with retraining, training rows and ONNX output, shrink prunes as sweep does by default
 * ({@link #progressive(ShrinkFiles)}, then {@link #sweep()}); otherwise it prunes once at each ε (0.05 when none is
 * given). On rows in memory it prunes once, at one ε.
 *
 * @param epsilons   thresholds on the unit score, each giving one model; empty: progressive pruning where it
 *                   applies, else {@link #DEFAULT_EPSILON}
 * @param maxDrop    progressive pruning: the most the chosen model may lose (null: by task, as sweep's)
 * @param pruning    the unit score, the compensation and its ridge
 * @param retraining how each pruned network is retrained on the training rows, or null: written as pruned
 * @param format     the format of the outputs
 * @param quantize   how the outputs store their weights (int8: progressive pruning, ONNX only)
 * @param clipInputs progressive pruning: whether the written model holds each input to the training rows' range
 *                   (as sweep's {@link SweepSettings#clipInputs()})
 * @param task       the task, or null to infer it from the network's outputs
 * @param device     where the runtimes compute
 */
public record ShrinkSettings(List<Double> epsilons, Double maxDrop, PruningOptions pruning,
        RetrainSettings retraining, ModelFormat format, Quantize quantize, boolean clipInputs, Task task,
        Device device) {

    /** The paper's threshold, the default of the one-shot rule. */
    public static final double DEFAULT_EPSILON = 0.05;

    /**
     * Checks every setting; {@link #builder()} is the usual way to make one.
     *
     * @throws InvalidSetting naming the first setting out of range
     * @throws org.odf2nna.InputException when int8 weights are asked of a format that cannot hold them
     */
    public ShrinkSettings {
        epsilons = List.copyOf(epsilons);
        Checks.present("pruning, format, quantize, device", pruning, format, quantize, device);
        quantize.checkFormat(format);
        boolean progressive = epsilons.isEmpty() && retraining != null && format == ModelFormat.ONNX;
        InvalidSetting.require(quantize == Quantize.NONE || progressive, Setting.QUANTIZE.ref() + " applies to "
                + "progressive pruning (" + Setting.TRAIN.ref() + " without " + Setting.EPSILON.ref() + "), where the "
                + "int8 model is what is judged; for a one-shot model run convert " + Setting.QUANTIZE.ref()
                + " int8 on it");
        InvalidSetting.require(maxDrop == null || progressive, Setting.MAX_DROP.ref() + " applies to progressive "
                + "pruning: " + Setting.TRAIN.ref() + " without " + Setting.EPSILON.ref() + ", ONNX output");
        Checks.maxDrop(maxDrop);
        InvalidSetting.require(!clipInputs || progressive, Setting.CLIP_INPUTS.ref() + " applies to progressive "
                + "pruning (" + Setting.TRAIN.ref() + " without " + Setting.EPSILON.ref() + ", ONNX output), whose "
                + "rounds are judged with the inputs clipped to the training rows' range");
        for (double e : epsilons) {
            InvalidSetting.require(e >= 0 && !Double.isInfinite(e), Setting.EPSILON.ref()
                    + " must be a finite number >= 0, got " + e);
        }
        Checks.distinct(epsilons);
    }

    /** The thresholds to prune at once: {@link #epsilons()}, or {@link #DEFAULT_EPSILON} when none are given. */
    public List<Double> thresholds() {
        return epsilons.isEmpty() ? List.of(DEFAULT_EPSILON) : epsilons;
    }

    /**
     * Whether shrinking {@code files} prunes progressively, as sweep does by default: no ε given, retraining on
     * training rows, ONNX output. Else it prunes once at each of {@link #thresholds()}.
     */
    public boolean progressive(ShrinkFiles files) {
        return epsilons.isEmpty() && retraining != null && files.train() != null && format == ModelFormat.ONNX;
    }

    /** The sweep that progressive pruning runs: one output, the maximum drop, pruning and retraining given here. */
    public SweepSettings sweep() {
        SweepSettings.Builder sweep = SweepSettings.builder().steps(1).pruning(pruning).quantize(quantize)
                .clipInputs(clipInputs).task(task).device(device);
        if (retraining != null) {
            sweep.retraining(retraining);
        }
        if (maxDrop != null) {
            sweep.maxDrop(maxDrop);
        }
        return sweep.build();
    }

    /** A builder with the defaults (those of the command line's {@code shrink}). */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults. */
    public static ShrinkSettings defaults() {
        return builder().build();
    }

    /**
     * Builds {@link ShrinkSettings}; each setter returns the builder, those of {@link UnitPruningBuilder} included.
     */
    public static final class Builder extends UnitPruningBuilder<Builder> {
        private ModelFormat format = ModelFormat.ONNX;

        private Builder() {
        }

        /** One threshold (default: none given, 0.05 when pruning once). */
        public Builder epsilon(double value) {
            epsilons = List.of(value);
            return this;
        }

        /** The outputs' format (default {@link ModelFormat#ONNX}). */
        public Builder format(ModelFormat value) {
            format = value;
            return this;
        }

        /** The settings; throws {@link InvalidSetting} naming the first setting out of range. */
        public ShrinkSettings build() {
            return new ShrinkSettings(epsilons, maxDrop, pruning, retraining, format, quantize, clipInputs, task,
                    device);
        }
    }
}

package org.odf2nna.settings;

import org.odf2nna.Setting;

/**
 * How much of the training signal comes from the original network (the teacher) rather than from the targets.
 *
 * <p>The loss is {@code hardWeight · loss(targets) + (1 − hardWeight) · T² · loss(teacher)}: for classifiers the
 * teacher's probabilities softened by the temperature T (Hinton et al.'s distillation; T² keeps the soft term's
 * gradients on the scale of the hard one's), for regression the teacher's outputs. A pruned network only has to
 * keep the original's behaviour, so the teacher is the better guide: it says how confident the original was on
 * every row, and it labels rows that have no target.
 *
 * @param hardWeight  weight of the targets, in [0, 1]; 1 trains on the targets alone (no teacher)
 * @param temperature T &gt; 0; softens the teacher's probabilities (classification only)
 */
public record Distillation(double hardWeight, double temperature) {

    /** Targets only: the paper's retraining. */
    public static final Distillation NONE = new Distillation(1, 1);

    /**
     * The default: measured on the reference models' validation halves (docs/research/COMPARISON.md). Mostly teacher, with a
     * little of the targets so that a pruned network can also mend what the original got wrong.
     */
    public static final Distillation DEFAULT = new Distillation(0.1, 2);

    public Distillation {
        InvalidSetting.require(hardWeight >= 0 && hardWeight <= 1, Setting.TARGET_WEIGHT.ref()
                + " must be between 0 and 1, got " + hardWeight);
        InvalidSetting.require(temperature > 0 && !Double.isInfinite(temperature), Setting.TEMPERATURE.ref()
                + " must be a number > 0, got " + temperature);
    }

    /** Whether the teacher takes part at all. */
    public boolean usesTeacher() {
        return hardWeight < 1;
    }

    /** The same weights with the targets left out (rows without targets). */
    public Distillation teacherOnly() {
        return new Distillation(0, temperature);
    }
}

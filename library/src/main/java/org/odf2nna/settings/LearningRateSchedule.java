package org.odf2nna.settings;

import java.util.Locale;

/** How the learning rate moves over the steps of one training run. */
public enum LearningRateSchedule implements ShortName {
    /** The given rate at every step. */
    CONSTANT,
    /**
     * One cycle, as PyTorch's {@code OneCycleLR} with its defaults: from a 25th of the peak up to the peak over the
     * first 30% of the steps, then down along a cosine to a 10,000th of the start. A short retraining then starts and
     * ends gently and moves far in between: a graph that was trained already is not thrown off by its first steps.
     */
    ONE_CYCLE;

    private static final double WARM_UP = 0.3;
    private static final double START_DIVISOR = 25;
    private static final double END_DIVISOR = 1e4;

    /** The learning rate of step {@code step} (from 0) of {@code steps}, for a schedule that peaks at {@code peak}. */
    public float rate(float peak, long step, long steps) {
        if (this == CONSTANT || steps <= 1) {
            return peak;
        }
        double start = peak / START_DIVISOR;
        double end = start / END_DIVISOR;
        double up = Math.max(1, WARM_UP * steps - 1);
        double t = step;
        if (t <= up) {
            return (float) cosine(start, peak, t / up);
        }
        return (float) cosine(peak, end, Math.min(1, (t - up) / Math.max(1, steps - 1 - up)));
    }

    private static double cosine(double from, double to, double fraction) {
        return to + (from - to) * (1 + Math.cos(Math.PI * fraction)) / 2;
    }

    /** The name on the command line and in reports: {@code constant}, {@code one-cycle}. */
    @Override
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}

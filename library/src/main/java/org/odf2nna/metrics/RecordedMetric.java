package org.odf2nna.metrics;

/**
 * Whether a model scores far worse on the rows it is given than the metric recorded beside it (the test metric of its
 * JSON sidecar), a sign that model and rows do not belong together (other columns, another order, another label).
 *
 * <p>"Far" is, for classification, an accuracy more than {@value #POINTS} points below the recorded one that a model
 * as good as recorded would reach or undercut on as many rows with a probability below {@value #LEVEL} (one-sided
 * exact binomial test: P(X ≤ correct rows) for X ~ Bin(rows, recorded accuracy)); both must hold, so a small set of
 * rows that is merely unlucky, or a large one a few points worse, is not flagged. For regression, an MSE more than
 * {@value #MSE_RATIO} times the recorded one (no distribution of errors is assumed). Fewer than {@value #MIN_ROWS} rows
 * are never flagged.
 */
public final class RecordedMetric {

    /** Accuracy points below the recorded accuracy, at least. */
    public static final double POINTS = 10;
    /** The one-sided binomial probability below which the shortfall is more than chance. */
    public static final double LEVEL = 0.001;
    /** How many times the recorded MSE, at least. */
    public static final double MSE_RATIO = 4;
    /** Rows needed to say anything. */
    public static final long MIN_ROWS = 20;

    private RecordedMetric() {
    }

    /**
     * @param observed the model's metrics on the rows
     * @param recorded the recorded accuracy (a fraction) for classification, or the recorded MSE for regression
     */
    public static boolean farWorse(Metrics observed, double recorded) {
        if (observed == null || !Double.isFinite(recorded) || observed.rows() < MIN_ROWS) {
            return false;
        }
        if (observed instanceof Metrics.Classification c) {
            if (recorded <= 0 || recorded > 1 || 100 * (recorded - c.accuracy()) <= POINTS) {
                return false;
            }
            int rows = (int) Math.min(Integer.MAX_VALUE, c.rows());
            int correct = (int) Math.round(c.accuracy() * rows);
            return Binomial.cdf(rows, correct, recorded) < LEVEL;
        }
        if (observed instanceof Metrics.Regression r) {
            return recorded > 0 && r.mse() > MSE_RATIO * recorded;
        }
        return false;
    }
}

package org.odf2nna.report;

/**
 * How retraining went for one ε (its JSON fields are those of its figures, in their place, among its own; the figures
 * are also read directly: {@link #validationBefore()}, {@link #validationAfter()} ...).
 *
 * @param epochsRun          epochs run (fewer than asked when stopped early)
 * @param bestEpoch          epoch whose weights were kept (0: the pruned weights were not improved on)
 * @param figures            the metric and the training loss on the watched rows, before retraining and for the
 *                           kept weights
 * @param changeFromOriginal how far the kept network's predictions are from the original model's on the training
 *                           rows (validation rows included): the share of rows whose class differs, or for
 *                           regression the mean squared difference as a share of the original's MSE; NaN when
 *                           not measured
 * @param watchedRows        the rows the validation figures (and the epoch kept) are measured on: "validation";
 *                           "training" when the validation rows were kept for the choice alone (a strict schedule);
 *                           or "agreement": the validation rows against the original's outputs instead of their
 *                           targets (regression's default schedule), so the figures are the MSE from the original
 *                           (classification: the share of predictions that agree with it)
 */
public record TrainingSummary(int epochsRun, int bestEpoch, Figures figures, double changeFromOriginal,
        String watchedRows) {

    public TrainingSummary {
        watchedRows = watchedRows == null ? "validation" : watchedRows;
    }

    /** Figures measured on the validation rows. */
    public TrainingSummary(int epochsRun, int bestEpoch, Figures figures, double changeFromOriginal) {
        this(epochsRun, bestEpoch, figures, changeFromOriginal, "validation");
    }

    /**
     * The figures on the watched rows.
     *
     * @param validationBefore     validation metric of the pruned network before retraining
     * @param validationAfter      validation metric of the kept weights
     * @param validationMetric     "accuracy" or "mse"
     * @param validationLossBefore the training loss (cross-entropy, or MSE in training coordinates) on the validation
     *                             rows before retraining
     * @param validationLossAfter  the same for the kept weights
     */
    @JsonInline
    public record Figures(double validationBefore, double validationAfter, String validationMetric,
            double validationLossBefore, double validationLossAfter) {
    }

    /** Validation metric of the pruned network before retraining. */
    public double validationBefore() {
        return figures.validationBefore();
    }

    /** Validation metric of the kept weights. */
    public double validationAfter() {
        return figures.validationAfter();
    }

    /** "accuracy" or "mse". */
    public String validationMetric() {
        return figures.validationMetric();
    }

    /** The training loss on the validation rows before retraining. */
    public double validationLossBefore() {
        return figures.validationLossBefore();
    }

    /** The training loss on the validation rows for the kept weights. */
    public double validationLossAfter() {
        return figures.validationLossAfter();
    }

    /** The watched rows in words, as an adjective: "validation", "training-row" or "validation-row agreement". */
    public static String rowsInWords(String watchedRows) {
        return switch (watchedRows) {
            case "validation" -> "validation";
            case "agreement" -> "validation-row agreement";
            default -> watchedRows + "-row";
        };
    }

    public TrainingSummary withChange(double change) {
        return new TrainingSummary(epochsRun, bestEpoch, figures, change, watchedRows);
    }
}

package org.odf2nna.report;

import org.odf2nna.metrics.Metrics;

/**
 * What an {@code eval} measured: a model's metrics on labelled rows.
 *
 * @param model   the model file or SavedModel directory
 * @param data    the CSV of labelled rows
 * @param task    {@code classification}, {@code regression}, {@code classification per position} or {@code next-token}
 * @param metrics accuracy, macro F1 and ROC AUC, or MSE, MAE and R², or perplexity and accuracy per position
 * @param label   how the label column was found when it was guessed: the last column, for want of one named as a
 *                label ("column 785 of 785, 'pixel783'"); null when it was named
 * @param warning a warning on the figures (the model no better than chance on the rows), or null
 * @param counted what the metrics count where it is not one label per row ("812 labelled positions in 100 rows"), or
 *                null (then they count {@code metrics.rows()} rows)
 */
public record Evaluation(String model, String data, String task, Metrics metrics, String label, String warning,
        String counted) {

    /** What the metrics count, in words: "N rows", or the labelled positions and rows. */
    public String countedInWords() {
        return counted != null ? counted : metrics.rows() + " rows";
    }
}

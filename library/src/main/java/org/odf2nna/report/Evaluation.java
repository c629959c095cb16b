package org.odf2nna.report;

import org.odf2nna.metrics.Metrics;

/**
 * What an {@code eval} measured: a model's metrics on labelled rows.
 *
 * @param model   the model file or SavedModel directory
 * @param data    the CSV of labelled rows
 * @param task    {@code classification} or {@code regression}
 * @param metrics accuracy, macro F1 and ROC AUC, or MSE, MAE and R²
 */
public record Evaluation(String model, String data, String task, Metrics metrics) {
}

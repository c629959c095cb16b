/**
 * What a model is judged by: {@code Evaluator} (accuracy, macro F1, ROC AUC; MSE, MAE, R²) and {@code LossBound} (the
 * one-sided 95% bound the default choice reads), for the {@code settings.Task}. Uses {@code data}, {@code network} and
 * {@code settings}.
 */
package org.odf2nna.metrics;

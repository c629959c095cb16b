/**
 * What a model is judged by: {@code Task} (classification or regression), {@code Evaluator} (accuracy, macro F1, ROC
 * AUC; MSE, MAE, R²) and {@code LossBound} (the one-sided 95% bound the default choice reads). Uses
 * {@code network}.
 */
package org.odf2nna.metrics;

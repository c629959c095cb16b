/**
 * The {@code bench} command's measurements (scoring, memory, retraining, inference, CSV speed), made through the
 * library's public surface: {@code api.OnnxModel} (rows, unit scoring, pruning at ε, the model and its int8 forms and
 * Algorithm 3's subgraphs in ONNX Runtime), {@code api.OnnxSession} (timed runs), {@code api.Training} (the epochs of
 * the dense and the whole-graph retraining) and {@code api.Rows.check} (the readers). Nothing in the library uses it.
 * Uses {@code api}, {@code network}, {@code report} and {@code settings}.
 */
package org.odf2nna.harness.bench;

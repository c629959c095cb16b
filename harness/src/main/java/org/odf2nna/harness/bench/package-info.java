/**
 * The {@code bench} command's measurements (scoring, memory, retraining, inference, CSV speed). Nothing in the library
 * uses it. Uses {@code data}, {@code graph}, {@code io}, {@code method}, {@code network}, {@code onnx}, {@code prune},
 * {@code report}, {@code settings} and {@code tf}.
 */
package org.odf2nna.harness.bench;

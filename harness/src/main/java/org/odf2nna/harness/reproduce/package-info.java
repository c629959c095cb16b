/**
 * The research harness for the paper's experiments ({@code reproduce}): runs them through the file workflows of
 * {@code api} (and the units' scores of a wider ε grid through {@code method}), stores each table as JSON and renders
 * {@code docs/RESULTS.md}. Nothing in the library uses it. Uses {@code api}, {@code data}, {@code io}, {@code method},
 * {@code metrics}, {@code onnx}, {@code prune}, {@code report} and {@code settings}.
 */
package org.odf2nna.harness.reproduce;

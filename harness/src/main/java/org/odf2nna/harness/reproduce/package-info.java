/**
 * The research harness for the paper's experiments ({@code reproduce}): runs them through the file workflows of
 * {@code api} (and the units' scores of a wider ε grid through {@code api.OnnxModel}), stores each table as JSON and
 * renders {@code docs/research/RESULTS.md}. Nothing in the library uses it. Uses {@code api}, {@code metrics}, {@code report}
 * and {@code settings}.
 */
package org.odf2nna.harness.reproduce;

/**
 * The workflows that tie formats and algorithms together: read a model file, score, prune, compensate, retrain,
 * write and verify ({@code Shrinker}, {@code Sweeper} with {@code ProgressivePruning}, {@code MethodRun},
 * {@code Evolver}, {@code ModelFiles}, {@code ModelWriter}). Uses every library package below {@code api}.
 */
package org.odf2nna.method;

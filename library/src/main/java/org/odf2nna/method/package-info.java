/**
 * The workflows that tie formats and algorithms together: read a model file, score, prune, compensate, retrain, write
 * and verify ({@code Shrinker}, {@code Sweeper} with {@code ProgressivePruning}, {@code MethodRun}, {@code Evolver},
 * {@code ModelFiles}, {@code ModelWriter}). Sweep's progressive route and evolve each run one in-memory pipeline
 * ({@code ProgressiveSweep}, {@code MaskEvolution}: network, rows and settings in, result out), which the file-level
 * workflows and the API's in-memory calls share; shrink's pruning at one ε ({@code EpsilonPruning}) is shared the same
 * way. Uses {@code data}, {@code evolve}, {@code graph}, {@code io}, {@code keras}, {@code metrics}, {@code network},
 * {@code onnx}, {@code onnx.cleaning}, {@code prune}, {@code report}, {@code settings} and {@code tf}.
 */
package org.odf2nna.method;

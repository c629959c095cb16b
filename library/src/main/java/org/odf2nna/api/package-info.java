/**
 * The library's public entry point for Java code: {@link org.odf2nna.api.Odf2nna} loads a network (a model file, ONNX
 * bytes, or a {@link org.odf2nna.network.DenseNetwork} built in memory), takes {@link org.odf2nna.api.Rows} as float
 * arrays, and returns in memory a {@link org.odf2nna.api.Shrunk} network (the paper's ε rule, settings from
 * {@link org.odf2nna.api.ShrinkSettings#builder()}) or a {@link org.odf2nna.api.Swept} one (progressive pruning, the
 * default of {@code sweep}, settings from {@link org.odf2nna.settings.SweepSettings#builder()}) or an
 * {@link org.odf2nna.api.Evolved} one (EvoPruneDeepTL's search, {@link org.odf2nna.api.EvolveSettings#builder()}), and
 * retrains a pruned network toward its original ({@link org.odf2nna.api.Odf2nna#retrain}). The in-memory shrink, sweep
 * and evolve run the same pipelines as the file-level ones ({@code method.EpsilonPruning},
 * {@code method.ProgressiveSweep}, {@code method.MaskEvolution}). <p>The command line's commands call the file-level
 * workflows of {@link org.odf2nna.api.FileWorkflows} ({@code FileWorkflows.shrink(ShrinkFiles, ShrinkSettings,
 * Progress)} and the like), which read and write the files their options name and return the report the command prints,
 * and {@link org.odf2nna.api.Inspection} (what the tool reads of a model file, {@code inspect}); the process-wide state
 * is {@link org.odf2nna.api.Writes} (the write ledger) and {@link org.odf2nna.api.Cleaning}, and the sentences printed
 * beside a report are {@link org.odf2nna.api.Messages}. Both levels take the same settings types, those of
 * {@code org.odf2nna.settings} (one per workflow, with its defaults and checks); the files a file-level workflow reads
 * and writes are a record of their own ({@code SweepFiles}). <p>May use every library package (settings, data, network,
 * metrics, prune, evolve, onnx, tf, method, report); nothing in the library uses it, only the command line and the
 * research harness, and it reads or writes no file unless given a path. A model file itself, its graph kept, is an
 * {@link org.odf2nna.api.OnnxModel} (its rows, its units' {@link org.odf2nna.api.UnitScores}, pruned at an ε in
 * memory) and runs in an {@link org.odf2nna.api.OnnxSession} (ONNX Runtime, timed runs); {@link
 * org.odf2nna.api.Training} trains a prepared problem epoch by epoch: the steps the research harness's benchmarks
 * time, which use the library through this package. Uses {@code data}, {@code graph}, {@code io},
 * {@code method}, {@code metrics}, {@code network}, {@code onnx}, {@code onnx.cleaning}, {@code prune}, {@code report},
 * {@code settings} and {@code tf}.
 */
package org.odf2nna.api;

/**
 * The library's public entry point for Java code: {@link org.odf2nna.api.Odf2nna} loads a network (a model file,
 * ONNX bytes, or a {@link org.odf2nna.network.DenseNetwork} built in memory), takes {@link org.odf2nna.api.Rows} as
 * float arrays, and returns in memory a {@link org.odf2nna.api.Shrunk} network (the paper's ε rule, settings from
 * {@link org.odf2nna.api.ShrinkSettings#builder()}) or a {@link org.odf2nna.api.Swept} one (progressive pruning, the
 * default of {@code sweep}, settings from {@link org.odf2nna.api.SweepSettings#builder()}) or an
 * {@link org.odf2nna.api.Evolved} one (EvoPruneDeepTL's search, {@link org.odf2nna.api.EvolveSettings#builder()}), and
 * retrains a pruned network toward its original ({@link org.odf2nna.api.Odf2nna#retrain}).
 *
 * <p>May use every library package (network, prune, onnx, tf, method, metrics); nothing in the library uses it, and
 * it reads or writes no file unless given a path.
 */
package org.odf2nna.api;

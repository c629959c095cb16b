/**
 * Dense blocks anywhere in an ONNX graph (transformer FFNs, MLP-Mixer token and channel MLPs, pointwise-convolution and
 * squeeze-excite blocks): {@code BlockFinder} finds them, {@code BlockStatistics} scores their hidden units in one ONNX
 * Runtime pass, {@code BlockPruner} drops units and compensates in the second layer with the initializers rewritten in
 * place, {@code GraphSweep} runs the progressive rounds and the certified choice, and {@code GraphEvolve} searches
 * the blocks' unit masks with evolve's genetic algorithm. Uses {@code data}, {@code evolve}, {@code metrics},
 * {@code network}, {@code onnx}, {@code prune} (its wide solves), {@code report}, {@code settings}, {@code tf} and
 * {@code tf.ops}.
 */
package org.odf2nna.graph;

/**
 * ONNX in and out: {@code DenseChainReader} finds the dense chain in a graph, {@code DenseChainWriter} rewrites its
 * initializers in place, {@code OnnxModelBuilder} builds a new graph, {@code OnnxRunner} runs ONNX Runtime, and
 * {@code ScoringGraph} exposes hidden activations. The generated protobuf classes live in {@code onnx.proto}. Uses
 * {@code data} (the names of a decoder's cache inputs), {@code io}, {@code metrics}, {@code network} and {@code prune}.
 */
package org.odf2nna.onnx;

/**
 * The cleaning pass every model read goes through ({@code ModelCleaner}): small named passes that take out the layout
 * Transposes of TensorFlow graphs where they cancel ({@code LayoutTransposes}, over a {@code TransposeRegion}), what
 * computes nothing (a Cast to the same type, Identity, inference Dropout: {@code RemovalPass}) and fold affine chains
 * and BatchNormalization into the neighbouring Gemm, MatMul or Conv ({@code FoldingPass}), run until none changes the
 * graph; any can be turned off by name, and one that stops on a graph is named in a note. Uses {@code onnx}.
 */
package org.odf2nna.onnx.cleaning;

/**
 * The cleaning pass every model read goes through ({@code ModelCleaner}): small passes, one class each, that take out
 * what computes nothing (a Cast to the same type, Identity, inference Dropout) and fold affine chains and
 * BatchNormalization into the neighbouring Gemm, MatMul or Conv, run until none changes the graph. Uses {@code onnx}.
 */
package org.odf2nna.onnx.cleaning;

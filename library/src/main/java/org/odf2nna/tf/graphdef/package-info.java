/**
 * TensorFlow function graphs into ONNX: the serving function of a TF2 SavedModel (its callees followed through
 * {@code StatefulPartitionedCall}/{@code PartitionedCall}, its variables frozen in as initializers) translated node by
 * node, one small translator per TensorFlow op registered by name ({@link org.odf2nna.tf.graphdef.TfTranslators}), the
 * other way round from {@code tf.ops}. Depends on {@code onnx} (its protobuf classes) and TensorFlow's protos only.
 * Uses {@code onnx}.
 */
package org.odf2nna.tf.graphdef;

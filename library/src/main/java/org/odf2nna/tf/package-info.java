/**
 * TensorFlow Java: {@code DenseTrainer} retrains a {@code DenseNetwork} (Adam, best epoch kept, distillation), and
 * SavedModels are read, written and run. Uses {@code data}, {@code io}, {@code keras}, {@code network}, {@code onnx},
 * {@code settings}, {@code tf.graphdef} and {@code tf.ops}.
 */
package org.odf2nna.tf;

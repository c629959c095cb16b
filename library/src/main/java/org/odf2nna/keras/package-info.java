/**
 * Keras files in and out: {@code KerasReader} reads {@code .keras} (Keras 2.15, 3.x) and legacy {@code .h5} files into
 * a {@code DenseNetwork} (Gson for the config, jhdf for the weights), {@code KerasWriter} writes {@code .keras}. Uses
 * {@code io}, {@code network} and {@code onnx}.
 */
package org.odf2nna.keras;

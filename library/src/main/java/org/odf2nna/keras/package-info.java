/**
 * Keras files in and out: {@code KerasReader} reads {@code .keras} (Keras 2.15, 3.x) and legacy {@code .h5} files into
 * a {@code DenseNetwork} (Gson for the config, jhdf for the weights); {@code KerasWriter} writes a dense chain as
 * {@code .keras} (in the input's layout, or a fresh Keras 3 config by {@code SequentialConfig}),
 * {@code KerasGraphWriter} a pruned graph back into the user's {@code .keras} or {@code .h5}; both write back into the
 * user's layout through {@code KerasSameLayout} and the HDF5 and zip writing of {@code KerasFileParts}; the input shapes a written config records are walked from its widths
 * ({@code KerasShapes}), and a written file is checked as Keras loads it ({@code KerasWrittenCheck}) before it is
 * moved into place. Uses {@code io}, {@code network} and {@code onnx}.
 */
package org.odf2nna.keras;

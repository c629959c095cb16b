package org.odf2nna.tf;

/**
 * The {@code serving_default} signature of a SavedModel: one float matrix in, one out.
 *
 * @param inputKey    the signature's name for the input (e.g. {@code dense_input})
 * @param inputName   the graph tensor fed (e.g. {@code serving_default_dense_input:0})
 * @param inputWidth  values per row, or -1 when the signature does not say
 * @param outputKey   the signature's name for the output
 * @param outputName  the graph tensor fetched (e.g. {@code StatefulPartitionedCall:0})
 * @param outputWidth outputs per row, or -1 when the signature does not say
 */
record ServingSignature(String inputKey, String inputName, int inputWidth,
                        String outputKey, String outputName, int outputWidth) {
}

package org.odf2nna.report;

/**
 * An int8 file judged as a user would judge it against the float model it came from: its size against the float ONNX
 * file, how many rows' predictions it changes (or how far a regressor's outputs move), and both files timed side by
 * side in ONNX Runtime.
 *
 * @param sizes     the two files' bytes and the model's parameters
 * @param agreement what the int8 file gives on rows against the float model
 * @param speed     both files timed side by side, or null when not timed
 */
public record Int8Judgement(Sizes sizes, Agreement agreement, Speed speed) {

    /**
     * @param floatBytes  the float ONNX file's bytes: the input itself, or the float ONNX of the same network when the
     *                    input is a Keras file or a SavedModel (whose size holds what ONNX does not, such as optimizer
     *                    state)
     * @param floatOnnx   whether {@code floatBytes} is the input file's own size (false: the float ONNX of the network)
     * @param inputBytes  the input file's (or SavedModel folder's) bytes
     * @param int8Bytes   the int8 file's bytes
     * @param parameters  the whole model's parameters (every float weight and bias, convolutions included)
     */
    public record Sizes(long floatBytes, boolean floatOnnx, long inputBytes, long int8Bytes, long parameters) {
    }

    /**
     * @param rows                  what the rows were, in words ("64 generated rows", "256 training rows")
     * @param count                 how many
     * @param regression            whether outputs are compared as a regressor's (else as predicted classes)
     * @param changed               rows whose predicted class changed (classification)
     * @param meanSquaredDifference the mean squared difference of the outputs (regression)
     * @param outputVariance        the variance of the float model's outputs on the rows (regression)
     */
    public record Agreement(String rows, int count, boolean regression, int changed, double meanSquaredDifference,
            double outputVariance) {
    }

    /**
     * @param threads           ONNX Runtime's intra-op threads, the same in both sessions
     * @param batch             the rows of the larger batch
     * @param repeats           interleaved repetitions (the median is reported)
     * @param floatOneMicros    the float file's median batch-1 latency, µs
     * @param int8OneMicros     the int8 file's
     * @param floatBatchMicros  the float file's median latency of one batch, µs
     * @param int8BatchMicros   the int8 file's
     * @param input             what the float model timed is, and the float input's own times beside it
     */
    public record Speed(int threads, int batch, int repeats, double floatOneMicros, double int8OneMicros,
            double floatBatchMicros, double int8BatchMicros, Input input) {

        /** Against the float input itself. */
        public Speed(int threads, int batch, int repeats, double floatOneMicros, double int8OneMicros,
                double floatBatchMicros, double int8BatchMicros) {
            this(threads, batch, repeats, floatOneMicros, int8OneMicros, floatBatchMicros, int8BatchMicros,
                    new Input("the float file", Double.NaN, Double.NaN));
        }

        /**
         * @param reference   the float model timed, in words: "the original float model" (the model the user
         *                    pruned from) or "the float file" (the input)
         * @param oneMicros   when the reference is not the input, the float input's batch-1 latency (else NaN)
         * @param batchMicros and its latency of one batch (else NaN)
         */
        public record Input(String reference, double oneMicros, double batchMicros) {
        }

        public String reference() {
            return input.reference();
        }

        public double inputOneMicros() {
            return input.oneMicros();
        }

        public double inputBatchMicros() {
            return input.batchMicros();
        }

        /** The int8 file's latency of one batch over the reference's (above 1: slower). */
        public double batchLatencyRatio() {
            return int8BatchMicros / floatBatchMicros;
        }

        /** The int8 file's batch-1 latency over the float file's (above 1: slower). */
        public double latencyRatio() {
            return int8OneMicros / floatOneMicros;
        }

        /** The int8 file's rows per second at the batch over the float file's (below 1: slower). */
        public double throughputRatio() {
            return floatBatchMicros / int8BatchMicros;
        }
    }
}

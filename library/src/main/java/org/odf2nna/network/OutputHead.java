package org.odf2nna.network;

/**
 * What the network applies to the last dense layer's output as a whole. The head has no parameters
 * and is never pruned; it decides how outputs are read (probabilities, log-probabilities, logits).
 */
public enum OutputHead {
    /** Raw outputs: logits for classification, values for regression. */
    NONE("none"),
    SOFTMAX("Softmax"),
    LOG_SOFTMAX("LogSoftmax"),
    /** Element-wise sigmoid: a probability per output (binary or multi-label). */
    SIGMOID("Sigmoid");

    private final String displayName;

    OutputHead(String displayName) {
        this.displayName = displayName;
    }

    public String displayName() {
        return displayName;
    }

    /** Applies the head in place to {@code rows} rows of {@code width} values. */
    public void apply(float[] values, int rows, int width) {
        switch (this) {
            case NONE:
                return;
            case SIGMOID:
                for (int k = 0; k < rows * width; k++) {
                    values[k] = (float) (1.0 / (1.0 + Math.exp(-values[k])));
                }
                return;
            case SOFTMAX:
            case LOG_SOFTMAX:
                for (int r = 0; r < rows; r++) {
                    int base = r * width;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < width; j++) {
                        max = Math.max(max, values[base + j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < width; j++) {
                        sum += Math.exp(values[base + j] - max);
                    }
                    double logSum = Math.log(sum) + max;
                    for (int j = 0; j < width; j++) {
                        double logP = values[base + j] - logSum;
                        values[base + j] = (float) (this == SOFTMAX ? Math.exp(logP) : logP);
                    }
                }
                return;
            default:
                throw new IllegalStateException("unknown head " + this);
        }
    }
}

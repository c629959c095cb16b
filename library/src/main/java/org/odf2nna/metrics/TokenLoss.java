package org.odf2nna.metrics;

import org.odf2nna.network.OutputHead;

/**
 * The loss of classes at every position against a target per position, as PyTorch's {@code cross_entropy} and a
 * language model's perplexity read it: per position the cross-entropy −log softmax(logits)[target], computed in double
 * from the output (log-softmax of raw logits; the log of a Softmax head's probabilities; a LogSoftmax head's values as
 * they are), and whether the argmax is the target. A negative target (Hugging Face's −100, a window's last position
 * under next-token) is a position not counted.
 */
public final class TokenLoss {

    /** The target of a position not counted. */
    public static final int NOT_COUNTED = -1;

    /**
     * A Softmax head's probability of 0 read as this one instead: the cross-entropy of a token the model rules out is
     * finite (about 87 nats), as float32's least normal number gives.
     */
    private static final double LEAST_PROBABILITY = Float.MIN_NORMAL;

    private TokenLoss() {
    }

    /**
     * The classes of one position: {@code classes} values, the c-th at {@code at + c·stride} ([T, C] outputs: stride 1;
     * [C, H, W] outputs: stride the positions).
     */
    public record Position(float[] values, int at, int stride, int classes) {

        /** The class with the largest value (the first of equals). */
        public int argmax() {
            int best = 0;
            for (int c = 1; c < classes; c++) {
                best = values[at + c * stride] > values[at + best * stride] ? c : best;
            }
            return best;
        }

        /** −log p(target) under {@code head}, in nats. */
        public double crossEntropy(int target, OutputHead head) {
            double value = values[at + target * stride];
            return switch (head) {
                case LOG_SOFTMAX -> -value;
                case SOFTMAX -> -Math.log(Math.max(LEAST_PROBABILITY, value));
                default -> logSumExp() - value;
            };
        }

        private double logSumExp() {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                max = Math.max(max, values[at + c * stride]);
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                sum += Math.exp(values[at + c * stride] - max);
            }
            return max + Math.log(sum);
        }
    }

    /**
     * A window's loss: its cross-entropy summed over the positions counted, the same with each position's capped (what
     * a bounded judge reads), how many were counted and how many had the target as argmax.
     */
    public record Window(double crossEntropy, double cappedCrossEntropy, int counted, int correct) {

        /** The mean cross-entropy per position counted (0 where none is). */
        public double meanCrossEntropy() {
            return counted == 0 ? 0 : crossEntropy / counted;
        }

        /** The mean of the capped cross-entropies per position counted (0 where none is). */
        public double meanCappedCrossEntropy() {
            return counted == 0 ? 0 : cappedCrossEntropy / counted;
        }
    }

    /**
     * The targets of next-token prediction on windows of token ids: at position t the window's token at t + 1, and
     * {@link #NOT_COUNTED} at the last position.
     *
     * @param ids windows of {@code positions} token ids each, row-major
     */
    public static int[] nextTokenTargets(float[] ids, int windows, int positions) {
        int[] targets = new int[windows * positions];
        for (int w = 0; w < windows; w++) {
            for (int p = 0; p < positions; p++) {
                int at = w * positions + p;
                targets[at] = p + 1 < positions ? (int) ids[at + 1] : NOT_COUNTED;
            }
        }
        return targets;
    }
}

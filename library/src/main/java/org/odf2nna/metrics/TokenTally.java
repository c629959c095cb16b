package org.odf2nna.metrics;

import java.util.ArrayList;
import java.util.List;
import org.odf2nna.network.OutputHead;

/**
 * Classes at every position against a target per position, gathered a run of windows at a time: each window's loss
 * ({@link TokenLoss.Window}), and per class the true and false positives and false negatives for macro F1.
 */
public final class TokenTally {

    private final int classes;
    private final OutputHead head;
    private final long[] truePositive;
    private final long[] falsePositive;
    private final long[] falseNegative;
    private final List<TokenLoss.Window> windows = new ArrayList<>();
    private final double cap;
    private double largest;

    /**
     * @param macroF1 whether to count per class (labels per position; a vocabulary's macro F1 says little)
     */
    public TokenTally(int classes, OutputHead head, boolean macroF1) {
        this(classes, head, macroF1, Double.POSITIVE_INFINITY);
    }

    /**
     * @param cap each position's cross-entropy as {@link TokenLoss.Window#cappedCrossEntropy} counts it, at most
     */
    public TokenTally(int classes, OutputHead head, boolean macroF1, double cap) {
        this.classes = classes;
        this.head = head;
        this.cap = cap;
        truePositive = macroF1 ? new long[classes] : null;
        falsePositive = macroF1 ? new long[classes] : null;
        falseNegative = macroF1 ? new long[classes] : null;
    }

    /**
     * Adds {@code count} windows of an output's values: [count, positions, classes] when {@code classesLast}, else
     * [count, classes, positions...].
     *
     * @param targets the windows' targets, {@code positions} each ({@link TokenLoss#NOT_COUNTED} and other negative
     *                values: not counted); every target below the classes (checked by the caller)
     */
    public void add(float[] values, int count, int positions, boolean classesLast, int[] targets, int targetsAt) {
        for (int r = 0; r < count; r++) {
            int base = r * positions * classes;
            double loss = 0;
            double capped = 0;
            int counted = 0;
            int correct = 0;
            for (int p = 0; p < positions; p++) {
                int target = targets[targetsAt + r * positions + p];
                if (target < 0) {
                    continue;
                }
                TokenLoss.Position at = classesLast ? new TokenLoss.Position(values, base + p * classes, 1, classes)
                        : new TokenLoss.Position(values, base + p, positions, classes);
                int best = at.argmax();
                double crossEntropy = at.crossEntropy(target, head);
                loss += crossEntropy;
                capped += Math.min(cap, crossEntropy);
                largest = Math.max(largest, crossEntropy);
                counted++;
                correct += best == target ? 1 : 0;
                if (truePositive != null) {
                    countClass(best, target);
                }
            }
            windows.add(new TokenLoss.Window(loss, capped, counted, correct));
        }
    }

    private void countClass(int best, int target) {
        if (best == target) {
            truePositive[target]++;
        } else {
            falsePositive[best]++;
            falseNegative[target]++;
        }
    }

    /** Each window's loss, in the order added. */
    public List<TokenLoss.Window> windows() {
        return List.copyOf(windows);
    }

    /** The largest cross-entropy of any position counted (0 before any). */
    public double largest() {
        return largest;
    }

    /** The positions counted over every window. */
    public long counted() {
        return windows.stream().mapToLong(TokenLoss.Window::counted).sum();
    }

    /**
     * Perplexity, accuracy and (where counted per class) macro F1 over every position counted: the mean is over
     * positions, not windows, as PyTorch's {@code cross_entropy} over a batch of windows takes it.
     */
    public Metrics.Tokens metrics() {
        double loss = 0;
        long counted = 0;
        long correct = 0;
        for (TokenLoss.Window w : windows) {
            loss += w.crossEntropy();
            counted += w.counted();
            correct += w.correct();
        }
        return new Metrics.Tokens(counted, classes, Math.exp(loss / counted), (double) correct / counted, macroF1(),
                windows.size());
    }

    /** Macro F1 over the classes that occur as a target or a prediction, or NaN where classes are not counted. */
    private double macroF1() {
        if (truePositive == null) {
            return Double.NaN;
        }
        double f1 = 0;
        int present = 0;
        for (int c = 0; c < classes; c++) {
            long support = truePositive[c] + falsePositive[c] + falseNegative[c];
            if (support > 0) {
                f1 += 2.0 * truePositive[c] / (2.0 * truePositive[c] + falsePositive[c] + falseNegative[c]);
                present++;
            }
        }
        return present == 0 ? Double.NaN : f1 / present;
    }
}

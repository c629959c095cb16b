package org.odf2nna.settings;

import java.util.Locale;
import java.util.Map;
import org.odf2nna.Setting;
import org.odf2nna.network.OutputHead;

/**
 * What the network predicts, which decides how its outputs are read and which metrics apply.
 *
 * <p>Inferred from the output layer: several outputs are class scores (argmax is the class); a single
 * output behind a Sigmoid head is the probability of class 1; a single raw output is a regression value.
 * Asking for classification on a single raw output reads it as a logit of class 1.
 */
public enum Task {
    CLASSIFICATION, REGRESSION,
    /**
     * A causal language model's next token: rows are token windows alone, the target at position t the window's token
     * at t + 1 (the last position has none); judged by perplexity. Graphs only (one int input [N, T], logits [N, T, V]).
     */
    NEXT_TOKEN;

    /**
     * Parses classification (aliases class, binary), regression or next-token (alias causal-lm), case-insensitive; a
     * usage error otherwise.
     */
    public static Task parse(String text) {
        if (text != null && text.trim().equalsIgnoreCase("detect")) {
            throw org.odf2nna.InputException.usage(Setting.TASK.ref() + " detect: a detector's mAP50 and mAP50-95 "
                    + "are measured by eval alone; sweep judges a YOLOv8 detector, given no task, on the validation "
                    + "images' boxes where they have them (images worse or better at the working point), else by the "
                    + "agreement of its boxes with the original's");
        }
        return Setting.TASK.parse(text, Map.of("classification", CLASSIFICATION, "class", CLASSIFICATION, "binary",
                CLASSIFICATION, "regression", REGRESSION, "next-token", NEXT_TOKEN, "causal-lm", NEXT_TOKEN), "task",
                "classification, regression or next-token");
    }

    /**
     * The task given, or else the one the network's outputs and head imply ({@link #infer}).
     *
     * @throws org.odf2nna.InputException (usage) for {@link #NEXT_TOKEN}: a dense chain takes no token windows
     */
    public static Task givenOrInferred(Task given, org.odf2nna.network.DenseNetwork network) {
        if (given == NEXT_TOKEN) {
            throw org.odf2nna.InputException.usage(Setting.TASK.ref() + " next-token is a language model's (a graph "
                    + "with one int input [batch, positions] and logits [batch, positions, vocabulary]); this model "
                    + "is read as a dense chain of " + network.outputs() + " outputs");
        }
        return given != null ? given : infer(network.outputs(), network.head());
    }

    public static Task infer(int outputs, OutputHead head) {
        if (outputs > 1 || head == OutputHead.SIGMOID || head == OutputHead.SOFTMAX || head == OutputHead.LOG_SOFTMAX) {
            return CLASSIFICATION;
        }
        return REGRESSION;
    }

    /** Largest number of classes {@link #fromTargets} accepts. */
    public static final int MAX_CLASSES = 1000;

    /**
     * The task a target column describes, for models trained from scratch: classification when the
     * values are exactly the class ids 0, 1, ..., K−1 (every one present, 2 ≤ K ≤ 1000), regression
     * otherwise. Integer targets that are not such ids (0, 10, 20, ... say) are values, not classes.
     */
    public static Task fromTargets(float[] targets, int rows) {
        TargetTally tally = new TargetTally();
        tally.add(targets, rows);
        return tally.task();
    }

    /**
     * A target column's values as far as {@link #fromTargets} and a classifier's class count read them, gathered a
     * batch at a time (rows that stream past, never held together): which class ids occur, the largest, and the first
     * row whose value is not one.
     */
    public static final class TargetTally {
        private final boolean[] seen = new boolean[MAX_CLASSES];
        private int max = -1;
        private long rows;
        private Target firstOther;

        /** A target and its 0-based row. */
        public record Target(long row, float value) {
        }

        /** Adds the next {@code n} rows' targets. */
        public void add(float[] targets, int n) {
            for (int r = 0; r < n; r++, rows++) {
                float t = targets[r];
                if (t != Math.rint(t) || t < 0 || t >= MAX_CLASSES) {
                    if (firstOther == null) {
                        firstOther = new Target(rows, t);
                    }
                } else {
                    seen[(int) t] = true;
                    max = Math.max(max, (int) t);
                }
            }
        }

        /** {@link #fromTargets}'s answer for the rows added. */
        public Task task() {
            if (firstOther != null || max < 1) {
                return REGRESSION;
            }
            for (int k = 0; k <= max; k++) {
                if (!seen[k]) {
                    return REGRESSION;
                }
            }
            return CLASSIFICATION;
        }

        /** The first target that is not a class id 0..{@link #MAX_CLASSES}−1, with its row, or null. */
        public Target firstOther() {
            return firstOther;
        }

        /** The largest class id among the targets (−1 without any). */
        public int maxClass() {
            return max;
        }
    }

    /** Number of classes a classifier with this output layer tells apart. */
    public static int classCount(int outputs) {
        return outputs == 1 ? 2 : outputs;
    }

    /**
     * How much worse than the original a pruned model may be by default, in the unit the choice reads: 1 accuracy
     * point for classification, 10 percent of the original's MSE for regression, 5 percent of the original's
     * perplexity for a language model.
     */
    public double defaultMaxDrop() {
        return switch (this) {
            case CLASSIFICATION -> 1.0;
            case REGRESSION -> 10.0;
            case NEXT_TOKEN -> 5.0;
        };
    }

    public String displayName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}

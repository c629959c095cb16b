package org.odf2nna.metrics;

import java.nio.file.Path;
import java.util.Arrays;
import org.odf2nna.InputException;
import org.odf2nna.network.OutputHead;
import org.odf2nna.settings.Task;

/**
 * Accumulates a model's predictions against the targets, batch by batch, and computes the metrics.
 *
 * <p>Classification keeps a confusion matrix, and for two classes one score per row for the ROC AUC
 * (4 bytes and 1 byte a row). Regression keeps running sums only.
 */
public final class Evaluator {

    private final Task task;
    private final int outputs;
    private final OutputHead head;
    private final int classes;
    private final Path file;
    private final String targetName;

    private final long[][] confusion;
    private float[] scores = new float[0];
    private byte[] labels = new byte[0];
    private int scored;

    private long rows;
    private double sumSquaredError;
    private double sumAbsoluteError;
    private double targetMean;
    private double targetM2;

    /**
     * @param file       the data file, for messages
     * @param targetName the target column's name, for messages
     */
    public Evaluator(Task task, int outputs, OutputHead head, Path file, String targetName) {
        this.task = task;
        this.outputs = outputs;
        this.head = head;
        this.file = file;
        this.targetName = targetName;
        if (task == Task.REGRESSION && outputs != 1) {
            throw InputException.usage("{{TASK}} regression: the model has " + outputs + " outputs; regression needs "
                    + "exactly one (use {{TASK}} classification if the outputs are class scores)");
        }
        this.classes = task == Task.CLASSIFICATION ? Task.classCount(outputs) : 0;
        this.confusion = task == Task.CLASSIFICATION ? new long[classes][classes] : null;
    }

    public Task task() {
        return task;
    }

    /**
     * Adds a batch.
     *
     * @param modelOutputs row-major {@code [rows][outputs]}, as the model's graph produces them
     * @param lines        file line of each row, for messages about bad targets
     */
    public void add(float[] modelOutputs, int batchRows, double[] targets, long[] lines) {
        for (int r = 0; r < batchRows; r++) {
            int base = r * outputs;
            double target = targets[r];
            if (task == Task.REGRESSION) {
                double error = modelOutputs[base] - target;
                sumSquaredError += error * error;
                sumAbsoluteError += Math.abs(error);
                rows++;
                double delta = target - targetMean;
                targetMean += delta / rows;
                targetM2 += delta * (target - targetMean);
                continue;
            }
            int actual = classId(target, classes, file, targetName, lines[r]);
            int predicted;
            double positiveScore = Double.NaN;
            if (outputs == 1) {
                double value = modelOutputs[base];
                double probability = head == OutputHead.SIGMOID ? value : 1.0 / (1.0 + Math.exp(-value));
                predicted = probability > 0.5 ? 1 : 0;
                // Rank by the output itself: a logit orders rows like its sigmoid without rounding to 1.0f.
                positiveScore = value;
            } else {
                predicted = 0;
                for (int j = 1; j < outputs; j++) {
                    if (modelOutputs[base + j] > modelOutputs[base + predicted]) {
                        predicted = j;
                    }
                }
                if (outputs == 2) {
                    positiveScore = positiveClassScore(modelOutputs[base], modelOutputs[base + 1]);
                }
            }
            confusion[actual][predicted]++;
            rows++;
            if (classes == 2) {
                if (scored == scores.length) {
                    int grown = Math.max(1024, scored * 2);
                    scores = Arrays.copyOf(scores, grown);
                    labels = Arrays.copyOf(labels, grown);
                }
                scores[scored] = (float) positiveScore;
                labels[scored] = (byte) actual;
                scored++;
            }
        }
    }

    /**
     * A score that orders rows like the probability of class 1 (only the order matters for the ROC AUC).
     * Log-probabilities and logit differences keep apart confident rows whose probabilities would all
     * round to 1.0f.
     */
    private double positiveClassScore(float first, float second) {
        switch (head) {
            case SOFTMAX:
            case SIGMOID:
            case LOG_SOFTMAX:
                return second;
            default:
                return (double) second - first;
        }
    }

    /**
     * The class id a target cell holds, or an error naming the line and column when it is not one of
     * {@code 0 .. classes-1}.
     */
    /** A target's place: a CSV file's line and column, a Parquet file's row and column, an array file's row and labels array. */
    private static String where(Path file, long line, String targetName) {
        boolean arrays = file != null && org.odf2nna.data.RowReader.isNumpy(file);
        boolean rows = file != null && org.odf2nna.data.RowReader.numbersRows(file);
        return (rows ? "row " : "line ") + line + (arrays ? ", labels '" : ", column '") + targetName + "'";
    }

    public static int classId(double target, int classes, Path file, String targetName, long line) {
        if (target != Math.rint(target) || target < 0) {
            throw new InputException(file, where(file, line, targetName),
                    "class label " + format(target) + " is not a class id (0, 1, 2, ...); use {{TASK}} regression "
                            + "if the target is a value");
        }
        if (target >= classes) {
            throw new InputException(file, where(file, line, targetName),
                    "class id " + format(target) + " but the model outputs " + classes + " classes (0.."
                            + (classes - 1) + ")");
        }
        return (int) target;
    }

    private static String format(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
    }

    public long rows() {
        return rows;
    }

    public Metrics metrics() {
        if (task == Task.REGRESSION) {
            double mse = rows == 0 ? Double.NaN : sumSquaredError / rows;
            double mae = rows == 0 ? Double.NaN : sumAbsoluteError / rows;
            double r2 = targetM2 > 0 ? 1 - sumSquaredError / targetM2 : Double.NaN;
            return new Metrics.Regression(rows, mse, mae, r2);
        }
        long correct = 0;
        for (int c = 0; c < classes; c++) {
            correct += confusion[c][c];
        }
        double accuracy = rows == 0 ? Double.NaN : (double) correct / rows;
        return new Metrics.Classification(rows, classes, accuracy, macroF1(), classes == 2 ? rocAuc() : Double.NaN);
    }

    /** How far the predictions agree with the labels beyond chance; null for regression. */
    public ChanceAgreement chance() {
        return confusion == null ? null : ChanceAgreement.of(confusion);
    }

    /** Mean F1 over the classes that occur in the targets or the predictions (as scikit-learn does). */
    private double macroF1() {
        double sum = 0;
        int counted = 0;
        for (int c = 0; c < classes; c++) {
            long truePositive = confusion[c][c];
            long actual = 0;
            long predicted = 0;
            for (int k = 0; k < classes; k++) {
                actual += confusion[c][k];
                predicted += confusion[k][c];
            }
            if (actual == 0 && predicted == 0) {
                continue;
            }
            sum += 2.0 * truePositive / (actual + predicted);
            counted++;
        }
        return counted == 0 ? Double.NaN : sum / counted;
    }

    /** Mann-Whitney form of the ROC AUC, with tied scores sharing their average rank. */
    private double rocAuc() {
        long positives = 0;
        for (int i = 0; i < scored; i++) {
            positives += labels[i];
        }
        long negatives = scored - positives;
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        int[] order = ascending(scores, scored);
        double positiveRankSum = 0;
        int i = 0;
        while (i < scored) {
            int j = i;
            while (j + 1 < scored && scores[order[j + 1]] == scores[order[i]]) {
                j++;
            }
            double averageRank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                if (labels[order[k]] == 1) {
                    positiveRankSum += averageRank;
                }
            }
            i = j + 1;
        }
        return (positiveRankSum - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
    }

    /**
     * The indices of the first {@code n} scores in {@link Float#compare}'s order, ties by index, as a stable sort of
     * boxed indices gives them: each score's bits made to sort as signed integers (negative values' magnitude bits
     * flipped) and the index beside them in one long, sorted as primitives (a sort of 100,000 boxed indices took
     * about as long as the scoring pass's ONNX Runtime work).
     */
    static int[] ascending(float[] scores, int n) {
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            int bits = Float.floatToIntBits(scores[i]);
            int sortable = bits ^ ((bits >> 31) & 0x7fffffff);
            keys[i] = ((long) sortable << 32) | i;
        }
        Arrays.sort(keys);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = (int) keys[i];
        }
        return order;
    }
}

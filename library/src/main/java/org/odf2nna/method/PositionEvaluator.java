package org.odf2nna.method;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.data.Batch;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.data.NumpyRows;
import org.odf2nna.graph.GraphFeed;
import org.odf2nna.graph.GraphRows;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/**
 * {@code eval} of a graph whose first output holds classes at every position (a token classifier's [batch, sequence,
 * classes], a segmentation map's [batch, classes, height, width]) against labels per position: the rows come as an
 * {@code .npz} archive with the inputs as array {@code x} (and other graph inputs named after them) and the labels as
 * array {@code y} of shape [rows, positions]; a negative label (Hugging Face's -100) marks a position that is not
 * counted (padding, special tokens, a word's later pieces). The class at a position is the argmax over the last axis of
 * a rank-3 output, over axis 1 of a higher rank ({@link org.odf2nna.graph.Decoder}'s reading); accuracy and macro F1
 * are over the positions counted.
 */
final class PositionEvaluator {

    /**
     * The name of the labels array in an {@code .npz} archive ({@link NumpyRows#labelArray}: y, labels, label, ...),
     * or null where {@code file} is no archive or holds none.
     */
    static String labelsArray(Path file) {
        if (!org.odf2nna.data.RowReader.lowerName(file).endsWith(".npz") || !java.nio.file.Files.isRegularFile(file)) {
            return null;
        }
        return NumpyRows.labelArray(file, org.odf2nna.data.RowReader.ROWS, null);
    }

    private PositionEvaluator() {
    }

    /**
     * Whether {@code file} holds labels per position: an {@code .npz} archive whose labels array (y, labels, ...) has
     * several per row.
     */
    static boolean labelsPerPosition(Path file) {
        String labels = labelsArray(file);
        return labels != null && NumpyRows.arrayWidth(file, labels) > 1;
    }

    /**
     * The metrics of the graph's first output, position by position, and the positions counted.
     *
     * @param runnable the graph with its data input's batch (and open sizes) as {@code feed} runs it
     * @param step     rows per run
     */
    static Measured evaluate(ModelProto runnable, Path model, Path file, GraphFeed feed, int step, Device device,
            Progress progress) {
        GraphRows rows = GraphRows.inputs(file, 0, feed, Integer.MAX_VALUE);
        String name = labelsArray(file);
        int positions = NumpyRows.arrayWidth(file, name);
        int[] labels = labels(file, name, rows.count(), positions);
        String output = runnable.getGraph().getOutput(0).getName();
        Counts counts = null;
        try (GraphFeed.Session session = feed.open(runnable, device, model)) {
            for (int start = 0; start < rows.count(); start += step) {
                int count = Math.min(step, rows.count() - start);
                OnnxRunner.Out out = session.runShaped(rows, start, count, List.of(output)).get(output);
                int classes = classes(out.shape(), positions, output, model, file);
                counts = counts == null ? new Counts(classes) : counts;
                counts.add(out, start, count, positions, labels, file);
                progress.update("evaluating", start + count, rows.count(), (start + count) + " rows");
            }
        }
        progress.done("evaluating");
        if (counts.counted == 0) {
            throw new InputException(file, "array '" + labelsArray(file) + "'", "has no position with a label (0 or more): "
                    + "every one is negative, so nothing is counted");
        }
        return new Measured(counts.metrics(), rows.count(), counts.counted);
    }

    /** What {@link #evaluate} measured: the metrics over the positions counted, the rows and the positions. */
    record Measured(Metrics metrics, int rows, long positions) {
    }

    /** Array y's labels, [rows, positions] row-major; whole numbers (negative: not counted). */
    private static int[] labels(Path file, String name, int rows, int positions) {
        int[] labels = new int[rows * positions];
        int read = 0;
        try (NumpyRows y = NumpyRows.npz(file, name, ColumnRequest.of(positions, null,
                ColumnRequest.Target.ABSENT))) {
            Batch b;
            while (read < rows && (b = y.next(Math.min(4096, rows - read))) != null) {
                for (int i = 0; i < b.rows() * positions; i++) {
                    float v = b.features()[i];
                    if (v != Math.rint(v)) {
                        throw new InputException(file, "array '" + name + "', row " + (read + i / positions + 1)
                                + ", position " + (i % positions + 1), "label " + v + " is not a class id");
                    }
                    labels[read * positions + i] = (int) v;
                }
                read += b.rows();
            }
        }
        if (read < rows) {
            throw new InputException(file, "array '" + name + "'", "holds " + read + " rows of labels for " + rows
                    + " rows of inputs");
        }
        return labels;
    }

    /** The classes per position of an output of {@code shape}, refused in one line where its positions are not y's. */
    private static int classes(long[] shape, int positions, String output, Path model, Path file) {
        long perRow = 1;
        for (int d = 1; d < shape.length; d++) {
            perRow *= shape[d];
        }
        long classes = shape.length == 3 ? shape[2] : shape.length > 3 ? shape[1] : 1;
        if (shape.length < 3 || classes < 2 || perRow / classes != positions) {
            throw InputException.usage(file, "array '" + labelsArray(file) + "' holds " + positions + " labels per row, and the "
                    + "first output '" + output + "' of " + model + " has shape " + Arrays.toString(shape)
                    + (shape.length < 3 || classes < 2 ? ": not classes at every position (labels per position "
                    + "are for [batch, positions, classes] or [batch, classes, ...] outputs)"
                    : ": " + (perRow / classes) + " positions of " + classes + " classes"));
        }
        return (int) classes;
    }

    /** Correct and counted positions, and per class the true and false positives and false negatives. */
    private static final class Counts {
        final long[] truePositive;
        final long[] falsePositive;
        final long[] falseNegative;
        long counted;
        long correct;

        Counts(int classes) {
            truePositive = new long[classes];
            falsePositive = new long[classes];
            falseNegative = new long[classes];
        }

        void add(OnnxRunner.Out out, int start, int count, int positions, int[] labels, Path file) {
            int classes = truePositive.length;
            float[] v = out.values();
            boolean last = out.shape().length == 3;
            for (int r = 0; r < count; r++) {
                int at = r * positions * classes;
                for (int p = 0; p < positions; p++) {
                    int label = labels[(start + r) * positions + p];
                    if (label < 0) {
                        continue;
                    }
                    if (label >= classes) {
                        throw new InputException(file, "array '" + labelsArray(file) + "', row "
                                + (start + r + 1) + ", position " + (p + 1), "class id " + label + " but the output has " + classes
                                + " classes (0.." + (classes - 1) + ")");
                    }
                    int best = 0;
                    for (int c = 1; c < classes; c++) {
                        // [T, C]: classes contiguous; [C, H, W]: a class's positions contiguous.
                        float x = last ? v[at + p * classes + c] : v[at + c * positions + p];
                        float y = last ? v[at + p * classes + best] : v[at + best * positions + p];
                        best = x > y ? c : best;
                    }
                    counted++;
                    if (best == label) {
                        correct++;
                        truePositive[label]++;
                    } else {
                        falsePositive[best]++;
                        falseNegative[label]++;
                    }
                }
            }
        }

        /** Accuracy and macro F1 (over the classes that occur as a label or a prediction) of the positions counted. */
        Metrics metrics() {
            double f1 = 0;
            int present = 0;
            for (int c = 0; c < truePositive.length; c++) {
                long support = truePositive[c] + falsePositive[c] + falseNegative[c];
                if (support > 0) {
                    f1 += 2.0 * truePositive[c] / (2.0 * truePositive[c] + falsePositive[c] + falseNegative[c]);
                    present++;
                }
            }
            return new Metrics.Classification(counted, truePositive.length, (double) correct / counted,
                    present == 0 ? Double.NaN : f1 / present, Double.NaN);
        }
    }
}

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
import org.odf2nna.metrics.TokenLoss;
import org.odf2nna.metrics.TokenTally;
import org.odf2nna.network.OutputHead;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/**
 * {@code eval} of a graph whose first output holds classes at every position (a token classifier's [batch, sequence,
 * classes], a segmentation map's [batch, classes, height, width]) against labels per position: the rows come as an
 * {@code .npz} archive with the inputs as array {@code x} (and other graph inputs named after them) and the labels as
 * array {@code y} of shape [rows, positions]; a negative label (Hugging Face's -100) marks a position that is not
 * counted (padding, special tokens, a word's later pieces). The class at a position is the argmax over the last axis of
 * a rank-3 output, over axis 1 of a higher rank ({@link org.odf2nna.graph.Decoder}'s reading); perplexity (from the
 * log-softmax in double, {@link TokenLoss}), accuracy and macro F1 are over the positions counted. A causal language
 * model's windows alone ({@link #evaluateNextToken}) are measured the same way, the target at t the token at t + 1.
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
     * The metrics of the graph's first output, position by position, against array y's labels per position.
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
        Measured m = measure(new Runner(runnable, model, feed, step, device, progress), file, rows,
                new Targets(labels, positions, "array '" + name + "'", true));
        if (m.positions() == 0) {
            throw new InputException(file, "array '" + name + "'", "has no position with a label (0 or more): "
                    + "every one is negative, so nothing is counted");
        }
        return m;
    }

    /**
     * The metrics of a causal language model's first output ([N, T, V] logits) on windows of token ids, the target at
     * position t the window's token at t + 1 ({@link TokenLoss#nextTokenTargets}).
     */
    static Measured evaluateNextToken(ModelProto runnable, Path model, Path file, GraphFeed feed, int step,
            Device device, Progress progress) {
        GraphRows rows = GraphRows.inputs(file, 0, feed, Integer.MAX_VALUE);
        int positions = rows.width();
        if (positions < 2) {
            throw InputException.usage(file, "the windows of input '" + feed.data().name() + "' hold " + positions
                    + " token each; next-token prediction needs at least 2 (the target at t is the token at t + 1)");
        }
        int[] targets = TokenLoss.nextTokenTargets(rows.features(), rows.count(), positions);
        return measure(new Runner(runnable, model, feed, step, device, progress), file, rows,
                new Targets(targets, positions, "input '" + feed.data().name() + "'", false));
    }

    /**
     * Targets per position, {@code positions} per row, where they come from in words (for a bad class id), and whether
     * they are labels (then macro F1 is counted too; a vocabulary's says little).
     */
    private record Targets(int[] values, int positions, String source, boolean labels) {
    }

    /** The graph and how it is run: fed by {@code feed}, {@code step} rows per run, on {@code device}. */
    private record Runner(ModelProto runnable, Path model, GraphFeed feed, int step, Device device,
            Progress progress) {
    }

    private static Measured measure(Runner run, Path file, GraphRows rows, Targets targets) {
        ModelProto runnable = run.runnable();
        Path model = run.model();
        int step = run.step();
        Progress progress = run.progress();
        String output = runnable.getGraph().getOutput(0).getName();
        OutputHead head = GraphEvaluator.head(runnable, output);
        TokenTally tally = null;
        try (GraphFeed.Session session = run.feed().open(runnable, run.device(), model)) {
            for (int start = 0; start < rows.count(); start += step) {
                int count = Math.min(step, rows.count() - start);
                OnnxRunner.Out out = session.runShaped(rows, start, count, List.of(output)).get(output);
                int classes = classes(out.shape(), targets, output, model, file);
                checkTargets(targets, start, count, classes, file);
                tally = tally == null ? new TokenTally(classes, head, targets.labels()) : tally;
                tally.add(out.values(), count, targets.positions(), out.shape().length == 3, targets.values(),
                        start * targets.positions());
                progress.update("evaluating", start + count, rows.count(), (start + count) + " rows");
            }
        }
        progress.done("evaluating");
        return new Measured(tally.metrics(), rows.count(), tally.counted());
    }

    /** What {@link #evaluate} measured: the metrics over the positions counted, the rows and the positions. */
    record Measured(Metrics metrics, int rows, long positions) {
    }

    /** Refuses a target that is no class of the output, in one line naming the row and position. */
    private static void checkTargets(Targets targets, int start, int count, int classes, Path file) {
        int positions = targets.positions();
        for (int i = start * positions; i < (start + count) * positions; i++) {
            int t = targets.values()[i];
            if (t >= classes) {
                throw new InputException(file, targets.source() + ", row " + (i / positions + 1) + ", position "
                        + (i % positions + 1), "class id " + t + " but the output has " + classes + " classes (0.."
                        + (classes - 1) + ")");
            }
        }
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

    /** The classes per position of an output of {@code shape}, refused in one line where its positions are not the targets'. */
    private static int classes(long[] shape, Targets targets, String output, Path model, Path file) {
        int positions = targets.positions();
        long perRow = 1;
        for (int d = 1; d < shape.length; d++) {
            perRow *= shape[d];
        }
        long classes = shape.length == 3 ? shape[2] : shape.length > 3 ? shape[1] : 1;
        if (shape.length < 3 || classes < 2 || perRow / classes != positions) {
            throw InputException.usage(file, targets.source() + " holds " + positions + " targets per row, and the "
                    + "first output '" + output + "' of " + model + " has shape " + Arrays.toString(shape)
                    + (shape.length < 3 || classes < 2 ? ": not classes at every position (targets per position "
                    + "are for [batch, positions, classes] or [batch, classes, ...] outputs)"
                    : ": " + (perRow / classes) + " positions of " + classes + " classes"));
        }
        return (int) classes;
    }
}

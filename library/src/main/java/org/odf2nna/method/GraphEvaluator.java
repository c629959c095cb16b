package org.odf2nna.method;

import java.nio.file.Path;
import java.util.List;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.data.RowReader;
import org.odf2nna.graph.GraphFeed;
import org.odf2nna.graph.GraphRegression;
import org.odf2nna.graph.GraphRows;
import org.odf2nna.metrics.Evaluator;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.network.OutputHead;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.settings.ModelInputs;
import org.odf2nna.settings.Task;

/**
 * {@code eval} of an ONNX graph that is not a dense chain (several inputs, token ids, an int8 file on QGemm or QDQ
 * nodes, a normalisation left as Sub/Mul/Add): its rows are fed as {@code sweep} feeds them ({@link GraphFeed}: the
 * data input, the other inputs by {@link ModelInputs} or by an {@code .npz} array named after them), the graph runs as
 * it is in ONNX Runtime, and its first output is measured as a dense chain's output is ({@link Evaluator}).
 */
public final class GraphEvaluator {

    private GraphEvaluator() {
    }

    /**
     * The metrics of {@code model}'s first output on the labelled rows of {@code data}.
     *
     * @param data   the rows (CSV, .npy or .npz) with their target, and the rows per runtime call
     * @param task   the task, or null to infer it from the first output (one value and no Sigmoid: regression)
     * @param inputs how the graph's inputs are fed beyond what the model says
     * @throws InputException when the rows cannot be read, have no target, or the output is not one class vector or
     *                        value per row
     */
    public static Result evaluate(Path model, EvalData data, Task task, ModelInputs inputs, Device device,
            Progress progress) {
        // A Keras file or SavedModel is run as the graph the other commands read of it.
        ModelProto proto = ModelFiles.formatOf(model) == org.odf2nna.settings.ModelFormat.ONNX
                ? OnnxModelFile.read(model) : ModelReader.read(model).graph();
        Path file = data.file();
        // Labels per position (an .npz array y of [rows, positions]) are read apart from the rows' inputs.
        boolean perPosition = PositionEvaluator.labelsPerPosition(file);
        if (task == Task.NEXT_TOKEN || task == null && !perPosition && unlabelledWindows(file, data)
                && org.odf2nna.graph.CausalLanguageModel.shaped(proto)) {
            Result r = nextToken(proto, model, data, inputs, task == Task.NEXT_TOKEN, device, progress);
            if (r != null) {
                return r;
            }
        }
        // The rows' array: x, or the array named after the input they feed (InputArrays' rule).
        String array = GraphFeed.dataArray(proto, model, inputs, List.of(file));
        int width;
        try (RowReader header = RowReader.open(file, array, ColumnRequest.of(-1, data.columns().label(),
                perPosition ? ColumnRequest.Target.ABSENT : ColumnRequest.Target.REQUIRED))) {
            width = header.featureCount();
        }
        // A row shape the model leaves open (a sequence length) is read from the rows' width, as they hold it.
        GraphFeed feed = GraphFeed.resolve(proto, model, inputs, List.of(file), width);
        if (perPosition) {
            PositionEvaluator.Measured m = PositionEvaluator.evaluate(GraphRows.runnable(proto, feed.data()), model,
                    file, feed, perRunRanges(proto) ? 1 : data.inferenceBatch(), device, progress);
            return new Result(m.metrics(), null, null, m.positions() + " labelled positions in " + m.rows() + " rows");
        }
        EvalData rows = new EvalData(file, ColumnRequest.of(feed.width(), data.columns().label(),
                ColumnRequest.Target.REQUIRED), data.inferenceBatch());
        String guessed;
        try (RowReader reader = RowReader.open(file, feed.dataArray(), rows.columns())) {
            if (!reader.hasTarget()) {
                throw new InputException(file, "line 1", "has no target column, so there is nothing to evaluate "
                        + "against (name it with {{LABEL}})");
            }
            guessed = EvalData.positionalTarget(reader);
        }
        boolean regression = GraphRegression.regressor(proto, task);
        try {
            GraphRows read = GraphRows.read(file, 0, feed, data.columns().label(), Integer.MAX_VALUE, regression);
            Evaluator evaluator = run(proto, model, feed, read, regression, rows, device, progress);
            return new Result(evaluator.metrics(), evaluator.chance(), guessed, null);
        } catch (InputException e) {
            // A guessed label column that holds no labels: say it was a guess, and how to name the right one.
            throw guessed == null ? e : e.reworded(m -> m + "; that column was taken as the label because it is the "
                    + "last (" + guessed + ") and no column is named " + org.odf2nna.data.ColumnRequest.targetNamesInWords()
                    + ": name the label column "
                    + "with {{LABEL}}");
        }
    }

    /**
     * {@code eval} of a causal language model on windows of token ids, or null where the task was not given and the
     * graph does not compute as one ({@link org.odf2nna.graph.CausalLanguageModel#computes}).
     */
    private static Result nextToken(ModelProto proto, Path model, EvalData data, ModelInputs inputs, boolean given,
            Device device, Progress progress) {
        Path file = data.file();
        String array = GraphFeed.dataArray(proto, model, inputs, List.of(file));
        int width;
        try (RowReader header = RowReader.open(file, array, ColumnRequest.of(-1, null, ColumnRequest.Target.ABSENT))) {
            width = header.featureCount();
        }
        GraphFeed feed = GraphFeed.resolve(proto, model, inputs, List.of(file), width);
        if (!feed.integerRows()) {
            throw InputException.usage(model, "input '" + feed.data().name() + "' takes floats; next-token "
                    + "prediction reads windows of token ids (an int64 or int32 input [batch, positions])");
        }
        ModelProto runnable = GraphRows.runnable(proto, feed.data());
        if (!given) {
            GraphRows probe = GraphRows.inputs(file, 0, feed, 4);
            try (GraphFeed.Session session = feed.open(runnable, device, model)) {
                if (!org.odf2nna.graph.CausalLanguageModel.computes(session, runnable, probe)) {
                    return null;
                }
            }
        }
        PositionEvaluator.Measured m = PositionEvaluator.evaluateNextToken(runnable, model, file, feed,
                perRunRanges(proto) ? 1 : data.inferenceBatch(), device, progress);
        return new Result(m.metrics(), null, null, m.positions() + " predicted tokens in " + m.rows() + " windows",
                Task.NEXT_TOKEN);
    }

    /** Whether {@code file} holds token windows without labels: an .npy array, or an .npz archive with no labels. */
    private static boolean unlabelledWindows(Path file, EvalData data) {
        String name = RowReader.lowerName(file);
        return data.columns().label() == null && (name.endsWith(".npy")
                || name.endsWith(".npz") && PositionEvaluator.labelsArray(file) == null);
    }

    /**
     * The dense chain {@code eval} measures as it always has, or null where {@code model} is an ONNX graph the chain
     * reader refuses (then {@link #evaluate} runs the graph as it is).
     *
     * @throws InputException when the model is another format the reader refuses, or shapes no runtime could run
     */
    public static org.odf2nna.onnx.OnnxDenseModel chainOrNull(Path model) {
        try {
            return ModelFiles.read(model);
        } catch (InputException e) {
            if (!e.malformed() && ModelFiles.formatOf(model) != org.odf2nna.settings.ModelFormat.ONNX
                    && readsAsGraph(model)) {
                // A Keras file or SavedModel without a dense chain at its end (a 1x1-conv classifier and a
                // Flatten): run as the graph every other command reads.
                return null;
            }
            if (e.malformed() || ModelFiles.formatOf(model) != org.odf2nna.settings.ModelFormat.ONNX) {
                throw e;
            }
            try {
                org.odf2nna.onnx.ExternalData.checkReferences(OnnxModelFile.read(model), model);
            } catch (InputException unreadable) {
                // A file that is no ONNX model at all (or misses its external data): said as the reader says it.
                throw e;
            }
            return null;
        }
    }

    /** Whether a Keras file or SavedModel reads as a graph (as inspect, shrink and sweep read it). */
    static boolean readsAsGraph(Path model) {
        try {
            return ModelReader.read(model).graph().getGraph().getNodeCount() > 0;
        } catch (InputException | IllegalStateException e) {
            return false;
        }
    }

    /**
     * What a graph's evaluation gives.
     *
     * @param chance  how far its classes agree with the labels beyond chance, or null for a regressor
     * @param guessed where the target column was taken by its place for want of one named so, or null
     * @param counted what was counted where it is not one label per row (labels per position), in words, or null
     * @param task    the task measured where the metrics do not say it (next-token), or null
     */
    public record Result(Metrics metrics, org.odf2nna.metrics.ChanceAgreement chance, String guessed,
            String counted, Task task) {

        public Result(Metrics metrics, org.odf2nna.metrics.ChanceAgreement chance, String guessed, String counted) {
            this(metrics, chance, guessed, counted, null);
        }
    }

    /**
     * Runs the graph over the rows, {@code data}'s inference batch at a time (one row at a time where it quantizes its
     * activations per run, as a dynamic int8 file does: a batch would share one range), and measures its first
     * output.
     */
    private static Evaluator run(ModelProto proto, Path model, GraphFeed feed, GraphRows rows, boolean regression,
            EvalData data, Device device, Progress progress) {
        ModelProto runnable = GraphRows.runnable(proto, feed.data());
        String output = proto.getGraph().getOutput(0).getName();
        int step = perRunRanges(proto) ? 1 : data.inferenceBatch();
        Evaluator evaluator = null;
        try (GraphFeed.Session session = feed.open(runnable, device, model)) {
            for (int start = 0; start < rows.count(); start += step) {
                int count = Math.min(step, rows.count() - start);
                OnnxRunner.Out out = session.runShaped(rows, start, count, List.of(output)).get(output);
                int per = out.values().length / count;
                if (evaluator == null) {
                    checkShape(out.shape(), output, model, regression);
                    evaluator = new Evaluator(regression ? Task.REGRESSION : Task.CLASSIFICATION, per,
                            head(proto, output), data.file(), "the target");
                }
                add(evaluator, out.values(), rows, start, count, per, regression, data.file());
                progress.update("evaluating", start + count, rows.count(), (start + count) + " rows");
            }
        }
        progress.done("evaluating");
        return evaluator;
    }

    /** Adds rows {@code start .. start+count} of {@code per} output values each. */
    private static void add(Evaluator evaluator, float[] values, GraphRows rows, int start, int count, int per,
            boolean regression, Path file) {
        double[] targets = new double[count];
        long[] numbers = new long[count];
        int classes = Task.classCount(per);
        for (int r = 0; r < count; r++) {
            targets[r] = regression ? rows.targets()[start + r] : rows.labels()[start + r];
            numbers[r] = start + r + 1;
            if (!regression && targets[r] >= classes) {
                throw new InputException(file, "row " + numbers[r], "class id " + (long) targets[r] + " but the "
                        + "model's first output has " + classes + " classes (0.." + (classes - 1) + ")");
            }
        }
        evaluator.add(values, count, targets, numbers);
    }

    /**
     * Refuses an output that is not one class vector or one value per row: classes at each position are not measured
     * against one label per row (they are against labels per position, {@link PositionEvaluator}).
     */
    private static void checkShape(long[] shape, String output, Path model, boolean regression) {
        int ranked = 0;
        for (int d = 1; d < shape.length; d++) {
            ranked += shape[d] > 1 ? 1 : 0;
        }
        if (ranked > 1) {
            throw InputException.usage(model, "output '" + output + "' has shape " + java.util.Arrays.toString(shape)
                    + ": values at several positions per row, and the rows have one label each; "
                    + (regression ? "a regressor's values per position are not measured"
                    : "give the labels per position: an .npz archive with the inputs as array x and the labels as "
                    + "array y of shape [rows, positions] (a negative label, such as -100, is a position not counted)"));
        }
    }

    /** The head the node writing {@code output} applies, as the class scores read it. */
    static OutputHead head(ModelProto proto, String output) {
        for (NodeProto n : proto.getGraph().getNodeList()) {
            if (n.getOutputList().contains(output)) {
                return switch (n.getOpType()) {
                    case "Softmax" -> OutputHead.SOFTMAX;
                    case "Sigmoid" -> OutputHead.SIGMOID;
                    case "LogSoftmax" -> OutputHead.LOG_SOFTMAX;
                    default -> OutputHead.NONE;
                };
            }
        }
        return OutputHead.NONE;
    }

    /** Whether the graph quantizes activations with a range taken per run (DynamicQuantizeLinear, MatMulInteger). */
    static boolean perRunRanges(ModelProto proto) {
        return proto.getGraph().getNodeList().stream().anyMatch(n -> n.getOpType().equals("DynamicQuantizeLinear")
                || n.getOpType().equals("DynamicQuantizeMatMul"));
    }
}

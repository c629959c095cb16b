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
import org.odf2nna.graph.GraphRowStream;
import org.odf2nna.graph.GraphRows;
import org.odf2nna.metrics.Evaluator;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.network.OutputHead;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.OnnxDenseModel;
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
        // A dense chain is read by the chain reader first: its refusals are the file's errors, and the columns it
        // records, its outputs and its head say how its rows are read and judged. A language model is a graph: its
        // windows of token ids never feed a dense chain.
        OnnxDenseModel chain = inputs.isDefault() && task != Task.NEXT_TOKEN ? chainOrNull(model) : null;
        // A chain runs as the graph it was read from; a Keras file or SavedModel as the graph the other commands
        // read of it.
        ModelProto proto = chain != null ? chain.model() : ModelFiles.formatOf(model)
                == org.odf2nna.settings.ModelFormat.ONNX ? OnnxModelFile.read(model) : ModelReader.read(model).graph();
        Path file = data.file();
        // Labels per position (an .npz array y of [rows, positions]) are read apart from the rows' inputs.
        boolean perPosition = chain == null && PositionEvaluator.labelsPerPosition(file);
        if (task == Task.NEXT_TOKEN || chain == null && task == null && !perPosition && unlabelledWindows(file, data)
                && org.odf2nna.graph.CausalLanguageModel.shaped(proto)) {
            Result r = nextToken(proto, model, data, inputs, task == Task.NEXT_TOKEN, device, progress);
            if (r != null) {
                return r;
            }
        }
        // A model that records its feature columns reads them by name, in any order, other columns ignored.
        List<String> names = chain == null ? null : ModelColumns.featureNames(chain);
        ColumnRequest asked = (names == null ? data : data.forModel(chain)).columns();
        // The rows' array: x, or the array named after the input they feed (InputArrays' rule).
        String array = GraphFeed.dataArray(proto, model, inputs, List.of(file));
        int width;
        try (RowReader header = RowReader.open(file, array, new ColumnRequest(names == null ? -1 : names.size(),
                asked.label(), perPosition ? ColumnRequest.Target.ABSENT : ColumnRequest.Target.REQUIRED, names))) {
            width = header.featureCount();
        }
        // A row shape the model leaves open (a sequence length) is read from the rows' width, as they hold it.
        GraphFeed feed = GraphFeed.resolve(proto, model, inputs, List.of(file), width);
        if (perPosition) {
            PositionEvaluator.Measured m = PositionEvaluator.evaluate(GraphRows.runnable(proto, feed.data()), model,
                    file, feed, perRunRanges(proto) ? 1 : data.inferenceBatch(), device, progress);
            return new Result(m.metrics(), null, null, m.positions() + " labelled positions in " + m.rows() + " rows");
        }
        String output = chain != null ? chain.outputName() : proto.getGraph().getOutput(0).getName();
        Judged judged = chain == null ? new Judged(output, GraphRegression.regressor(proto, task), -1, head(proto,
                output), perRunRanges(proto), true) : Judged.of(chain, task);
        ColumnRequest columns = new ColumnRequest(feed.width(), asked.label(), ColumnRequest.Target.REQUIRED, names);
        try (GraphRowStream rows = new GraphRowStream(file, 0, feed, columns)) {
            RowReader reader = rows.reader();
            EvalData.noteIgnored(reader, file, progress);
            if (!reader.hasTarget()) {
                throw new InputException(file, "line 1", "has no target column, so there is nothing to evaluate "
                        + "against (name it with {{LABEL}})");
            }
            String guessed = EvalData.positionalTarget(reader);
            try {
                Evaluator evaluator = run(proto, model, feed, rows, judged, data, device, progress);
                return new Result(evaluator.metrics(), evaluator.chance(), guessed, null);
            } catch (InputException e) {
                // A guessed label column that holds no labels: say it was a guess, and how to name the right one.
                throw guessed == null ? e : e.reworded(m -> m + "; that column was taken as the label because it is "
                        + "the last (" + guessed + ") and no column is named " + ColumnRequest.targetNamesInWords()
                        + ": name the label column with {{LABEL}}");
            }
        }
    }

    /**
     * How the first output is judged.
     *
     * @param output     the output measured: a chain's, or a graph's first
     * @param regression whether as a regressor's value (else as class scores)
     * @param outputs    its values per row where the model says (a dense chain's outputs), else -1: as many as it gives
     * @param head       the function it ends in, for the class scores
     * @param eachRow    whether each row is run alone (activations quantized with a range per run)
     * @param floatTargets whether a regressor's targets are taken as floats, as a graph's rows held them before its
     *                   rows were streamed (its MSE, MAE and R² unchanged); a chain's are the file's doubles
     */
    private record Judged(String output, boolean regression, int outputs, OutputHead head, boolean eachRow, boolean floatTargets) {

        /** A dense chain's, as its network says: task inferred from its outputs and head. */
        static Judged of(OnnxDenseModel chain, Task task) {
            org.odf2nna.network.DenseNetwork network = chain.network();
            return new Judged(chain.outputName(), Task.givenOrInferred(task, network) == Task.REGRESSION,
                    network.outputs(),
                    network.head(), org.odf2nna.network.Int8Quantization.integerKernels(network), false);
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
     * output; each target is checked as a class id where it is read ({@link Evaluator#classId}: the file's line and
     * the target column).
     */
    private static Evaluator run(ModelProto proto, Path model, GraphFeed feed, GraphRowStream rows, Judged judged,
            EvalData data, Device device, Progress progress) {
        ModelProto runnable = GraphRows.runnable(proto, feed.data());
        String output = judged.output();
        RowReader reader = rows.reader();
        Evaluator evaluator = null;
        try (GraphFeed.Session session = feed.open(runnable, device, model)) {
            GraphRowStream.Block block;
            while ((block = rows.next(data.inferenceBatch())) != null) {
                int count = block.rows().count();
                int step = judged.eachRow() ? 1 : count;
                for (int start = 0; start < count; start += step) {
                    int n = Math.min(step, count - start);
                    OnnxRunner.Out out = session.runShaped(block.rows(), start, n, List.of(output)).get(output);
                    if (evaluator == null) {
                        checkShape(out.shape(), output, model, judged.regression());
                        int per = judged.outputs() > 0 ? judged.outputs() : out.values().length / n;
                        evaluator = new Evaluator(judged.regression() ? Task.REGRESSION : Task.CLASSIFICATION, per,
                                judged.head(), data.file(), reader.targetName());
                    }
                    double[] targets = java.util.Arrays.copyOfRange(block.targets(), start, start + n);
                    for (int r = 0; judged.floatTargets() && judged.regression() && r < n; r++) {
                        targets[r] = (float) targets[r];
                    }
                    evaluator.add(out.values(), n, targets, java.util.Arrays.copyOfRange(block.lines(), start,
                            start + n));
                }
                progress.update("evaluating", reader.bytesRead(), reader.totalBytes(), reader.rowsRead() + " rows");
            }
        }
        progress.done("evaluating");
        if (reader.rowsRead() == 0) {
            throw reader.noDataRows();
        }
        return evaluator;
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

package org.odf2nna.api;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.data.Batch;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.data.RowReader;
import org.odf2nna.graph.GraphRows;
import org.odf2nna.method.EvalData;
import org.odf2nna.method.ModelFiles;
import org.odf2nna.method.ModelScan;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.Int8Quantization;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.DenseChainWriter;
import org.odf2nna.onnx.GraphQuantizer;
import org.odf2nna.onnx.Int8Choice;
import org.odf2nna.onnx.Int8Weights;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.ScoringGraph;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.prune.EpsilonRule;
import org.odf2nna.prune.Pruner;
import org.odf2nna.settings.Quantize;
import org.odf2nna.settings.Task;

/**
 * A model file as the tool reads it, kept as ONNX with its dense chain found: its graph around the chain (an input
 * prefix, the head) stays as it was, so rows are the file's own input values. What it offers is what the tool does with
 * such a model short of writing files: read rows as the model reads them, score its hidden units (Algorithm 4, one
 * session), prune it at an ε in memory, and open it, a quantized form of it or Algorithm 3's one-unit subgraph in ONNX
 * Runtime ({@link OnnxSession}).
 *
 * <p>Why public: {@link Odf2nna} works on a {@link DenseNetwork} alone, whose rows are the dense chain's inputs; a user
 * who times or scores the model file itself (the research harness's {@code bench} does) needs the model with its
 * graph, and these few steps of the file workflows one at a time.
 */
public final class OnnxModel {

    /** Rows read from a data file at a time. */
    private static final int CHUNK = 4096;

    private final OnnxDenseModel model;

    private OnnxModel(OnnxDenseModel model) {
        this.model = model;
    }

    /**
     * Reads a model file as every command reads it.
     *
     * @param file an ONNX file, a Keras file (.keras, .h5) or a SavedModel directory; never modified
     * @throws InputException when it cannot be read or holds no dense chain the tool understands
     */
    public static OnnxModel read(Path file) {
        return new OnnxModel(ModelFiles.read(file));
    }

    /** The model as the library holds it, for the other entry points of this package. */
    OnnxDenseModel dense() {
        return model;
    }

    /** Where the model was read from. */
    public Path source() {
        return model.source();
    }

    /** Its dense network: input prefix, dense layers, head. */
    public DenseNetwork network() {
        return model.network();
    }

    /** The serialised ONNX model. */
    public byte[] onnx() {
        return model.model().toByteArray();
    }

    /**
     * Whether the file stores int8 weights already: layers on integer kernels, or int8 initializers (a quantized
     * model's).
     */
    public boolean storesInt8() {
        return Int8Quantization.integerKernels(model.network()) || model.model().getGraph().getInitializerList()
                .stream().anyMatch(t -> t.getDataType() == TensorProto.DataType.INT8_VALUE);
    }

    /**
     * The first {@code maxRows} rows of a data file (all when {@code maxRows} ≤ 0) as the model's scoring reads them:
     * by column name when the model records its columns, else by position; the values the file's input takes (before
     * any input prefix), and the targets when the file has a target column.
     *
     * @param data a CSV file (optionally gzip-compressed), Parquet, .npz or .npy
     * @throws InputException when the file cannot be read, has no data rows, or its rows do not fit the model
     */
    public Rows readRows(Path data, int maxRows) {
        List<float[]> chunks = new ArrayList<>();
        List<float[]> targets = new ArrayList<>();
        int width = -1;
        int read = 0;
        boolean labelled = true;
        try (RowReader reader = evalData(data, CHUNK).open()) {
            Batch b;
            while ((maxRows <= 0 || read < maxRows) && (b = reader.next(CHUNK)) != null) {
                width = b.width();
                int take = maxRows <= 0 ? b.rows() : Math.min(b.rows(), maxRows - read);
                chunks.add(Arrays.copyOf(b.features(), take * width));
                labelled &= b.hasTargets();
                float[] t = new float[take];
                for (int r = 0; labelled && r < take; r++) {
                    t[r] = (float) b.targets()[r];
                }
                targets.add(t);
                read += take;
            }
            if (read == 0) {
                throw reader.noDataRows();
            }
        }
        float[] features = new float[Math.multiplyExact(read, width)];
        float[] labels = new float[read];
        int at = 0;
        for (int c = 0; c < chunks.size(); c++) {
            int n = chunks.get(c).length / width;
            System.arraycopy(chunks.get(c), 0, features, at * width, n * width);
            System.arraycopy(targets.get(c), 0, labels, at, n);
            at += n;
        }
        return new Rows(features, width, labelled ? labels : null);
    }

    /**
     * Scores the hidden units over rows already in memory, as {@code shrink} scores them (one session exposing every
     * hidden activation, per-unit moments), with no file read and no metric: what the harness times against a plain
     * pass over the same batches.
     *
     * @param batches rows of the model's input values ({@link #readRows}), one runtime call each
     * @throws IllegalArgumentException when no rows are given
     */
    public UnitScores scoreUnits(List<Rows> batches, Device device) {
        List<Batch> list = new ArrayList<>(batches.size());
        for (Rows r : batches) {
            list.add(new Batch(r.features(), r.count(), r.width(), null, new long[r.count()]));
        }
        return UnitScores.of(ModelScan.scan(model, list, device).statistics());
    }

    /**
     * Scores the hidden units over a data file streamed in batches, as {@code shrink}'s scoring pass reads it (rows
     * matched to the model's columns; with a task, the model's metrics computed beside, on the file's target column).
     *
     * @param data      a CSV file (optionally gzip-compressed), Parquet, .npz or .npy
     * @param batchSize rows per ONNX Runtime call
     * @param task      the task to measure the model on as well, or null for the scores alone
     * @throws InputException when the file cannot be read, or its rows do not fit the model
     */
    public UnitScores scoreUnits(Path data, int batchSize, Task task, Device device, Progress progress) {
        return UnitScores.of(ModelScan.scan(model, evalData(data, batchSize), task, device,
                progress == null ? Progress.NONE : progress).statistics());
    }

    private EvalData evalData(Path data, int batchSize) {
        return new EvalData(data, ColumnRequest.of(-1, null, ColumnRequest.Target.OPTIONAL), batchSize)
                .forModel(model);
    }

    /**
     * The model pruned at {@code epsilon} on {@code scores} as {@code shrink} prunes without retraining: the units
     * whose standard deviation is at most ε removed, their mean carried into the next layer's bias; the graph around
     * the chain kept.
     *
     * @param scores the units' scores, of this model ({@link #scoreUnits})
     * @throws IllegalArgumentException when the scores are not this model's, or ε is negative
     */
    public OnnxModel prunedAt(UnitScores scores, double epsilon) {
        DenseNetwork pruned = Pruner.prune(model.network(), scores.statistics(),
                EpsilonRule.select(scores.stds(), epsilon));
        return new OnnxModel(DenseChainReader.read(DenseChainWriter.write(model, pruned), model.source()));
    }

    /**
     * Opens the model, or a form of it with every dense layer int8, in ONNX Runtime, read at the model's output.
     *
     * @param form        {@link Quantize#NONE} the model as it is; {@link Quantize#INT8_DYNAMIC} on integer kernels,
     *                    inputs quantized at run time; {@link Quantize#INT8_STATIC} inputs quantized with scales
     *                    calibrated on {@code calibration}; {@link Quantize#INT8_WEIGHTS} weight-only
     * @param calibration a data file whose first {@link #CALIBRATION_ROWS} rows calibrate the static form; else unused
     * @param threads     ONNX Runtime's intra-op threads; 0 its default (one per core)
     * @throws IllegalArgumentException for {@link Quantize#INT8} (name the form), or a static form without rows
     */
    public OnnxSession session(Quantize form, Path calibration, Device device, int threads) {
        ModelProto graph = switch (form) {
            case NONE -> ScoringGraph.exposing(model, List.of(model.outputName()));
            case INT8_DYNAMIC -> int8(true);
            case INT8_WEIGHTS -> int8(false);
            case INT8_STATIC -> staticInt8(calibration);
            case INT8 -> throw new IllegalArgumentException("int8: name the form (dynamic, static or weights)");
        };
        return open(graph, model.outputName(), device, threads);
    }

    /** How many rows of a calibration file {@link #session} reads for the static int8 form. */
    public static final int CALIBRATION_ROWS = Int8Choice.CALIBRATION_ROWS;

    /**
     * Opens the session that scores every hidden unit (the graph with each hidden activation an output), as
     * {@code shrink}'s scoring pass opens it; read at the model's output.
     */
    public OnnxSession scoringSession(Device device) {
        return open(ScoringGraph.exposing(model, model.hiddenUnitOutputs()), model.outputName(), device, 0);
    }

    /**
     * Opens the paper's Algorithm 3 for one unit: the subgraph of only the nodes that compute unit {@code unit} of
     * hidden layer {@code layer} (from 0), that unit its one output.
     *
     * @throws IndexOutOfBoundsException when there is no such unit
     */
    public OnnxSession unitSession(int layer, int unit, Device device) {
        ModelProto graph = ScoringGraph.truncatedAtUnit(model, model.hiddenUnitOutputs().get(layer), unit);
        return open(graph, graph.getGraph().getOutput(0).getName(), device, 0);
    }

    private OnnxSession open(ModelProto graph, String output, Device device, int threads) {
        int width = model.featuresPerRow() >= 0 ? model.featuresPerRow() : model.network().inputs();
        return new OnnxSession(OnnxRunner.open(graph, model.input(), device, model.source(), threads), graph, output,
                width);
    }

    private ModelProto int8(boolean integerKernels) {
        boolean[] all = Int8Quantization.all(model.network());
        DenseNetwork quantized = Int8Quantization.quantize(model.network(), all, integerKernels);
        return Int8Weights.apply(DenseChainWriter.write(model, quantized), model, quantized, all);
    }

    private ModelProto staticInt8(Path calibration) {
        if (calibration == null) {
            throw new IllegalArgumentException("int8-static: no rows to calibrate on");
        }
        int width = model.input().valuesPerRow() > 0 ? model.input().valuesPerRow() : model.network().inputs();
        float[] rows = GraphRows.read(calibration, width, null, CALIBRATION_ROWS).features();
        return Int8Choice.quantize(model.model(), model.source(), GraphQuantizer.Form.STATIC, model.input(), rows,
                GraphQuantizer.Operators.STANDARD).model();
    }
}

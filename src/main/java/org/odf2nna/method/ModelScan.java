package org.odf2nna.method;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.data.Batch;
import org.odf2nna.data.CsvReader;
import org.odf2nna.metrics.Evaluator;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.metrics.Task;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.ScoringGraph;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.prune.RowSource;
import org.odf2nna.prune.RunningMoments;
import org.odf2nna.prune.UnitStatistics;

/**
 * Passes of ONNX models over CSV rows in ONNX Runtime: the scoring pass, which measures every hidden
 * unit of the original model in one session, and plain evaluation passes.
 */
public final class ModelScan {

    /** Rows kept to check written models against the internal network. */
    static final int SAMPLE_ROWS = 256;

    /**
     * Chain-input values a scan keeps in memory for least squares at most: 2^26 floats (256 MB, e.g. 85,000 MNIST
     * rows), and never more than an eighth of the JVM's heap. The rows are needed once per hidden layer and ε, so
     * holding them saves reading and parsing the CSV (and running the prefix) again each time; beyond the limit they
     * are streamed from the file instead, so no size of file is refused.
     */
    static final long CACHED_VALUES = Math.min(1L << 26, Runtime.getRuntime().maxMemory() / 8 / Float.BYTES);

    private ModelScan() {
    }

    /**
     * Runs the original model once over the data with every hidden layer's output exposed, and
     * accumulates per-unit moments, the metrics (when there is a target) and a sample.
     *
     * @param task the task, or null when the rows are not to be evaluated
     */
    public static ScanResult scan(OnnxDenseModel model, EvalData data, Task task, Device device, Progress progress) {
        return scan(model, data, task, device, progress, false);
    }

    /**
     * The same, and with {@code keepRows} the rows as chain input as well ({@link ScanResult#chainRows}).
     */
    public static ScanResult scan(OnnxDenseModel model, EvalData data, Task task, Device device, Progress progress,
            boolean keepRows) {
        DenseNetwork network = model.network();
        List<String> hidden = hiddenOutputs(model);
        boolean prefixed = !model.chainInputName().equals(model.input().name());
        List<String> wanted = new ArrayList<>(hidden);
        wanted.add(model.outputName());
        if (prefixed) {
            wanted.add(model.chainInputName());
        }
        ModelProto scoring = ScoringGraph.exposing(model, wanted);
        List<RunningMoments> moments = new ArrayList<>();
        for (int units : network.hiddenUnits()) {
            moments.add(new RunningMoments(units));
        }
        SampleBuilder sample = new SampleBuilder(network.inputs(), network.outputs());
        List<float[]> kept = keepRows ? new ArrayList<>() : null;
        List<Integer> keptRows = new ArrayList<>();
        long keptValues = 0;
        Evaluator evaluator = null;
        try (OnnxRunner runner = OnnxRunner.open(scoring, model.input(), device, model.source());
             CsvReader reader = data.open()) {
            if (task != null && reader.hasTarget()) {
                evaluator = new Evaluator(task, network.outputs(), network.head(), data.file(), reader.targetName());
            }
            Batch batch;
            while ((batch = reader.next(data.batchSize())) != null) {
                Map<String, float[]> out = runner.run(batch.features(), batch.rows(), batch.width(), wanted);
                for (int l = 0; l < hidden.size(); l++) {
                    float[] values = out.get(hidden.get(l));
                    checkWidth(model, hidden.get(l), values, batch.rows(), network.layer(l).units());
                    moments.get(l).add(values, batch.rows());
                }
                float[] outputs = out.get(model.outputName());
                checkWidth(model, model.outputName(), outputs, batch.rows(), network.outputs());
                if (evaluator != null) {
                    evaluator.add(outputs, batch.rows(), batch.targets(), batch.lines());
                }
                float[] chainInput = prefixed ? out.get(model.chainInputName()) : batch.features();
                if (prefixed) {
                    checkWidth(model, model.chainInputName(), chainInput, batch.rows(), network.inputs());
                }
                sample.add(batch, chainInput, outputs);
                if (kept != null) {
                    keptValues += (long) batch.rows() * network.inputs();
                    if (keptValues <= CACHED_VALUES) {
                        kept.add(prefixed ? chainInput : Arrays.copyOf(chainInput, batch.rows() * network.inputs()));
                        keptRows.add(batch.rows());
                    } else {
                        kept.clear();
                        kept = null;
                    }
                }
                progress.update("scoring", reader.bytesRead(), reader.totalBytes(), reader.rowsRead() + " rows");
            }
            progress.done("scoring");
            if (reader.rowsRead() == 0) {
                throw new InputException(data.file(), null, "has a header but no data rows");
            }
            UnitStatistics statistics = UnitStatistics.of(moments);
            Metrics metrics = evaluator == null ? null : evaluator.metrics();
            RowSource rows = null;
            if (keepRows) {
                rows = kept != null ? cached(kept, keptRows) : streamed(model, data, device);
            }
            return new ScanResult(statistics, metrics, sample.build(), runner.isRowByRow(), rows);
        }
    }

    /** Evaluates a model over labelled rows. */
    public static Metrics evaluate(ModelProto model, InputSignature input, DenseNetwork network, EvalData data,
            Task task, Device device, Progress progress, java.nio.file.Path modelFile, String outputName) {
        try (OnnxRunner runner = OnnxRunner.open(model, input, device, modelFile);
             CsvReader reader = data.open()) {
            if (!reader.hasTarget()) {
                throw new InputException(data.file(), "line 1", "has no target column, so there is nothing to "
                        + "evaluate against (name it with --label)");
            }
            Evaluator evaluator = new Evaluator(task, network.outputs(), network.head(), data.file(), reader.targetName());
            Batch batch;
            List<String> outputs = List.of(outputName);
            while ((batch = reader.next(data.batchSize())) != null) {
                float[] values = runner.run(batch.features(), batch.rows(), batch.width(), outputs).get(outputName);
                evaluator.add(values, batch.rows(), batch.targets(), batch.lines());
                progress.update("evaluating", reader.bytesRead(), reader.totalBytes(), reader.rowsRead() + " rows");
            }
            progress.done("evaluating");
            if (reader.rowsRead() == 0) {
                throw new InputException(data.file(), null, "has a header but no data rows");
            }
            return evaluator.metrics();
        }
    }

    /** Runs a model on the sample's rows and returns its outputs. */
    public static float[] outputsOn(ModelProto model, InputSignature input, ScanResult.Sample sample, Device device,
            java.nio.file.Path modelFile, String outputName) {
        try (OnnxRunner runner = OnnxRunner.open(model, input, device, modelFile)) {
            return runner.run(sample.features(), sample.rows(), sample.featureWidth(), List.of(outputName))
                    .get(outputName);
        }
    }

    /** Batches held in memory, handed over as they were read. */
    private static RowSource cached(List<float[]> batches, List<Integer> rows) {
        return consumer -> {
            for (int b = 0; b < batches.size(); b++) {
                consumer.accept(batches.get(b), rows.get(b));
            }
        };
    }

    /** The rows of {@code data} as chain input, read from the file (and run through the prefix) on every pass. */
    static RowSource streamed(OnnxDenseModel model, EvalData data, Device device) {
        boolean prefixed = !model.chainInputName().equals(model.input().name());
        int width = model.network().inputs();
        List<String> wanted = List.of(model.chainInputName());
        return consumer -> {
            try (OnnxRunner runner = prefixed ? OnnxRunner.open(ScoringGraph.exposing(model, wanted), model.input(),
                    device, model.source()) : null;
                 CsvReader reader = data.open()) {
                Batch batch;
                while ((batch = reader.next(data.batchSize())) != null) {
                    float[] x = batch.features();
                    if (prefixed) {
                        x = runner.run(x, batch.rows(), batch.width(), wanted).get(model.chainInputName());
                        checkWidth(model, model.chainInputName(), x, batch.rows(), width);
                    }
                    consumer.accept(x, batch.rows());
                }
            }
        };
    }

    static List<String> hiddenOutputs(OnnxDenseModel model) {
        return model.hiddenUnitOutputs();
    }

    private static void checkWidth(OnnxDenseModel model, String tensor, float[] values, int rows, int width) {
        if (values.length != (long) rows * width) {
            throw new InputException(model.source(), "tensor '" + tensor + "'", "holds " + values.length
                    + " values for " + rows + " rows; expected " + rows + " x " + width
                    + " (the dense chain must see one row of features per example)");
        }
    }

    /** Keeps the first {@link #SAMPLE_ROWS} rows. */
    private static final class SampleBuilder {
        final int chainWidth;
        final int outputWidth;
        float[] features = new float[0];
        float[] chain = new float[0];
        float[] outputs = new float[0];
        int featureWidth = -1;
        int rows;

        SampleBuilder(int chainWidth, int outputWidth) {
            this.chainWidth = chainWidth;
            this.outputWidth = outputWidth;
        }

        void add(Batch batch, float[] chainInput, float[] modelOutputs) {
            if (rows >= SAMPLE_ROWS) {
                return;
            }
            featureWidth = batch.width();
            int take = Math.min(SAMPLE_ROWS - rows, batch.rows());
            features = Arrays.copyOf(features, (rows + take) * featureWidth);
            System.arraycopy(batch.features(), 0, features, rows * featureWidth, take * featureWidth);
            chain = Arrays.copyOf(chain, (rows + take) * chainWidth);
            System.arraycopy(chainInput, 0, chain, rows * chainWidth, take * chainWidth);
            outputs = Arrays.copyOf(outputs, (rows + take) * outputWidth);
            System.arraycopy(modelOutputs, 0, outputs, rows * outputWidth, take * outputWidth);
            rows += take;
        }

        ScanResult.Sample build() {
            return new ScanResult.Sample(features, Math.max(featureWidth, 0), chain, chainWidth, outputs, rows);
        }
    }
}

package org.odf2nna.method;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.data.Batch;
import org.odf2nna.data.RowReader;
import org.odf2nna.metrics.ChanceAgreement;
import org.odf2nna.metrics.Evaluator;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.ScoringGraph;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.prune.RowSource;
import org.odf2nna.prune.RunningMoments;
import org.odf2nna.prune.UnitStatistics;
import org.odf2nna.settings.Task;

/**
 * Passes of ONNX models over CSV rows in ONNX Runtime: the scoring pass, which measures every hidden
 * unit of the original model in one session, and plain evaluation passes.
 */
public final class ModelScan {

    /** Rows kept to check written models against the internal network. */
    static final int SAMPLE_ROWS = 256;
    /** Most values per array of the sample: very wide rows keep fewer rows (at least one). */
    static final int SAMPLE_VALUES = 4 << 20;
    /**
     * Most multiply-adds of one plain-Java pass of the network over the sample: the sample is run through the network
     * in plain Java (in double) to check the reading and again for every written model, so a 33.7M-parameter network
     * keeps 15 rows (256 rows were 8.6e9 multiply-adds a check, most of a wide shrink's Java time); at least
     * {@link #MIN_SAMPLE_ROWS}.
     */
    static final long SAMPLE_MULTIPLY_ADDS = 1L << 29;
    static final int MIN_SAMPLE_ROWS = 8;

    /**
     * Chain-input values a scan keeps in memory for least squares at most: 2^26 floats (256 MB, e.g. 85,000 MNIST
     * rows), and never more than an eighth of the JVM's heap. The rows are needed once per hidden layer and ε, so
     * holding them saves reading and parsing the CSV (and running the prefix) again each time; beyond the limit they
     * are streamed from the file instead, so no size of file is refused.
     */
    static final long CACHED_VALUES = Math.min(1L << 26, Runtime.getRuntime().maxMemory() / 8 / Float.BYTES);
    /** Most values (double) of the Gram matrices a scan takes together: as many bytes as half the rows it keeps. */
    static final long GRAM_VALUES = CACHED_VALUES / 4;

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
        return scan(model, data, task, device, progress, keepRows, null);
    }

    /**
     * The same, and with {@code grams} the Gram matrices of the hidden layers it names after the first batch
     * ({@link ScanResult#grams}): the first refit's sums without a pass of their own.
     *
     * @param grams which layers' Gram matrices to take, or null for none
     */
    static ScanResult scan(OnnxDenseModel model, EvalData data, Task task, Device device, Progress progress,
            boolean keepRows, LayerGrams.Plan grams) {
        try (Pass pass = new Pass(model, device, keepRows, grams);
             RowReader reader = data.open(progress)) {
            pass.targetName = reader.hasTarget() ? reader.targetName() : null;
            if (task != null && reader.hasTarget()) {
                pass.evaluator = new Evaluator(task, model.network().outputs(), model.network().head(), data.file(),
                        reader.targetName());
            }
            Batch batch;
            while ((batch = reader.next(data.inferenceBatch())) != null) {
                pass.add(batch, data);
                progress.update("scoring", reader.bytesRead(), reader.totalBytes(), reader.rowsRead() + " rows");
            }
            progress.done("scoring");
            if (reader.rowsRead() == 0) {
                throw reader.noDataRows();
            }
            return pass.result(data, device);
        }
    }

    /**
     * The same scoring pass over rows already in memory (no CSV reading, no metrics): what the benchmarks
     * time against a plain inference pass over the same batches.
     */
    public static ScanResult scan(OnnxDenseModel model, List<Batch> batches, Device device) {
        if (batches.isEmpty()) {
            throw new IllegalArgumentException("no rows to score");
        }
        try (Pass pass = new Pass(model, device, false, null)) {
            for (Batch batch : batches) {
                pass.add(batch, null);
            }
            return pass.result(null, device);
        }
    }

    /** One scoring session and the per-unit moments, metrics and sample it accumulates. */
    private static final class Pass implements AutoCloseable {
        final OnnxDenseModel model;
        final DenseNetwork network;
        final List<String> hidden;
        final boolean prefixed;
        /** The prefix only reshapes: the chain input is the CSV row itself, not an output to copy out of ONNX Runtime. */
        final boolean reshapingPrefix;
        final List<String> wanted;
        final List<RunningMoments> moments = new ArrayList<>();
        final SampleBuilder sample;
        final OnnxRunner runner;
        Evaluator evaluator;
        final boolean keepRows;
        List<float[]> kept;
        final List<Integer> keptRows = new ArrayList<>();
        /** The rows as the file gave them, with their targets and lines (null once they are too many). */
        List<Batch> held;
        long keptValues;
        String targetName;
        /** The output layer's targets for the last refit (null when not made or too many). */
        final OutputTargets.Builder outputTargets;
        /** Which layers' Gram matrices to take, until the first batch has said (then null). */
        LayerGrams.Plan gramPlan;
        final Map<Integer, LayerGrams.Accumulator> grams = new java.util.TreeMap<>();
        final Device device;

        Pass(OnnxDenseModel model, Device device, boolean keepRows, LayerGrams.Plan gramPlan) {
            this.model = model;
            this.gramPlan = gramPlan;
            this.device = device;
            this.network = model.network();
            this.hidden = hiddenOutputs(model);
            this.prefixed = !model.chainInputName().equals(model.input().name());
            this.reshapingPrefix = prefixed && reshapesOnly(model);
            this.keepRows = keepRows;
            this.kept = keepRows ? new ArrayList<>() : null;
            this.held = keepRows ? new ArrayList<>() : null;
            this.outputTargets = keepRows && OutputTargets.worthMaking(network.outputLayer())
                    ? new OutputTargets.Builder(network.outputLayer(), CACHED_VALUES / 2) : null;
            this.wanted = new ArrayList<>(hidden);
            wanted.add(model.outputName());
            if (prefixed && !reshapingPrefix) {
                wanted.add(model.chainInputName());
            }
            for (int units : network.hiddenUnits()) {
                moments.add(new RunningMoments(units));
            }
            this.sample = new SampleBuilder(network.inputs(), network.outputs(), sampleRows(network));
            ModelProto scoring = ScoringGraph.exposing(model, wanted);
            this.runner = OnnxRunner.open(scoring, model.input(), device, model.source());
        }

        /** @param data where the rows came from, for messages about rows that overflow; null for rows in memory */
        void add(Batch batch, EvalData data) {
            Map<String, float[]> out = runner.run(batch.features(), batch.rows(), batch.width(), wanted);
            for (int l = 0; l < hidden.size(); l++) {
                float[] values = out.get(hidden.get(l));
                checkWidth(model, hidden.get(l), values, batch.rows(), network.layer(l).units());
                moments.get(l).add(values, batch.rows());
                if (!moments.get(l).isFinite()) {
                    // An infinite or NaN activation spoils the sums: find its row to name it.
                    checkFinite(model, l, values, batch, data);
                }
            }
            if (outputTargets != null) {
                outputTargets.add(out.get(hidden.get(hidden.size() - 1)), batch.rows());
            }
            addGrams(out, batch.rows());
            float[] outputs = out.get(model.outputName());
            checkWidth(model, model.outputName(), outputs, batch.rows(), network.outputs());
            checkFinite(model, hidden.size(), outputs, batch, data);
            if (evaluator != null) {
                evaluator.add(outputs, batch.rows(), batch.targets(), batch.lines());
            }
            boolean fromRuntime = prefixed && !reshapingPrefix;
            float[] chainInput = fromRuntime ? out.get(model.chainInputName()) : batch.features();
            if (fromRuntime) {
                checkWidth(model, model.chainInputName(), chainInput, batch.rows(), network.inputs());
            }
            sample.add(batch, chainInput, outputs);
            if (kept != null) {
                keep(batch, fromRuntime, chainInput);
            }
        }

        /**
         * Adds the batch's activations to the Gram matrices taken; after the first batch, the plan names the layers
         * (on that batch's statistics), as many as {@link #GRAM_VALUES} allow.
         */
        private void addGrams(Map<String, float[]> out, int rows) {
            if (gramPlan != null) {
                boolean[] wanted = gramPlan.layers(UnitStatistics.of(moments));
                gramPlan = null;
                long values = 0;
                for (int l = 0; l < wanted.length; l++) {
                    long width = network.layer(l).units();
                    if (wanted[l] && values + width * width <= GRAM_VALUES) {
                        values += width * width;
                        grams.put(l, new LayerGrams.Accumulator((int) width, device));
                    }
                }
            }
            grams.forEach((l, gram) -> gram.add(out.get(hidden.get(l)), rows));
        }

        /**
         * Keeps the batch as chain input (least squares fits on it) and as the file gave it (PWR is measured on it),
         * one array for both when the chain reads the rows as they are; a target and a line number count as four
         * values. Past {@link #CACHED_VALUES} nothing is kept.
         */
        private void keep(Batch batch, boolean fromRuntime, float[] chainInput) {
            int n = batch.rows();
            keptValues += (long) n * network.inputs() + (fromRuntime ? (long) n * batch.width() : 0)
                    + (batch.hasTargets() ? 4L * n : 2L * n);
            if (keptValues > CACHED_VALUES) {
                kept.clear();
                kept = null;
                held = null;
                return;
            }
            float[] chain = fromRuntime ? chainInput : Arrays.copyOf(chainInput, n * network.inputs());
            kept.add(chain);
            keptRows.add(n);
            float[] features = fromRuntime ? Arrays.copyOf(batch.features(), n * batch.width()) : chain;
            held.add(new Batch(features, n, batch.width(), batch.hasTargets() ? Arrays.copyOf(batch.targets(), n)
                    : null, Arrays.copyOf(batch.lines(), n)));
        }

        /** @param data the rows scanned, streamed again for least squares when they were too many to keep */
        ScanResult result(EvalData data, Device device) {
            UnitStatistics statistics = UnitStatistics.of(moments);
            Metrics metrics = evaluator == null ? null : evaluator.metrics();
            RowSource rows = null;
            if (keepRows) {
                rows = kept != null ? cached(kept, keptRows) : streamed(model, data, device);
            }
            HeldRows heldRows = held == null || data == null ? null
                    : new HeldRows(data.file(), targetName, held, statistics.rows());
            return new ScanResult(statistics, metrics, sample.build(), runner.isRowByRow(), rows,
                    evaluator == null ? null : evaluator.chance(), heldRows,
                    keepRows ? new FittingSums(outputTargets == null ? null : outputTargets.build(),
                            grams.isEmpty() ? null : LayerGrams.of(grams)) : null);
        }

        @Override
        public void close() {
            grams.values().forEach(LayerGrams.Accumulator::close);
            runner.close();
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
        boolean prefixed = !model.chainInputName().equals(model.input().name()) && !reshapesOnly(model);
        int width = model.network().inputs();
        List<String> wanted = List.of(model.chainInputName());
        return consumer -> {
            try (OnnxRunner runner = prefixed ? OnnxRunner.open(ScoringGraph.exposing(model, wanted), model.input(),
                    device, model.source()) : null;
                 RowReader reader = data.open()) {
                Batch batch;
                while ((batch = reader.next(data.inferenceBatch())) != null) {
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

    /** Whether the model's prefix only reshapes its input: the chain input is then the CSV row itself. */
    private static boolean reshapesOnly(OnnxDenseModel model) {
        return model.network().prefix().reshapesOnly() && model.featuresPerRow() == model.network().inputs();
    }

    /** Evaluates a model over labelled rows. */
    public static Metrics evaluate(Evaluated model, EvalData data, Task task, Device device, Progress progress) {
        return evaluator(model, data, task, device, progress).metrics();
    }

    /**
     * Evaluates several models in one pass over labelled rows: over {@code held} when the scoring pass kept them (no
     * reading of the file), else over {@code data}'s file read once. Each model sees the same batches in the same
     * order as {@link #evaluate} would give it, so its metrics are the same.
     *
     * @param held the rows of {@code data} as the scoring pass kept them, or null
     */
    public static List<Metrics> evaluateTogether(List<Evaluated> models, EvalData data, HeldRows held, Task task,
            Device device, Progress progress) {
        List<OnnxRunner> runners = new ArrayList<>();
        try {
            for (Evaluated model : models) {
                runners.add(OnnxRunner.open(model.model(), model.input(), device, model.file()));
            }
            if (held == null) {
                try (RowReader reader = data.open(progress)) {
                    Evaluators evaluators = new Evaluators(models, runners, task, data.file(), reader.hasTarget()
                            ? reader.targetName() : null);
                    Batch batch;
                    while ((batch = reader.next(data.inferenceBatch())) != null) {
                        evaluators.add(batch);
                        progress.update("evaluating", reader.bytesRead(), reader.totalBytes(), reader.rowsRead()
                                + " rows");
                    }
                    if (reader.rowsRead() == 0) {
                        throw reader.noDataRows();
                    }
                    progress.done("evaluating");
                    return evaluators.metrics();
                }
            }
            Evaluators evaluators = new Evaluators(models, runners, task, held.file(), held.targetName());
            long done = 0;
            for (Batch batch : held.batches()) {
                evaluators.add(batch);
                done += batch.rows();
                progress.update("evaluating", done, held.rows(), done + " rows");
            }
            progress.done("evaluating");
            return evaluators.metrics();
        } finally {
            runners.forEach(OnnxRunner::close);
        }
    }

    /** One evaluator per model, fed the same batches. */
    private static final class Evaluators {
        final List<Evaluated> models;
        final List<OnnxRunner> runners;
        final List<Evaluator> evaluators = new ArrayList<>();

        Evaluators(List<Evaluated> models, List<OnnxRunner> runners, Task task, java.nio.file.Path file,
                String targetName) {
            if (targetName == null) {
                throw new InputException(file, "line 1", "has no target column, so there is nothing to "
                        + "evaluate against (name it with {{LABEL}})");
            }
            this.models = models;
            this.runners = runners;
            for (Evaluated model : models) {
                evaluators.add(new Evaluator(task, model.network().outputs(), model.network().head(), file,
                        targetName));
            }
        }

        void add(Batch batch) {
            for (int m = 0; m < models.size(); m++) {
                evaluators.get(m).add(outputs(runners.get(m), models.get(m), batch), batch.rows(), batch.targets(),
                        batch.lines());
            }
        }

        List<Metrics> metrics() {
            return evaluators.stream().map(Evaluator::metrics).toList();
        }
    }

    /** The model's outputs on one batch; on integer kernels each row alone, as it was judged. */
    private static float[] outputs(OnnxRunner runner, Evaluated model, Batch batch) {
        List<String> outputs = List.of(model.outputName());
        boolean eachRow = org.odf2nna.network.Int8Quantization.integerKernels(model.network());
        return (eachRow ? runner.runEachRow(batch.features(), batch.rows(), batch.width(), outputs)
                : runner.run(batch.features(), batch.rows(), batch.width(), outputs)).get(model.outputName());
    }

    /**
     * {@link #evaluate} of the original model, refused when it is no better than chance on the rows and they do not
     * say to take them all the same ({@link #refuseAtChance}).
     */
    public static Metrics evaluateOriginal(OnnxDenseModel model, EvalData data, Task task, Device device,
            Progress progress) {
        Evaluator evaluator = evaluator(new Evaluated(model.model(), model.input(), model.network(), model.source(),
                model.outputName()), data, task, device, progress);
        refuseAtChance(evaluator.chance(), data, "the evaluation rows");
        return evaluator.metrics();
    }

    /**
     * Refuses rows the original scores no better than chance on ({@link ChanceAgreement#atChance}), unless
     * {@code data} says to take them: most likely rows of another model, or read another way.
     *
     * @param chance   the original's agreement with the rows' labels, or null (none to judge by)
     * @param rowsName what the rows are, for the message
     */
    static void refuseAtChance(ChanceAgreement chance, EvalData data, String rowsName) {
        refuseAtChance(chance, data.file(), data.acceptChance(), rowsName);
    }

    /** {@link #refuseAtChance(ChanceAgreement, EvalData, String)} of rows in {@code file}. */
    public static void refuseAtChance(ChanceAgreement chance, java.nio.file.Path file, boolean accept,
            String rowsName) {
        if (chance != null && chance.atChance() && !accept) {
            throw chance.refusal(file, rowsName);
        }
    }

    /**
     * The model {@link #evaluator} runs.
     *
     * @param model      its graph
     * @param input      its input
     * @param network    its dense chain, as the graph computes it
     * @param file       the file it is read from or written to (for messages)
     * @param outputName the graph output read
     */
    public record Evaluated(ModelProto model, InputSignature input, DenseNetwork network, java.nio.file.Path file,
            String outputName) {
    }

    private static Evaluator evaluator(Evaluated evaluated, EvalData data, Task task, Device device,
            Progress progress) {
        ModelProto model = evaluated.model();
        InputSignature input = evaluated.input();
        DenseNetwork network = evaluated.network();
        java.nio.file.Path modelFile = evaluated.file();
        String outputName = evaluated.outputName();
        try (OnnxRunner runner = OnnxRunner.open(model, input, device, modelFile);
             RowReader reader = data.open(progress)) {
            if (!reader.hasTarget()) {
                throw new InputException(data.file(), "line 1", "has no target column, so there is nothing to "
                        + "evaluate against (name it with {{LABEL}})");
            }
            Evaluator evaluator = new Evaluator(task, network.outputs(), network.head(), data.file(), reader.targetName());
            Batch batch;
            List<String> outputs = List.of(outputName);
            // On integer kernels a batch shares one activation range: each row is run alone, as it was judged.
            boolean eachRow = org.odf2nna.network.Int8Quantization.integerKernels(network);
            while ((batch = reader.next(data.inferenceBatch())) != null) {
                float[] values = (eachRow ? runner.runEachRow(batch.features(), batch.rows(), batch.width(), outputs)
                        : runner.run(batch.features(), batch.rows(), batch.width(), outputs)).get(outputName);
                evaluator.add(values, batch.rows(), batch.targets(), batch.lines());
                progress.update("evaluating", reader.bytesRead(), reader.totalBytes(), reader.rowsRead() + " rows");
            }
            progress.done("evaluating");
            if (reader.rowsRead() == 0) {
                throw reader.noDataRows();
            }
            return evaluator;
        }
    }

    /** At most how many models {@link #evaluateAll} runs side by side over one reading of the rows. */
    static final int MODELS_PER_PASS = 16;
    /** At most how many weights (float) the models run side by side hold together, a session's copy each. */
    static final long WEIGHTS_PER_PASS = 16L << 20;

    /**
     * {@link #evaluate} of {@code count} models, {@code model} building each as its turn comes, the rows read once for
     * each group of up to {@link #MODELS_PER_PASS} of them ({@link #WEIGHTS_PER_PASS} weights together, at least
     * one; {@link #evaluateTogether} over the file): a sweep's table evaluates two networks per round, and reading
     * (parsing) the rows again for each cost more than running them, while a session per model opened and closed in
     * turn let the native memory grow.
     */
    public static List<Metrics> evaluateAll(int count, java.util.function.IntFunction<Evaluated> model, EvalData data,
            Task task, Device device, Progress progress) {
        List<Metrics> metrics = new ArrayList<>();
        List<Evaluated> group = new ArrayList<>();
        long weights = 0;
        for (int i = 0; i < count; i++) {
            Evaluated m = model.apply(i);
            long size = m.network().parameterCount();
            if (!group.isEmpty() && (group.size() == MODELS_PER_PASS || weights + size > WEIGHTS_PER_PASS)) {
                metrics.addAll(evaluateTogether(group, data, null, task, device, progress));
                group.clear();
                weights = 0;
            }
            group.add(m);
            weights += size;
        }
        if (!group.isEmpty()) {
            metrics.addAll(evaluateTogether(group, data, null, task, device, progress));
        }
        return metrics;
    }

    /** Runs a model on the sample's rows and returns its outputs. */
    public static float[] outputsOn(ModelProto model, InputSignature input, ScanResult.Sample sample, Device device,
            java.nio.file.Path modelFile, String outputName) {
        try (OnnxRunner runner = OnnxRunner.open(model, input, device, modelFile)) {
            return runner.run(sample.features(), sample.rows(), sample.featureWidth(), List.of(outputName))
                    .get(outputName);
        }
    }

    /**
     * Runs a model on the sample's rows one row per run: how a file on integer kernels computes what its network
     * computes ({@link org.odf2nna.network.Int8Quantization#dynamicPreActivations}: a batch shares one range).
     */
    public static float[] outputsRowByRow(ModelProto model, InputSignature input, ScanResult.Sample sample,
            Device device, java.nio.file.Path modelFile, String outputName) {
        try (OnnxRunner runner = OnnxRunner.open(model, input, device, modelFile)) {
            return runner.runEachRow(sample.features(), sample.rows(), sample.featureWidth(), List.of(outputName))
                    .get(outputName);
        }
    }

    static List<String> hiddenOutputs(OnnxDenseModel model) {
        return model.hiddenUnitOutputs();
    }

    /**
     * Activations that overflow to infinity (or NaN) on a row make means, spreads and metrics meaningless:
     * name the row and the layer rather than prune on them.
     *
     * @param layer 0-based dense layer whose outputs these are (the last means the model's output)
     */
    private static void checkFinite(OnnxDenseModel model, int layer, float[] values, Batch batch, EvalData data) {
        int width = batch.rows() == 0 ? 0 : values.length / batch.rows();
        for (int k = 0; k < values.length; k++) {
            if (!Float.isFinite(values[k])) {
                int row = k / Math.max(1, width);
                String where = layer < model.layerNodes().size()
                        ? "layer " + (layer + 1) + " (node '" + model.layerNodes().get(layer) + "')"
                        : "the model's output";
                throw new InputException(data == null ? model.source() : data.file(), data == null ? "line "
                        + batch.lines()[row] : RowReader.place(data.file(), batch.lines()[row]),
                        "the model computes "
                        + values[k] + " in " + where + ", unit " + (k % Math.max(1, width) + 1) + ", on this row "
                        + "(it overflows); units cannot be scored on such rows");
            }
        }
    }

    private static void checkWidth(OnnxDenseModel model, String tensor, float[] values, int rows, int width) {
        if (values.length != (long) rows * width) {
            throw new InputException(model.source(), "tensor '" + tensor + "'", "holds " + values.length
                    + " values for " + rows + " rows; expected " + rows + " x " + width
                    + " (the dense chain must see one row of features per example)");
        }
    }

    /** Rows of the sample for {@code network}: {@link #SAMPLE_ROWS}, fewer where a pass costs too much. */
    static int sampleRows(DenseNetwork network) {
        long perRow = Math.max(1, network.parameterCount());
        return (int) Math.max(MIN_SAMPLE_ROWS, Math.min(SAMPLE_ROWS, SAMPLE_MULTIPLY_ADDS / perRow));
    }
}

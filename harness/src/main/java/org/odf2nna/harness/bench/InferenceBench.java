package org.odf2nna.harness.bench;

import java.util.List;
import java.util.Locale;
import org.odf2nna.Device;
import org.odf2nna.data.Batch;
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
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.prune.EpsilonRule;
import org.odf2nna.prune.Pruner;
import org.odf2nna.prune.UnitStatistics;

/**
 * Inference in ONNX Runtime, original model against the model shrunk at one ε (no retraining) or a given shrunk
 * model, and both with int8 weights in each form: latency of one row at a time (p50, p95 over many single-row runs)
 * and throughput in batches of 256, the session's run timed apart from building its input and reading its output.
 */
public final class InferenceBench {

    static final int BIG_BATCH = 256;

    private InferenceBench() {
    }

    /** One model measured: its name, graph, parameters, dense multiply-adds per row and session threads. */
    private record Model(String name, ModelProto graph, long parameters, long macs, int threads) {
    }

    /** The shrunk model measured, how it was made, and the ε it was shrunk at (NaN for a given file). */
    private record Shrunk(OnnxDenseModel model, String how, double epsilon) {
    }

    /** Per model and repeat: batch 1 p50 and p95 (µs), batch 256 pass (s, median batch scaled), total, outside (µs). */
    private record Timings(double[][] p50, double[][] p95, double[][] pass, double[][] passTotal,
            double[][] outside) {
    }

    /**
     * The benchmark with {@code o}'s rows, repeats, ε (NaN: the one closest to its reduction), shrunk model (a sweep's
     * output, or null to shrink at ε here), single-row runs per repeat, device, and the training rows of the model
     * when given (they calibrate the static int8 form; else the first rows of the data do, and the section says so).
     */
    public static BenchReport.Section run(OnnxDenseModel model, BenchOptions o) {
        java.nio.file.Path csv = o.inputs().data();
        java.nio.file.Path train = o.inputs().trainFor(o.inputs().model());
        BenchRows.Loaded loaded = BenchRows.load(model, csv, o.measure().rows(), BIG_BATCH);
        Shrunk shrunk = shrink(model, loaded, o);
        DenseNetwork network = model.network();
        DenseNetwork pruned = shrunk.model().network();
        List<Model> models = models(model, shrunk.model(), train != null ? train : csv);
        int single = Math.min(o.inference().latencyRows(), loaded.rows());
        BenchReport.Section section = new BenchReport.Section("inference",
                "ONNX Runtime inference, original vs shrunk model, float and int8 (batch 1 latency, batch 256 "
                        + "throughput; the session's run timed apart from building its input and reading its output)",
                "model", "parameters", "batch 1 p50 µs", "batch 1 p95 µs", "batch 256 rows/s",
                "batch 256 s per pass", "per call outside the run, µs");
        section.setting("original", model.source() + " (" + network.architecture() + ", " + network.parameterCount()
                + " parameters)");
        section.setting("shrunk", shrunk.how());
        section.setting("int8", "int8: every layer on integer kernels, inputs quantized at run time "
                + "(DynamicQuantizeLinear → MatMulInteger → Cast → Mul, fused by ONNX Runtime into "
                + "DynamicQuantizeMatMul); int8-static: inputs quantized with scales calibrated on the first "
                + Int8Choice.CALIBRATION_ROWS + " rows of " + (train != null ? train : csv + " (no training rows given: "
                + "the data rows)") + " (QuantizeLinear → QGemm → QGemm ..., ONNX Runtime's com.microsoft QGemm, the "
                + "ReLU its clamp at zero point 0); int8-weights: weight-only (DequantizeLinear → Gemm)");
        section.setting("rows", loaded.rows() + " from " + csv + " for batch 256 (" + loaded.batches().size()
                + " runs); the first " + single + " one at a time for batch 1; " + o.measure().repeats()
                + " repeats, models interleaved, after a warm-up of each");
        section.setting("threads", "ONNX Runtime's default intra-op threads (one per core) unless the row says 1");
        section.setting("device", o.measure().device().name().toLowerCase(Locale.ROOT));
        Timings t = measure(model, models, loaded, single, o);
        report(section, models, t, loaded);
        section.figure("macRatio", (double) models.get(0).macs() / models.get(1).macs())
                .figure("reduction", 1 - (double) pruned.parameterCount() / network.parameterCount());
        if (!Double.isNaN(shrunk.epsilon())) {
            section.figure("epsilon", shrunk.epsilon());
        }
        section.note(String.format(Locale.ROOT, "Batch 1 latency and batch 256 throughput are ratios of the "
                + "interleaved repeats (median, min–max). The shrunk model has %.2f× fewer dense multiply-adds per "
                + "row than the original (%d against %d).", (double) models.get(0).macs() / models.get(1).macs(),
                models.get(1).macs(), models.get(0).macs()));
        defaultForm(section, t.p50(), t.pass());
        section.note("Times are the session's run alone; the last column is what a call adds around it (building "
                + "the input tensor, reading the output), per row at batch 1. Batch 256 rows/s: from the median "
                + "batch's run of each repeat (steadier than a pass's total on a loaded machine); s per pass: the "
                + "total of the runs.");
        return section;
    }

    /** The given shrunk model, or the original shrunk at ε on the unit stds of the rows (no retraining). */
    private static Shrunk shrink(OnnxDenseModel model, BenchRows.Loaded loaded, BenchOptions o) {
        DenseNetwork network = model.network();
        BenchOptions.Inference asked = o.inference();
        if (asked.shrunk() != null) {
            OnnxDenseModel shrunk = ModelFiles.read(asked.shrunk());
            refuseInt8(shrunk, asked.shrunk());
            return new Shrunk(shrunk, asked.shrunk() + " (" + shrunk.network().architecture() + ", " + shrunk.network()
                    .parameterCount() + " parameters, " + String.format(Locale.ROOT, "%.1f%%", 100.0 * (1
                    - (double) shrunk.network().parameterCount() / network.parameterCount())) + " fewer)", Double.NaN);
        }
        UnitStatistics stats = ModelScan.scan(model, loaded.batches(), o.measure().device()).statistics();
        Reduction.Choice choice = Double.isNaN(asked.epsilon()) ? Reduction.closestTo(network, stats.stds(),
                asked.reduction()) : new Reduction.Choice(asked.epsilon(), Reduction.parametersAfter(network,
                        EpsilonRule.select(stats.stds(), asked.epsilon())), network.parameterCount());
        DenseNetwork pruned = Pruner.prune(network, stats, EpsilonRule.select(stats.stds(), choice.epsilon()));
        ModelProto written = DenseChainWriter.write(model, pruned);
        String how = String.format(Locale.ROOT, "ε = %s on the unit stds of these rows → %s, %d parameters (%.1f%% "
                + "fewer), no retraining", Stats.significant(choice.epsilon(), 4), pruned.architecture(),
                pruned.parameterCount(), 100 * choice.reduction());
        return new Shrunk(DenseChainReader.read(written, model.source()), how, choice.epsilon());
    }

    /** The models measured, in the order of the table. */
    private static List<Model> models(OnnxDenseModel model, OnnxDenseModel shrunk, java.nio.file.Path calibration) {
        DenseNetwork network = model.network();
        DenseNetwork pruned = shrunk.network();
        return List.of(
                new Model("original", model.model(), network.parameterCount(), macs(network), 0),
                new Model("shrunk", shrunk.model(), pruned.parameterCount(), macs(pruned), 0),
                new Model("shrunk, int8", int8(shrunk, true), pruned.parameterCount(), macs(pruned), 0),
                new Model("shrunk, int8-static", staticInt8(shrunk, calibration), pruned.parameterCount(),
                        macs(pruned), 0),
                new Model("shrunk, int8-weights", int8(shrunk, false), pruned.parameterCount(), macs(pruned), 0),
                new Model("shrunk, 1 thread", shrunk.model(), pruned.parameterCount(), macs(pruned), 1),
                new Model("original, int8", int8(model, true), network.parameterCount(), macs(network), 0),
                new Model("original, int8-weights", int8(model, false), network.parameterCount(), macs(network), 0));
    }

    /** Every model warmed up, then timed in {@code o.measure().repeats()} repeats, the order rotating each repeat. */
    private static Timings measure(OnnxDenseModel model, List<Model> models, BenchRows.Loaded loaded, int single,
            BenchOptions o) {
        int n = models.size();
        int repeats = o.measure().repeats();
        Timings t = new Timings(new double[n][repeats], new double[n][repeats], new double[n][repeats],
                new double[n][repeats], new double[n][repeats]);
        float[] singles = rowsOf(loaded.batches(), single, loaded.width());
        OnnxRunner[] runners = new OnnxRunner[n];
        String output = model.outputName();
        try {
            for (int m = 0; m < n; m++) {
                runners[m] = OnnxRunner.open(models.get(m).graph(), model.input(), o.measure().device(),
                        model.source(), models.get(m).threads());
                latencies(runners[m], output, singles, Math.min(single, 200), loaded.width(), new double[1]);
                throughput(runners[m], output, loaded.batches(), new double[1]);
            }
            for (int r = 0; r < repeats; r++) {
                for (int k = 0; k < n; k++) {
                    int m = (r + k) % n;
                    double[] around = new double[1];
                    double[] sorted = latencies(runners[m], output, singles, single, loaded.width(), around);
                    java.util.Arrays.sort(sorted);
                    t.p50()[m][r] = Stats.percentile(sorted, 0.5) * 1e6;
                    t.p95()[m][r] = Stats.percentile(sorted, 0.95) * 1e6;
                    t.outside()[m][r] = around[0] / single * 1e6;
                    double[] perBatch = throughput(runners[m], output, loaded.batches(), new double[1]);
                    t.passTotal()[m][r] = java.util.Arrays.stream(perBatch).sum();
                    // The median batch, scaled to the rows: steadier than the total on a machine others load.
                    t.pass()[m][r] = Stats.median(perBatch) * loaded.batches().size();
                }
            }
        } finally {
            for (OnnxRunner runner : runners) {
                if (runner != null) {
                    runner.close();
                }
            }
        }
        return t;
    }

    /** A row per model, the ratio rows, and the figures of each. */
    private static void report(BenchReport.Section section, List<Model> models, Timings t, BenchRows.Loaded loaded) {
        double[][] p50 = t.p50();
        double[][] p95 = t.p95();
        double[][] pass = t.pass();
        for (int m = 0; m < models.size(); m++) {
            section.row(models.get(m).name(), Long.toString(models.get(m).parameters()), Stats.of(p50[m]).format(3),
                    Stats.of(p95[m]).format(3), ScoringBench.rate(loaded.rows(), Stats.median(pass[m])),
                    Stats.of(t.passTotal()[m]).format(3), Stats.of(t.outside()[m]).format(3));
        }
        ratioRow(section, "shrunk / original", models, p50, p95, pass, 1, 0);
        ratioRow(section, "int8 / shrunk", models, p50, p95, pass, 2, 1);
        ratioRow(section, "int8-static / shrunk", models, p50, p95, pass, 3, 1);
        ratioRow(section, "int8-weights / shrunk", models, p50, p95, pass, 4, 1);
        ratioRow(section, "shrunk 1 thread / shrunk", models, p50, p95, pass, 5, 1);
        ratioRow(section, "original int8 / original", models, p50, p95, pass, 6, 0);
        ratioRow(section, "original int8-weights / original", models, p50, p95, pass, 7, 0);
        String[] keys = {"original", "shrunk", "int8", "int8Static", "int8Weights", "shrunk1Thread", "originalInt8",
            "originalInt8Weights"};
        for (int m = 0; m < models.size(); m++) {
            section.figure(keys[m] + "P50Micros", Stats.median(p50[m])).figure(keys[m] + "P95Micros",
                    Stats.median(p95[m])).figure(keys[m] + "RowsPerSecond", loaded.rows() / Stats.median(pass[m]))
                    .figure(keys[m] + "OutsideRunMicros", Stats.median(t.outside()[m]));
        }
        section.figure("p50LatencyRatio", Stats.of(Stats.ratios(p50[1], p50[0])).median())
                .figure("throughputSpeedup", Stats.of(Stats.ratios(pass[0], pass[1])).median())
                .figure("int8P50LatencyRatio", Stats.of(Stats.ratios(p50[2], p50[1])).median())
                .figure("int8ThroughputRatio", Stats.of(Stats.ratios(pass[1], pass[2])).median())
                .figure("int8StaticP50LatencyRatio", Stats.of(Stats.ratios(p50[3], p50[1])).median())
                .figure("int8StaticThroughputRatio", Stats.of(Stats.ratios(pass[1], pass[3])).median())
                .figure("int8WeightsP50LatencyRatio", Stats.of(Stats.ratios(p50[4], p50[1])).median())
                .figure("int8WeightsThroughputRatio", Stats.of(Stats.ratios(pass[1], pass[4])).median());
    }

    /**
     * The faster int8 form for this model at batch 1 of the two integer forms (median over the repeats); its ratios to
     * the float shrunk model. (Since issue 69 {@code --quantize int8} with training rows writes the static form
     * whatever this says; a dense chain without them, the dynamic one.)
     */
    private static void defaultForm(BenchReport.Section section, double[][] p50, double[][] pass) {
        boolean fixed = Stats.median(p50[3]) < Stats.median(p50[2]);
        int m = fixed ? 3 : 2;
        Stats.Summary latency = Stats.of(Stats.ratios(p50[m], p50[1]));
        Stats.Summary throughput = Stats.of(Stats.ratios(pass[1], pass[m]));
        section.figure("int8DefaultStatic", fixed ? 1 : 0).figure("int8DefaultP50LatencyRatio", latency.median())
                .figure("int8DefaultThroughputRatio", throughput.median());
        section.note(String.format(Locale.ROOT, "The faster int8 form for this model at batch 1 (--quantize int8 "
                + "with training rows writes the static one): %s, %.3g against %.3g µs; batch 1 latency %s of the float shrunk "
                + "model's, batch %d throughput ×%s.", fixed ? "static" : "dynamic", Stats.median(p50[m]),
                Stats.median(p50[fixed ? 2 : 3]), latency.format(3), BIG_BATCH, throughput.format(3)));
    }

    /** The model with every layer int8 in the static form, calibrated on the first rows of {@code train}. */
    private static ModelProto staticInt8(OnnxDenseModel model, java.nio.file.Path train) {
        float[] rows = org.odf2nna.graph.GraphRows.read(train, model.input().valuesPerRow() > 0
                ? model.input().valuesPerRow() : model.network().inputs(), null, Int8Choice.CALIBRATION_ROWS)
                .features();
        return Int8Choice.quantize(model.model(), model.source(), GraphQuantizer.Form.STATIC, model.input(), rows,
                GraphQuantizer.Operators.STANDARD).model();
    }

    private static void ratioRow(BenchReport.Section section, String name, List<Model> models, double[][] p50,
            double[][] p95, double[][] pass, int a, int b) {
        section.row(name, Stats.significant((double) models.get(a).parameters() / models.get(b).parameters(), 3),
                Stats.of(Stats.ratios(p50[a], p50[b])).format(3), Stats.of(Stats.ratios(p95[a], p95[b])).format(3),
                "×" + Stats.of(Stats.ratios(pass[b], pass[a])).format(3) + " rows/s", "", "");
    }

    /**
     * An int8 file as the shrunk model would be measured as float and then quantized a second time (its rows "int8"
     * and "int8-weights"): the benchmark wants the float model it came from, and makes both int8 forms itself.
     */
    static void refuseInt8(OnnxDenseModel shrunk, java.nio.file.Path file) {
        boolean int8 = Int8Quantization.integerKernels(shrunk.network()) || shrunk.model().getGraph()
                .getInitializerList().stream().anyMatch(t -> t.getDataType()
                        == org.odf2nna.onnx.proto.OnnxProto.TensorProto.DataType.INT8_VALUE);
        if (int8) {
            throw org.odf2nna.InputException.usage(file, "holds int8 weights already; give --shrunk the float model "
                    + "it was quantized from: the benchmark measures it as float, then as int8 on integer kernels and "
                    + "as int8-weights, each against the original");
        }
    }

    /** The model with every dense layer int8, on integer kernels or weight-only. */
    private static ModelProto int8(OnnxDenseModel model, boolean integerKernels) {
        boolean[] all = Int8Quantization.all(model.network());
        DenseNetwork quantized = Int8Quantization.quantize(model.network(), all, integerKernels);
        return Int8Weights.apply(DenseChainWriter.write(model, quantized), model, quantized, all);
    }

    private static long macs(DenseNetwork network) {
        long total = 0;
        for (org.odf2nna.network.DenseLayer layer : network.layers()) {
            total += (long) layer.inputs() * layer.units();
        }
        return total;
    }

    /**
     * Seconds of the session's run for each single-row run over the first {@code count} rows; {@code around[0]}
     * gets the seconds spent around the runs (input tensors, outputs).
     */
    static double[] latencies(OnnxRunner runner, String output, float[] rows, int count, int width,
            double[] around) {
        double[] seconds = new double[count];
        long outside = 0;
        for (int r = 0; r < count; r++) {
            long[] t = runner.timedRun(rows, r, 1, width, output);
            seconds[r] = t[0] / 1e9;
            outside += t[1];
        }
        around[0] = outside / 1e9;
        return seconds;
    }

    /** Seconds of the session's run for each batch; {@code around[0]} gets the seconds around them. */
    static double[] throughput(OnnxRunner runner, String output, List<Batch> batches, double[] around) {
        double[] seconds = new double[batches.size()];
        long outside = 0;
        for (int k = 0; k < seconds.length; k++) {
            Batch b = batches.get(k);
            long[] t = runner.timedRun(b.features(), 0, b.rows(), b.width(), output);
            seconds[k] = t[0] / 1e9;
            outside += t[1];
        }
        around[0] = outside / 1e9;
        return seconds;
    }

    private static float[] rowsOf(List<Batch> batches, int count, int width) {
        float[] out = new float[count * width];
        int at = 0;
        for (Batch b : batches) {
            int n = Math.min(b.rows(), count - at);
            System.arraycopy(b.features(), 0, out, at * width, n * width);
            at += n;
            if (at == count) {
                break;
            }
        }
        return out;
    }
}

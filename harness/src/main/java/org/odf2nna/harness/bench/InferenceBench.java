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

    /**
     * @param epsilon the ε to shrink at, or NaN to pick the one closest to {@code targetReduction}
     * @param shrunkFile a model already shrunk from {@code model} (a sweep's output), or null to shrink at ε here
     * @param latencyRows single-row runs per repeat and model
     */
    public static BenchReport.Section run(OnnxDenseModel model, java.nio.file.Path csv, int rows, int repeats,
            double epsilon, double targetReduction, java.nio.file.Path shrunkFile, int latencyRows, Device device) {
        BenchRows.Loaded loaded = BenchRows.load(model, csv, rows, BIG_BATCH);
        DenseNetwork network = model.network();
        OnnxDenseModel shrunkModel;
        String how;
        double chosenEpsilon = Double.NaN;
        if (shrunkFile != null) {
            shrunkModel = ModelFiles.read(shrunkFile);
            how = shrunkFile + " (" + shrunkModel.network().architecture() + ", " + shrunkModel.network()
                    .parameterCount() + " parameters, " + String.format(Locale.ROOT, "%.1f%%", 100.0 * (1
                    - (double) shrunkModel.network().parameterCount() / network.parameterCount())) + " fewer)";
        } else {
            UnitStatistics stats = ModelScan.scan(model, loaded.batches(), device).statistics();
            Reduction.Choice choice = Double.isNaN(epsilon) ? Reduction.closestTo(network, stats.stds(),
                    targetReduction) : new Reduction.Choice(epsilon, Reduction.parametersAfter(network,
                            EpsilonRule.select(stats.stds(), epsilon)), network.parameterCount());
            DenseNetwork pruned = Pruner.prune(network, stats, EpsilonRule.select(stats.stds(), choice.epsilon()));
            chosenEpsilon = choice.epsilon();
            ModelProto written = DenseChainWriter.write(model, pruned);
            shrunkModel = DenseChainReader.read(written, model.source());
            how = String.format(Locale.ROOT, "ε = %s on the unit stds of these rows → %s, %d parameters (%.1f%% "
                    + "fewer), no retraining", Stats.significant(choice.epsilon(), 4), pruned.architecture(),
                    pruned.parameterCount(), 100 * choice.reduction());
        }
        DenseNetwork pruned = shrunkModel.network();
        List<Model> models = List.of(
                new Model("original", model.model(), network.parameterCount(), macs(network), 0),
                new Model("shrunk", shrunkModel.model(), pruned.parameterCount(), macs(pruned), 0),
                new Model("shrunk, int8", int8(shrunkModel, true), pruned.parameterCount(), macs(pruned), 0),
                new Model("shrunk, int8-weights", int8(shrunkModel, false), pruned.parameterCount(), macs(pruned), 0),
                new Model("shrunk, 1 thread", shrunkModel.model(), pruned.parameterCount(), macs(pruned), 1),
                new Model("original, int8", int8(model, true), network.parameterCount(), macs(network), 0),
                new Model("original, int8-weights", int8(model, false), network.parameterCount(), macs(network), 0));

        int single = Math.min(latencyRows, loaded.rows());
        float[] singles = rowsOf(loaded.batches(), single, loaded.width());
        BenchReport.Section section = new BenchReport.Section("inference",
                "ONNX Runtime inference, original vs shrunk model, float and int8 (batch 1 latency, batch 256 "
                        + "throughput; the session's run timed apart from building its input and reading its output)",
                "model", "parameters", "batch 1 p50 µs", "batch 1 p95 µs", "batch 256 rows/s",
                "batch 256 s per pass", "per call outside the run, µs");
        section.setting("original", model.source() + " (" + network.architecture() + ", " + network.parameterCount()
                + " parameters)");
        section.setting("shrunk", how);
        section.setting("int8", "int8: every layer on integer kernels (DynamicQuantizeLinear → MatMulInteger → "
                + "Cast → Mul, fused by ONNX Runtime into DynamicQuantizeMatMul); int8-weights: weight-only "
                + "(DequantizeLinear → Gemm)");
        section.setting("rows", loaded.rows() + " from " + csv + " for batch 256 (" + loaded.batches().size()
                + " runs); the first " + single + " one at a time for batch 1; " + repeats
                + " repeats, models interleaved, after a warm-up of each");
        section.setting("threads", "ONNX Runtime's default intra-op threads (one per core) unless the row says 1");
        section.setting("device", device.name().toLowerCase(Locale.ROOT));

        int n = models.size();
        double[][] p50 = new double[n][repeats];
        double[][] p95 = new double[n][repeats];
        double[][] pass = new double[n][repeats];
        double[][] passTotal = new double[n][repeats];
        double[][] outside = new double[n][repeats];
        OnnxRunner[] runners = new OnnxRunner[n];
        String output = model.outputName();
        try {
            for (int m = 0; m < n; m++) {
                runners[m] = OnnxRunner.open(models.get(m).graph(), model.input(), device, model.source(),
                        models.get(m).threads());
                latencies(runners[m], output, singles, Math.min(single, 200), loaded.width(), new double[1]);
                throughput(runners[m], output, loaded.batches(), new double[1]);
            }
            for (int r = 0; r < repeats; r++) {
                for (int k = 0; k < n; k++) {
                    int m = (r + k) % n;
                    double[] around = new double[1];
                    double[] l = latencies(runners[m], output, singles, single, loaded.width(), around);
                    double[] sorted = l.clone();
                    java.util.Arrays.sort(sorted);
                    p50[m][r] = Stats.percentile(sorted, 0.5) * 1e6;
                    p95[m][r] = Stats.percentile(sorted, 0.95) * 1e6;
                    outside[m][r] = around[0] / single * 1e6;
                    double[] perBatch = throughput(runners[m], output, loaded.batches(), new double[1]);
                    passTotal[m][r] = java.util.Arrays.stream(perBatch).sum();
                    // The median batch, scaled to the rows: steadier than the total on a machine others load.
                    pass[m][r] = Stats.median(perBatch) * loaded.batches().size();
                }
            }
        } finally {
            for (OnnxRunner runner : runners) {
                if (runner != null) {
                    runner.close();
                }
            }
        }
        for (int m = 0; m < n; m++) {
            Stats.Summary t = Stats.of(passTotal[m]);
            section.row(models.get(m).name(), Long.toString(models.get(m).parameters()), Stats.of(p50[m]).format(3),
                    Stats.of(p95[m]).format(3), ScoringBench.rate(loaded.rows(), Stats.median(pass[m])), t.format(3),
                    Stats.of(outside[m]).format(3));
        }
        ratioRow(section, "shrunk / original", models, p50, p95, pass, 1, 0);
        ratioRow(section, "int8 / shrunk", models, p50, p95, pass, 2, 1);
        ratioRow(section, "int8-weights / shrunk", models, p50, p95, pass, 3, 1);
        ratioRow(section, "shrunk 1 thread / shrunk", models, p50, p95, pass, 4, 1);
        ratioRow(section, "original int8 / original", models, p50, p95, pass, 5, 0);
        ratioRow(section, "original int8-weights / original", models, p50, p95, pass, 6, 0);
        String[] keys = {"original", "shrunk", "int8", "int8Weights", "shrunk1Thread", "originalInt8",
            "originalInt8Weights"};
        for (int m = 0; m < n; m++) {
            section.figure(keys[m] + "P50Micros", Stats.median(p50[m])).figure(keys[m] + "P95Micros",
                    Stats.median(p95[m])).figure(keys[m] + "RowsPerSecond", loaded.rows() / Stats.median(pass[m]))
                    .figure(keys[m] + "OutsideRunMicros", Stats.median(outside[m]));
        }
        section.figure("p50LatencyRatio", Stats.of(Stats.ratios(p50[1], p50[0])).median())
                .figure("throughputSpeedup", Stats.of(Stats.ratios(pass[0], pass[1])).median())
                .figure("int8P50LatencyRatio", Stats.of(Stats.ratios(p50[2], p50[1])).median())
                .figure("int8ThroughputRatio", Stats.of(Stats.ratios(pass[1], pass[2])).median())
                .figure("int8WeightsP50LatencyRatio", Stats.of(Stats.ratios(p50[3], p50[1])).median())
                .figure("int8WeightsThroughputRatio", Stats.of(Stats.ratios(pass[1], pass[3])).median())
                .figure("macRatio", (double) models.get(0).macs() / models.get(1).macs())
                .figure("reduction", 1 - (double) pruned.parameterCount() / network.parameterCount());
        if (!Double.isNaN(chosenEpsilon)) {
            section.figure("epsilon", chosenEpsilon);
        }
        section.note(String.format(Locale.ROOT, "Batch 1 latency and batch 256 throughput are ratios of the "
                + "interleaved repeats (median, min–max). The shrunk model has %.2f× fewer dense multiply-adds per "
                + "row than the original (%d against %d).", (double) models.get(0).macs() / models.get(1).macs(),
                models.get(1).macs(), models.get(0).macs()));
        section.note("Times are the session's run alone; the last column is what a call adds around it (building "
                + "the input tensor, reading the output), per row at batch 1. Batch 256 rows/s: from the median "
                + "batch's run of each repeat (steadier than a pass's total on a loaded machine); s per pass: the "
                + "total of the runs.");
        return section;
    }

    private static void ratioRow(BenchReport.Section section, String name, List<Model> models, double[][] p50,
            double[][] p95, double[][] pass, int a, int b) {
        section.row(name, Stats.significant((double) models.get(a).parameters() / models.get(b).parameters(), 3),
                Stats.of(Stats.ratios(p50[a], p50[b])).format(3), Stats.of(Stats.ratios(p95[a], p95[b])).format(3),
                "×" + Stats.of(Stats.ratios(pass[b], pass[a])).format(3) + " rows/s", "", "");
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

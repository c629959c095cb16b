package org.odf2nna.harness.bench;

import java.util.List;
import java.util.Locale;
import org.odf2nna.Device;
import org.odf2nna.data.Batch;
import org.odf2nna.method.ModelScan;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.Int8Quantization;
import org.odf2nna.onnx.DenseChainWriter;
import org.odf2nna.onnx.Int8Weights;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.prune.EpsilonRule;
import org.odf2nna.prune.Pruner;
import org.odf2nna.prune.UnitSelection;
import org.odf2nna.prune.UnitStatistics;

/**
 * Inference in ONNX Runtime, original model against the model shrunk at one ε (no retraining), and the shrunk model
 * with int8 weights: latency of
 * one row at a time (p50, p95 over many single-row runs) and throughput in batches of 256.
 */
public final class InferenceBench {

    static final int BIG_BATCH = 256;

    private InferenceBench() {
    }

    /**
     * @param epsilon the ε to shrink at, or NaN to pick the one closest to {@code targetReduction}
     * @param latencyRows single-row runs per repeat and model
     */
    public static BenchReport.Section run(OnnxDenseModel model, java.nio.file.Path csv, int rows, int repeats,
            double epsilon, double targetReduction, int latencyRows, Device device) {
        BenchRows.Loaded loaded = BenchRows.load(model, csv, rows, BIG_BATCH);
        UnitStatistics stats = ModelScan.scan(model, loaded.batches(), device).statistics();
        DenseNetwork network = model.network();
        Reduction.Choice choice = Double.isNaN(epsilon) ? Reduction.closestTo(network, stats.stds(), targetReduction)
                : new Reduction.Choice(epsilon, Reduction.parametersAfter(network,
                        EpsilonRule.select(stats.stds(), epsilon)), network.parameterCount());
        UnitSelection selection = EpsilonRule.select(stats.stds(), choice.epsilon());
        DenseNetwork pruned = Pruner.prune(network, stats, selection);
        ModelProto shrunk = DenseChainWriter.write(model, pruned);
        ModelProto original = model.model();
        // The shrunk model with every weight int8 (convert --quantize int8 on it), measured in the same run.
        boolean[] all = Int8Quantization.all(pruned);
        DenseNetwork quantized = Int8Quantization.quantize(pruned, all);
        ModelProto int8 = Int8Weights.apply(DenseChainWriter.write(model, quantized), model, quantized, all);

        int single = Math.min(latencyRows, loaded.rows());
        float[] singles = rowsOf(loaded.batches(), single, loaded.width());
        BenchReport.Section section = new BenchReport.Section("inference",
                "ONNX Runtime inference, original vs shrunk model (batch 1 latency, batch 256 throughput)",
                "model", "parameters", "batch 1 p50 µs", "batch 1 p95 µs", "batch 256 rows/s",
                "batch 256 s per pass");
        section.setting("original", model.source() + " (" + network.architecture() + ", " + network.parameterCount()
                + " parameters)");
        section.setting("shrunk", String.format(Locale.ROOT, "ε = %s on the unit stds of these rows → %s, %d parameters"
                + " (%.1f%% fewer), no retraining", Stats.significant(choice.epsilon(), 4), pruned.architecture(),
                pruned.parameterCount(), 100 * choice.reduction()));
        section.setting("rows", loaded.rows() + " from " + csv + " for batch 256 (" + loaded.batches().size()
                + " runs); the first " + single + " one at a time for batch 1; " + repeats
                + " repeats, models interleaved, after a warm-up of each");
        section.setting("device", device.name().toLowerCase(Locale.ROOT));

        int models = 3;
        double[][] p50 = new double[models][repeats];
        double[][] p95 = new double[models][repeats];
        double[][] pass = new double[models][repeats];
        ModelProto[] graphs = {original, shrunk, int8};
        OnnxRunner[] runners = new OnnxRunner[models];
        try {
            for (int m = 0; m < models; m++) {
                runners[m] = OnnxRunner.open(graphs[m], model.input(), device, model.source());
                latencies(runners[m], model.outputName(), singles, Math.min(single, 200), loaded.width());
                throughput(runners[m], model.outputName(), loaded.batches());
            }
            for (int r = 0; r < repeats; r++) {
                for (int k = 0; k < models; k++) {
                    int m = (r + k) % models;
                    double[] l = latencies(runners[m], model.outputName(), singles, single, loaded.width());
                    double[] sorted = l.clone();
                    java.util.Arrays.sort(sorted);
                    p50[m][r] = Stats.percentile(sorted, 0.5) * 1e6;
                    p95[m][r] = Stats.percentile(sorted, 0.95) * 1e6;
                    pass[m][r] = throughput(runners[m], model.outputName(), loaded.batches());
                }
            }
        } finally {
            for (OnnxRunner runner : runners) {
                if (runner != null) {
                    runner.close();
                }
            }
        }
        String[] names = {"original", "shrunk", "shrunk, int8 weights"};
        long[] params = {network.parameterCount(), pruned.parameterCount(), pruned.parameterCount()};
        for (int m = 0; m < models; m++) {
            Stats.Summary t = Stats.of(pass[m]);
            section.row(names[m], Long.toString(params[m]), Stats.of(p50[m]).format(3), Stats.of(p95[m]).format(3),
                    ScoringBench.rate(loaded.rows(), t.median()), t.format(3));
        }
        Stats.Summary latencyRatio = Stats.of(Stats.ratios(p50[1], p50[0]));
        Stats.Summary p95Ratio = Stats.of(Stats.ratios(p95[1], p95[0]));
        Stats.Summary speedup = Stats.of(Stats.ratios(pass[0], pass[1]));
        section.row("shrunk / original", Stats.significant((double) params[1] / params[0], 3), latencyRatio.format(3),
                p95Ratio.format(3), "×" + speedup.format(3) + " rows/s", "");
        Stats.Summary int8Latency = Stats.of(Stats.ratios(p50[2], p50[1]));
        Stats.Summary int8Speedup = Stats.of(Stats.ratios(pass[1], pass[2]));
        section.row("int8 / shrunk", "", int8Latency.format(3), Stats.of(Stats.ratios(p95[2], p95[1])).format(3),
                "×" + int8Speedup.format(3) + " rows/s", "");
        section.figure("int8P50Micros", Stats.median(p50[2])).figure("int8P95Micros", Stats.median(p95[2]))
                .figure("int8RowsPerSecond", loaded.rows() / Stats.median(pass[2]))
                .figure("int8P50LatencyRatio", int8Latency.median()).figure("int8ThroughputRatio", int8Speedup.median());
        section.note(String.format(Locale.ROOT, "int8 weights (DequantizeLinear into Gemm, weight-only): batch 1 "
                + "median latency %s of the float shrunk model's; batch 256: %s× its rows per second.",
                int8Latency.format(3), int8Speedup.format(3)));
        section.figure("epsilon", choice.epsilon()).figure("reduction", choice.reduction())
                .figure("originalP50Micros", Stats.median(p50[0])).figure("shrunkP50Micros", Stats.median(p50[1]))
                .figure("originalP95Micros", Stats.median(p95[0])).figure("shrunkP95Micros", Stats.median(p95[1]))
                .figure("originalRowsPerSecond", loaded.rows() / Stats.median(pass[0]))
                .figure("shrunkRowsPerSecond", loaded.rows() / Stats.median(pass[1]))
                .figure("p50LatencyRatio", latencyRatio.median()).figure("throughputSpeedup", speedup.median());
        section.note(String.format(Locale.ROOT, "Batch 1: the shrunk model's median latency is %s of the original's; "
                + "batch 256: it passes %s× as many rows per second.", latencyRatio.format(3), speedup.format(3)));
        return section;
    }

    /** Seconds of each single-row run over the first {@code count} rows. */
    static double[] latencies(OnnxRunner runner, String output, float[] rows, int count, int width) {
        List<String> outputs = List.of(output);
        double[] seconds = new double[count];
        float[] one = new float[width];
        for (int r = 0; r < count; r++) {
            System.arraycopy(rows, r * width, one, 0, width);
            long start = System.nanoTime();
            runner.run(one, 1, width, outputs);
            seconds[r] = (System.nanoTime() - start) / 1e9;
        }
        return seconds;
    }

    static double throughput(OnnxRunner runner, String output, List<Batch> batches) {
        List<String> outputs = List.of(output);
        long start = System.nanoTime();
        for (Batch b : batches) {
            runner.run(b.features(), b.rows(), b.width(), outputs);
        }
        return (System.nanoTime() - start) / 1e9;
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

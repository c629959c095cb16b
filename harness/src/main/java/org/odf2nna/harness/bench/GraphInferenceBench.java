package org.odf2nna.harness.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.graph.GraphRows;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/**
 * {@code bench inference --pruned}: any ONNX model against a pruned copy of it (a graph sweep's output, say), batch-1
 * latency and batch-64 throughput in ONNX Runtime, the two models interleaved in one run.
 */
public final class GraphInferenceBench {

    static final int BATCH = 64;

    private GraphInferenceBench() {
    }

    public static BenchReport.Section run(Path original, Path pruned, Path csv, int rows, int repeats,
            int latencyRows, Device device) {
        ModelProto[] models = {OnnxModelFile.read(original), OnnxModelFile.read(pruned)};
        InputSignature input = GraphRows.dataInput(models[0], original);
        InputSignature other = GraphRows.dataInput(models[1], pruned);
        if (input.valuesPerRow() != other.valuesPerRow()) {
            throw InputException.usage(pruned, "input '" + other.name() + "' takes " + other.valuesPerRow()
                    + " values per row, the original's " + input.valuesPerRow());
        }
        GraphRows data = GraphRows.read(csv, input.valuesPerRow(), null, rows > 0 ? rows : 10_000);
        int width = data.width();
        int single = Math.min(latencyRows, data.count());
        long[] parameters = new long[2];
        for (int m = 0; m < 2; m++) {
            parameters[m] = models[m].getGraph().getInitializerList().stream()
                    .mapToLong(t -> t.getDimsList().stream().mapToLong(Long::longValue).reduce(1, (a, b) -> a * b))
                    .sum();
        }
        BenchReport.Section section = new BenchReport.Section("inference",
                "ONNX Runtime inference, original vs pruned graph (batch 1 latency, batch " + BATCH + " throughput)",
                "model", "parameters", "batch 1 p50 µs", "batch 1 p95 µs", "batch " + BATCH + " rows/s");
        section.setting("original", original.toString());
        section.setting("pruned", pruned.toString());
        section.setting("rows", data.count() + " from " + csv + " in batches of " + BATCH + "; the first " + single
                + " one at a time for batch 1; " + repeats + " repeats, models interleaved, after a warm-up of each");
        section.setting("device", device.name().toLowerCase(Locale.ROOT));
        double[][] p50 = new double[2][repeats];
        double[][] p95 = new double[2][repeats];
        double[][] pass = new double[2][repeats];
        OnnxRunner[] runners = new OnnxRunner[2];
        String[] outputs = new String[2];
        try {
            for (int m = 0; m < 2; m++) {
                Path file = m == 0 ? original : pruned;
                runners[m] = OnnxRunner.open(GraphRows.runnable(models[m], input), GraphRows.dataInput(models[m],
                        file), device, file);
                outputs[m] = models[m].getGraph().getOutput(0).getName();
                latencies(runners[m], outputs[m], data.features(), Math.min(single, 100), width);
                throughput(runners[m], outputs[m], data.features(), data.count(), width);
            }
            for (int r = 0; r < repeats; r++) {
                for (int k = 0; k < 2; k++) {
                    int m = (r + k) % 2;
                    double[] l = latencies(runners[m], outputs[m], data.features(), single, width);
                    Arrays.sort(l);
                    p50[m][r] = Stats.percentile(l, 0.5) * 1e6;
                    p95[m][r] = Stats.percentile(l, 0.95) * 1e6;
                    pass[m][r] = throughput(runners[m], outputs[m], data.features(), data.count(), width);
                }
            }
        } finally {
            for (OnnxRunner runner : runners) {
                if (runner != null) {
                    runner.close();
                }
            }
        }
        String[] names = {"original", "pruned"};
        for (int m = 0; m < 2; m++) {
            section.row(names[m], Long.toString(parameters[m]), Stats.of(p50[m]).format(3),
                    Stats.of(p95[m]).format(3), ScoringBench.rate(data.count(), Stats.median(pass[m])));
        }
        Stats.Summary latency = Stats.of(Stats.ratios(p50[1], p50[0]));
        Stats.Summary speedup = Stats.of(Stats.ratios(pass[0], pass[1]));
        section.row("pruned / original", Stats.significant((double) parameters[1] / parameters[0], 3),
                latency.format(3), Stats.of(Stats.ratios(p95[1], p95[0])).format(3), "×" + speedup.format(3));
        section.figure("originalP50Micros", Stats.median(p50[0])).figure("prunedP50Micros", Stats.median(p50[1]))
                .figure("originalRowsPerSecond", data.count() / Stats.median(pass[0]))
                .figure("prunedRowsPerSecond", data.count() / Stats.median(pass[1]))
                .figure("p50LatencyRatio", latency.median()).figure("throughputSpeedup", speedup.median());
        section.note(String.format(Locale.ROOT, "Batch 1: the pruned model's median latency is %s of the original's; "
                + "batch %d: it passes %s× as many rows per second.", latency.format(3), BATCH, speedup.format(3)));
        return section;
    }

    private static double[] latencies(OnnxRunner runner, String output, float[] rows, int count, int width) {
        double[] seconds = new double[count];
        float[] one = new float[width];
        for (int r = 0; r < count; r++) {
            System.arraycopy(rows, r * width, one, 0, width);
            long start = System.nanoTime();
            runner.run(one, 1, width, List.of(output));
            seconds[r] = (System.nanoTime() - start) / 1e9;
        }
        return seconds;
    }

    private static double throughput(OnnxRunner runner, String output, float[] rows, int count, int width) {
        long start = System.nanoTime();
        for (int at = 0; at < count; at += BATCH) {
            int n = Math.min(BATCH, count - at);
            runner.run(Arrays.copyOfRange(rows, at * width, (at + n) * width), n, width, List.of(output));
        }
        return (System.nanoTime() - start) / 1e9;
    }
}

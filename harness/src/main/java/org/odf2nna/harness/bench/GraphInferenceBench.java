package org.odf2nna.harness.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.api.OnnxSession;
import org.odf2nna.api.Rows;

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
        double[][] p50 = new double[2][repeats];
        double[][] p95 = new double[2][repeats];
        double[][] pass = new double[2][repeats];
        OnnxSession[] runners = new OnnxSession[2];
        long[] parameters = new long[2];
        Rows data;
        int single;
        try {
            for (int m = 0; m < 2; m++) {
                runners[m] = OnnxSession.open(m == 0 ? original : pruned, device);
                parameters[m] = runners[m].parameters();
            }
            if (runners[0].valuesPerRow() != runners[1].valuesPerRow()) {
                throw InputException.usage(pruned, "input '" + runners[1].input() + "' takes "
                        + runners[1].valuesPerRow() + " values per row, the original's " + runners[0].valuesPerRow());
            }
            data = runners[0].readRows(csv, rows > 0 ? rows : 10_000);
            single = Math.min(latencyRows, data.count());
            for (int m = 0; m < 2; m++) {
                latencies(runners[m], data, Math.min(single, 100));
                throughput(runners[m], data);
            }
            for (int r = 0; r < repeats; r++) {
                for (int k = 0; k < 2; k++) {
                    int m = (r + k) % 2;
                    double[] l = latencies(runners[m], data, single);
                    Arrays.sort(l);
                    p50[m][r] = Stats.percentile(l, 0.5) * 1e6;
                    p95[m][r] = Stats.percentile(l, 0.95) * 1e6;
                    pass[m][r] = throughput(runners[m], data);
                }
            }
        } finally {
            for (OnnxSession runner : runners) {
                if (runner != null) {
                    runner.close();
                }
            }
        }
        BenchReport.Section section = new BenchReport.Section("inference",
                "ONNX Runtime inference, original vs pruned graph (batch 1 latency, batch " + BATCH + " throughput)",
                "model", "parameters", "batch 1 p50 µs", "batch 1 p95 µs", "batch " + BATCH + " rows/s");
        section.setting("original", original.toString());
        section.setting("pruned", pruned.toString());
        section.setting("rows", data.count() + " from " + csv + " in batches of " + BATCH + "; the first " + single
                + " one at a time for batch 1; " + repeats + " repeats, models interleaved, after a warm-up of each");
        section.setting("device", device.name().toLowerCase(Locale.ROOT));
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

    private static double[] latencies(OnnxSession runner, Rows rows, int count) {
        int width = rows.width();
        double[] seconds = new double[count];
        float[] one = new float[width];
        for (int r = 0; r < count; r++) {
            System.arraycopy(rows.features(), r * width, one, 0, width);
            long start = System.nanoTime();
            runner.run(one, 1);
            seconds[r] = (System.nanoTime() - start) / 1e9;
        }
        return seconds;
    }

    private static double throughput(OnnxSession runner, Rows rows) {
        int width = rows.width();
        int count = rows.count();
        long start = System.nanoTime();
        for (int at = 0; at < count; at += BATCH) {
            int n = Math.min(BATCH, count - at);
            runner.run(Arrays.copyOfRange(rows.features(), at * width, (at + n) * width), n);
        }
        return (System.nanoTime() - start) / 1e9;
    }
}

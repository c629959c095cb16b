package org.odf2nna.harness.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.api.OnnxModel;
import org.odf2nna.api.OnnxSession;
import org.odf2nna.api.Rows;
import org.odf2nna.api.UnitScores;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.settings.Quantize;

/**
 * Inference in ONNX Runtime, an original model against a smaller one, the models opened side by side and timed
 * interleaved: latency of one row at a time (p50, p95 over many single-row runs) and throughput in batches. The pair is
 * either a dense chain against the model shrunk at one ε (no retraining) or a given shrunk model, both also with int8
 * weights in each form, in batches of 256, the session's run timed apart from building its input and reading its output
 * ({@link #run(OnnxModel, BenchOptions)}); or any ONNX model against a pruned copy of it ({@code bench inference
 * --pruned}: a graph sweep's output, say), in batches of 64, the whole call timed
 * ({@link #run(Path, Path, Path, int, int, int, Device)}). The measuring is one ({@link #measure}); how a run is timed is
 * the pair's {@link RunClock}, and each pair keeps its own table.
 */
public final class InferenceBench {

    static final int BIG_BATCH = 256;
    /** The batch of the {@code --pruned} pair's throughput. */
    static final int PRUNED_BATCH = 64;

    private InferenceBench() {
    }

    /**
     * One model measured: its name, the model and the form it runs in (its calibration rows for the static int8 form),
     * parameters, dense multiply-adds per row and session threads.
     */
    private record Model(String name, OnnxModel model, Quantize form, Path calibration, long parameters,
            long macs, int threads) {

        OnnxSession open(Device device) {
            return model.session(form, calibration, device, threads);
        }
    }

    /** The shrunk model measured, how it was made, and the ε it was shrunk at (NaN for a given file). */
    private record Shrunk(OnnxModel model, String how, double epsilon) {
    }

    /**
     * Per model and repeat: batch 1 p50 and p95 (µs), the batch pass (s: the median batch scaled to all, and the total)
     * and what a call adds around the run at batch 1 (µs per row; 0 where the clock times the whole call).
     */
    private record Timings(double[][] p50, double[][] p95, double[][] pass, double[][] passTotal,
            double[][] outside) {
    }

    /**
     * The benchmark with {@code o}'s rows, repeats, ε (NaN: the one closest to its reduction), shrunk model (a sweep's
     * output, or null to shrink at ε here), single-row runs per repeat, device, and the training rows of the model
     * when given (they calibrate the static int8 form; else the first rows of the data do, and the section says so).
     */
    public static BenchReport.Section run(OnnxModel model, BenchOptions o) {
        Path csv = o.inputs().data();
        Path train = o.inputs().trainFor(o.inputs().model());
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
                + OnnxModel.CALIBRATION_ROWS + " rows of " + (train != null ? train : csv + " (no training rows given: "
                + "the data rows)") + " (QuantizeLinear → QGemm → QGemm ..., ONNX Runtime's com.microsoft QGemm, the "
                + "ReLU its clamp at zero point 0); int8-weights: weight-only (DequantizeLinear → Gemm)");
        section.setting("rows", loaded.rows() + " from " + csv + " for batch 256 (" + loaded.batches().size()
                + " runs); the first " + single + " one at a time for batch 1; " + o.measure().repeats()
                + " repeats, models interleaved, after a warm-up of each");
        section.setting("threads", "ONNX Runtime's default intra-op threads (one per core) unless the row says 1");
        section.setting("device", o.measure().device().name().toLowerCase(Locale.ROOT));
        Timings t = measure(models, new RunClock.SessionRun(rowsOf(loaded.batches(), single, loaded.width()),
                loaded.batches()), single, o);
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

    /**
     * {@code bench inference --pruned}: any ONNX model against a pruned copy of it (a graph sweep's output, say), batch
     * 1 latency and batch {@value #PRUNED_BATCH} throughput, the whole call timed, on the first {@code rows} rows of
     * {@code csv} (≤ 0: 10 000) read as the original takes them.
     */
    public static BenchReport.Section run(Path original, Path pruned, Path csv, int rows, int repeats,
            int latencyRows, Device device) {
        OnnxSession[] sessions = new OnnxSession[2];
        long[] parameters = new long[2];
        Rows data;
        int single;
        Timings t;
        try {
            for (int m = 0; m < 2; m++) {
                sessions[m] = OnnxSession.open(m == 0 ? original : pruned, device);
                parameters[m] = sessions[m].parameters();
            }
            if (sessions[0].valuesPerRow() != sessions[1].valuesPerRow()) {
                throw InputException.usage(pruned, "input '" + sessions[1].input() + "' takes "
                        + sessions[1].valuesPerRow() + " values per row, the original's "
                        + sessions[0].valuesPerRow());
            }
            data = sessions[0].readRows(csv, rows > 0 ? rows : 10_000);
            single = Math.min(latencyRows, data.count());
            t = measure(sessions, new RunClock.WholeCall(data, PRUNED_BATCH), single, Math.min(single, 100), repeats);
        } finally {
            close(sessions);
        }
        BenchReport.Section section = new BenchReport.Section("inference",
                "ONNX Runtime inference, original vs pruned graph (batch 1 latency, batch " + PRUNED_BATCH
                        + " throughput)",
                "model", "parameters", "batch 1 p50 µs", "batch 1 p95 µs", "batch " + PRUNED_BATCH + " rows/s");
        section.setting("original", original.toString());
        section.setting("pruned", pruned.toString());
        section.setting("rows", data.count() + " from " + csv + " in batches of " + PRUNED_BATCH + "; the first "
                + single + " one at a time for batch 1; " + repeats + " repeats, models interleaved, after a warm-up "
                + "of each");
        section.setting("device", device.name().toLowerCase(Locale.ROOT));
        reportPruned(section, parameters, t, data.count());
        return section;
    }

    /** The --pruned pair's rows, ratio row, figures and note; throughput from each repeat's whole pass. */
    private static void reportPruned(BenchReport.Section section, long[] parameters, Timings t, int rows) {
        double[][] p50 = t.p50();
        double[][] p95 = t.p95();
        double[][] pass = t.passTotal();
        String[] names = {"original", "pruned"};
        for (int m = 0; m < 2; m++) {
            section.row(names[m], Long.toString(parameters[m]), Stats.of(p50[m]).format(3),
                    Stats.of(p95[m]).format(3), ScoringBench.rate(rows, Stats.median(pass[m])));
        }
        Stats.Summary latency = Stats.of(Stats.ratios(p50[1], p50[0]));
        Stats.Summary speedup = Stats.of(Stats.ratios(pass[0], pass[1]));
        section.row("pruned / original", Stats.significant((double) parameters[1] / parameters[0], 3),
                latency.format(3), Stats.of(Stats.ratios(p95[1], p95[0])).format(3), "×" + speedup.format(3));
        section.figure("originalP50Micros", Stats.median(p50[0])).figure("prunedP50Micros", Stats.median(p50[1]))
                .figure("originalRowsPerSecond", rows / Stats.median(pass[0]))
                .figure("prunedRowsPerSecond", rows / Stats.median(pass[1]))
                .figure("p50LatencyRatio", latency.median()).figure("throughputSpeedup", speedup.median());
        section.note(String.format(Locale.ROOT, "Batch 1: the pruned model's median latency is %s of the original's; "
                + "batch %d: it passes %s× as many rows per second.", latency.format(3), PRUNED_BATCH,
                speedup.format(3)));
    }

    /** The given shrunk model, or the original shrunk at ε on the unit stds of the rows (no retraining). */
    private static Shrunk shrink(OnnxModel model, BenchRows.Loaded loaded, BenchOptions o) {
        DenseNetwork network = model.network();
        BenchOptions.Inference asked = o.inference();
        if (asked.shrunk() != null) {
            OnnxModel shrunk = OnnxModel.read(asked.shrunk());
            refuseInt8(shrunk, asked.shrunk());
            return new Shrunk(shrunk, asked.shrunk() + " (" + shrunk.network().architecture() + ", " + shrunk.network()
                    .parameterCount() + " parameters, " + String.format(Locale.ROOT, "%.1f%%", 100.0 * (1
                    - (double) shrunk.network().parameterCount() / network.parameterCount())) + " fewer)", Double.NaN);
        }
        UnitScores stats = model.scoreUnits(loaded.batches(), o.measure().device());
        Reduction.Choice choice = Double.isNaN(asked.epsilon()) ? Reduction.closestTo(network, stats,
                asked.reduction()) : new Reduction.Choice(asked.epsilon(), Reduction.parametersAfter(network,
                        stats.keptAt(asked.epsilon())), network.parameterCount());
        OnnxModel shrunk = model.prunedAt(stats, choice.epsilon());
        DenseNetwork pruned = shrunk.network();
        String how = String.format(Locale.ROOT, "ε = %s on the unit stds of these rows → %s, %d parameters (%.1f%% "
                + "fewer), no retraining", Stats.significant(choice.epsilon(), 4), pruned.architecture(),
                pruned.parameterCount(), 100 * choice.reduction());
        return new Shrunk(shrunk, how, choice.epsilon());
    }

    /** The models measured, in the order of the table. */
    private static List<Model> models(OnnxModel model, OnnxModel shrunk, Path calibration) {
        long original = model.network().parameterCount();
        long pruned = shrunk.network().parameterCount();
        long macs = macs(model.network());
        long shrunkMacs = macs(shrunk.network());
        return List.of(
                new Model("original", model, Quantize.NONE, null, original, macs, 0),
                new Model("shrunk", shrunk, Quantize.NONE, null, pruned, shrunkMacs, 0),
                new Model("shrunk, int8", shrunk, Quantize.INT8_DYNAMIC, null, pruned, shrunkMacs, 0),
                new Model("shrunk, int8-static", shrunk, Quantize.INT8_STATIC, calibration, pruned, shrunkMacs, 0),
                new Model("shrunk, int8-weights", shrunk, Quantize.INT8_WEIGHTS, null, pruned, shrunkMacs, 0),
                new Model("shrunk, 1 thread", shrunk, Quantize.NONE, null, pruned, shrunkMacs, 1),
                new Model("original, int8", model, Quantize.INT8_DYNAMIC, null, original, macs, 0),
                new Model("original, int8-weights", model, Quantize.INT8_WEIGHTS, null, original, macs, 0));
    }

    /** The models opened, then {@link #measure measured} with {@code clock}, a warm-up of up to 200 rows. */
    private static Timings measure(List<Model> models, RunClock clock, int single, BenchOptions o) {
        OnnxSession[] sessions = new OnnxSession[models.size()];
        try {
            for (int m = 0; m < sessions.length; m++) {
                sessions[m] = models.get(m).open(o.measure().device());
            }
            return measure(sessions, clock, single, Math.min(single, 200), o.measure().repeats());
        } finally {
            close(sessions);
        }
    }

    /**
     * Every session warmed up ({@code warmRows} single rows and a pass of the batches), then timed in {@code repeats}
     * repeats, the order rotating each repeat: {@code single} single-row runs and a pass of the batches each.
     */
    private static Timings measure(OnnxSession[] sessions, RunClock clock, int single, int warmRows, int repeats) {
        int n = sessions.length;
        Timings t = new Timings(new double[n][repeats], new double[n][repeats], new double[n][repeats],
                new double[n][repeats], new double[n][repeats]);
        for (OnnxSession session : sessions) {
            clock.latencies(session, warmRows, new double[1]);
            clock.batches(session, new double[1]);
        }
        for (int r = 0; r < repeats; r++) {
            for (int k = 0; k < n; k++) {
                int m = (r + k) % n;
                double[] around = new double[1];
                double[] sorted = clock.latencies(sessions[m], single, around);
                java.util.Arrays.sort(sorted);
                t.p50()[m][r] = Stats.percentile(sorted, 0.5) * 1e6;
                t.p95()[m][r] = Stats.percentile(sorted, 0.95) * 1e6;
                t.outside()[m][r] = around[0] / single * 1e6;
                double[] perBatch = clock.batches(sessions[m], new double[1]);
                t.passTotal()[m][r] = java.util.Arrays.stream(perBatch).sum();
                // The median batch, scaled to the rows: steadier than the total on a machine others load.
                t.pass()[m][r] = Stats.median(perBatch) * perBatch.length;
            }
        }
        return t;
    }

    private static void close(OnnxSession[] sessions) {
        for (OnnxSession session : sessions) {
            if (session != null) {
                session.close();
            }
        }
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
    static void refuseInt8(OnnxModel shrunk, Path file) {
        if (shrunk.storesInt8()) {
            throw InputException.usage(file, "holds int8 weights already; give --shrunk the float model "
                    + "it was quantized from: the benchmark measures it as float, then as int8 on integer kernels and "
                    + "as int8-weights, each against the original");
        }
    }

    private static long macs(DenseNetwork network) {
        long total = 0;
        for (org.odf2nna.network.DenseLayer layer : network.layers()) {
            total += (long) layer.inputs() * layer.units();
        }
        return total;
    }

    private static float[] rowsOf(List<Rows> batches, int count, int width) {
        float[] out = new float[count * width];
        int at = 0;
        for (Rows b : batches) {
            int n = Math.min(b.count(), count - at);
            System.arraycopy(b.features(), 0, out, at * width, n * width);
            at += n;
            if (at == count) {
                break;
            }
        }
        return out;
    }
}

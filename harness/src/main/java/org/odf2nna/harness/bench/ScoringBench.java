package org.odf2nna.harness.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.odf2nna.Device;
import org.odf2nna.Progress;
import org.odf2nna.api.OnnxModel;
import org.odf2nna.api.OnnxSession;
import org.odf2nna.api.Rows;
import org.odf2nna.api.UnitScores;
import org.odf2nna.settings.Quantize;

/**
 * Unit scoring throughput: {@link OnnxModel#scoreUnits(List, Device)} (the library's {@code ModelScan.scan}, the
 * paper's Algorithm 4: one session with every hidden activation exposed, per-unit moments) against one plain ONNX
 * Runtime inference pass of the same graph over the same batches, and against Algorithm 3 taken literally: one
 * truncated subgraph per hidden unit, each its own session over all rows.
 */
public final class ScoringBench {

    /** Target of the issue: scoring takes at most this many times a plain inference pass. */
    static final double TARGET_RATIO = 1.3;

    private ScoringBench() {
    }

    /**
     * @param alg3PerLayer units per layer to run Algorithm 3 on (evenly spaced; the total is extrapolated
     *                     from them), -1 for every unit, 0 to skip it
     */
    public static BenchReport.Section run(OnnxModel model, Path csv, int rows, int batchSize, int repeats,
            int alg3PerLayer, Device device) {
        BenchRows.Loaded loaded = BenchRows.load(model, csv, rows, batchSize);
        List<Rows> batches = loaded.batches();
        BenchReport.Section section = new BenchReport.Section("scoring",
                "unit scoring (Algorithm 4, one session) vs one plain ONNX Runtime pass vs Algorithm 3 per unit",
                "pass", "rows", "seconds: median (min–max)", "rows/s (median)", "× plain pass (median of per-repeat ratios)");
        section.setting("model", model.source() + " (" + model.network().architecture() + ", "
                + model.network().parameterCount() + " parameters, " + hiddenUnits(model) + " hidden units)");
        section.setting("rows", loaded.rows() + " from " + csv + (loaded.repeated() ? " (the file's " + loaded.fileRows()
                + " rows repeated)" : "") + ", pre-loaded; batches of " + batchSize + "; " + repeats
                + " repeats, interleaved, after one warm-up of each");
        section.setting("device", device.name().toLowerCase(Locale.ROOT));

        Runnable plain = () -> plainPass(model, batches, device);
        Runnable scan = () -> model.scoreUnits(batches, device);
        plain.run();
        UnitScores reference = model.scoreUnits(batches, device);
        double[] plainTimes = new double[repeats];
        double[] scanTimes = new double[repeats];
        double[] csvTimes = new double[repeats];
        long[] csvRows = new long[1];
        for (int r = 0; r < repeats; r++) {
            if (r % 2 == 0) {
                plainTimes[r] = Timer.seconds(plain);
                scanTimes[r] = Timer.seconds(scan);
            } else {
                scanTimes[r] = Timer.seconds(scan);
                plainTimes[r] = Timer.seconds(plain);
            }
            csvTimes[r] = Timer.seconds(() -> csvRows[0] = model.scoreUnits(csv, batchSize, null, device,
                    Progress.NONE).rows());
        }
        Stats.Summary p = Stats.of(plainTimes);
        Stats.Summary s = Stats.of(scanTimes);
        Stats.Summary ratio = Stats.of(Stats.ratios(scanTimes, plainTimes));
        Stats.Summary c = Stats.of(csvTimes);
        int n = loaded.rows();
        section.row("plain inference pass (original graph, output only)", Integer.toString(n), p.format(3),
                rate(n, p.median()), "1");
        section.row("scoring: ModelScan.scan (Algorithm 4)", Integer.toString(n), s.format(3), rate(n, s.median()),
                ratio.format(3));
        section.row("scoring incl. CSV parsing (whole file, from disk)", Long.toString(csvRows[0]), c.format(3),
                rate(csvRows[0], c.median()), "-");
        section.figure("rows", n).figure("plainSecondsMedian", p.median()).figure("scanSecondsMedian", s.median())
                .figure("scanOverPlainMedianRatio", ratio.median()).figure("scanOverPlainRatioMin", ratio.min())
                .figure("scanOverPlainRatioMax", ratio.max()).figure("scanWithCsvRows", csvRows[0])
                .figure("scanWithCsvSecondsMedian", c.median());
        section.note(String.format(Locale.ROOT, "Scoring / plain pass = %s (target ≤ %.1f×): %s.",
                ratio.format(3), TARGET_RATIO, ratio.median() <= TARGET_RATIO ? "met" : "NOT met"));

        if (alg3PerLayer != 0) {
            algorithm3(model, batches, alg3PerLayer, device, reference, s.median(), section);
        }
        return section;
    }

    /** One plain pass: the model's graph, its output alone, over the batches. */
    static void plainPass(OnnxModel model, List<Rows> batches, Device device) {
        try (OnnxSession session = model.session(Quantize.NONE, null, device, 0)) {
            for (Rows b : batches) {
                session.run(b.features(), b.count());
            }
        }
    }

    private static void algorithm3(OnnxModel model, List<Rows> batches, int perLayer, Device device,
            UnitScores onePass, double onePassSeconds, BenchReport.Section section) {
        int[] units = model.network().hiddenUnits();
        double estimate = 0;
        int measured = 0;
        int total = 0;
        double worstDifference = 0;
        for (int l = 0; l < units.length; l++) {
            int[] chosen = spread(units[l], perLayer);
            double[] seconds = new double[chosen.length];
            for (int k = 0; k < chosen.length; k++) {
                int unit = chosen[k];
                double[] std = new double[1];
                int layer = l;
                seconds[k] = Timer.seconds(() -> std[0] = oneUnit(model, layer, unit, batches, device));
                worstDifference = Math.max(worstDifference, Math.abs(std[0] - onePass.stds().get(l)[unit]));
            }
            Stats.Summary perUnit = Stats.of(seconds);
            double mean = java.util.Arrays.stream(seconds).average().orElse(Double.NaN);
            estimate += mean * units[l];
            measured += chosen.length;
            total += units[l];
            section.row("Algorithm 3, layer " + (l + 1) + ": one subgraph session per unit ("
                    + chosen.length + " of " + units[l] + " units timed)", Integer.toString(rowsOf(batches)),
                    perUnit.format(3) + " per unit", rate(rowsOf(batches), perUnit.median()),
                    Stats.significant(perUnit.median() / onePassSeconds, 3) + " per unit");
        }
        boolean extrapolated = measured < total;
        String label = extrapolated ? "Algorithm 3, all " + total + " units (EXTRAPOLATED from " + measured
                + " timed units: mean per unit × units, per layer)" : "Algorithm 3, all " + total + " units (measured)";
        section.row(label, Integer.toString(rowsOf(batches)), Stats.significant(estimate, 3),
                rate(rowsOf(batches), estimate), Stats.significant(estimate / onePassSeconds, 3));
        section.figure("alg3UnitsTimed", measured).figure("alg3Units", total)
                .figure("alg3TotalSeconds", estimate).figure("alg3Extrapolated", extrapolated)
                .figure("alg3OverAlg4", estimate / onePassSeconds)
                .figure("alg3MaxStdDifference", worstDifference);
        section.note(String.format(Locale.ROOT, "Algorithm 3 / Algorithm 4 = %s%s for %d hidden units (expected: of the "
                + "order of the number of units); the per-unit stds agree with the one-pass stds within %s.",
                Stats.significant(estimate / onePassSeconds, 3), extrapolated ? " (extrapolated)" : "", total,
                Stats.significant(worstDifference, 2)));
    }

    /** One unit as Algorithm 3 scores it: build its subgraph, open a session, run every row, take the std. */
    static double oneUnit(OnnxModel model, int layer, int unit, List<Rows> batches, Device device) {
        // Welford's running mean and sum of squared deviations, the population std as the one pass takes it.
        long n = 0;
        double mean = 0;
        double m2 = 0;
        try (OnnxSession session = model.unitSession(layer, unit, device)) {
            for (Rows b : batches) {
                for (float v : session.run(b.features(), b.count())) {
                    n++;
                    double d = v - mean;
                    mean += d / n;
                    m2 += d * (v - mean);
                }
            }
        }
        return n == 0 ? 0 : Math.sqrt(Math.max(0, m2 / n));
    }

    /** {@code k} unit indices spread evenly over {@code units} (all of them when k < 0 or k ≥ units). */
    static int[] spread(int units, int k) {
        if (k < 0 || k >= units) {
            int[] all = new int[units];
            for (int i = 0; i < units; i++) {
                all[i] = i;
            }
            return all;
        }
        int[] chosen = new int[k];
        for (int i = 0; i < k; i++) {
            chosen[i] = k == 1 ? units / 2 : (int) Math.round((double) i * (units - 1) / (k - 1));
        }
        return chosen;
    }

    private static int rowsOf(List<Rows> batches) {
        int n = 0;
        for (Rows b : batches) {
            n += b.count();
        }
        return n;
    }

    static String rate(long rows, double seconds) {
        return Stats.significant(rows / seconds, 3);
    }

    static int hiddenUnits(OnnxModel model) {
        int n = 0;
        for (int u : model.network().hiddenUnits()) {
            n += u;
        }
        return n;
    }
}

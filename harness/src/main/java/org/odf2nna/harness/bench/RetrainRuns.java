package org.odf2nna.harness.bench;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.odf2nna.api.Odf2nna;

/**
 * The runs of one retraining problem at one thread count, as {@link RetrainBench} makes them for either kind: each
 * repeat a child JVM of the TensorFlow probe and a PyTorch process, interleaved (who goes first alternates), each its
 * epoch times and CPU times; then both frameworks' epochs and the per-repeat ratios.
 */
final class RetrainRuns {

    /** How long one run may take. */
    private static final long RUN_LIMIT_SECONDS = 3600;

    final Epochs tf;
    final Epochs tfCpu;
    /** Null without PyTorch. */
    final Epochs torch;
    /** Null without PyTorch. */
    final Epochs torchCpu;
    /** The TensorFlow runs' weight hashes, where the probe gives one: one distinct hash means the same bits. */
    final Set<String> tfHashes;
    final String tfLoss;
    final String torchLoss;
    /** The TensorFlow Java runtime's version, as the probe printed it. */
    final String tfVersion;
    final Stats.Summary ratio;
    final Stats.Summary laterRatio;
    final Stats.Summary cpuRatio;

    private RetrainRuns(double[][][] times, Set<String> tfHashes, String[] losses, String tfVersion) {
        this.tf = Epochs.of(times[0]);
        this.tfCpu = Epochs.of(times[1]);
        boolean withTorch = times[2] != null;
        this.torch = withTorch ? Epochs.of(times[2]) : null;
        this.torchCpu = withTorch ? Epochs.of(times[3]) : null;
        this.tfHashes = tfHashes;
        this.tfLoss = losses[0];
        this.torchLoss = losses[1];
        this.tfVersion = tfVersion;
        this.ratio = withTorch ? Stats.of(Stats.ratios(tf.mean(), torch.mean())) : Stats.of();
        this.laterRatio = withTorch ? Stats.of(Stats.ratios(tf.later(), torch.later())) : Stats.of();
        this.cpuRatio = withTorch ? Stats.of(Stats.ratios(tfCpu.mean(), torchCpu.mean())) : Stats.of();
    }

    /**
     * Runs the problem in {@code dir} {@code plan.repeats()} times in each framework at {@code threads} threads.
     *
     * @param torchVersion null when PyTorch is not available: TensorFlow alone
     * @param probe        the TensorFlow probe's main class
     * @param label        the start of every log's name
     */
    static RetrainRuns interleaved(RetrainBench.Plan plan, String torchVersion, Class<?> probe, Path dir, String label,
            int threads) {
        int repeats = plan.repeats();
        double[][][] times = {new double[repeats][], new double[repeats][],
            torchVersion == null ? null : new double[repeats][], torchVersion == null ? null : new double[repeats][]};
        Set<String> hashes = new HashSet<>();
        String[] losses = {"-", "-"};
        String version = null;
        Path logs = plan.work().resolve("logs");
        for (int r = 0; r < repeats; r++) {
            for (int k = 0; k < 2; k++) {
                if ((r + k) % 2 == 0) {
                    JsonObject o = Child.run(Child.jvm(probe.getName(), List.of("-Xmx4g",
                            "-D" + Odf2nna.TENSORFLOW_THREADS_PROPERTY + "=" + threads), List.of(dir.toString())), logs,
                            label + "-tf" + threads + "-" + r, RUN_LIMIT_SECONDS);
                    times[0][r] = Child.doubles(o, "epochSeconds");
                    times[1][r] = Child.doubles(o, "epochCpuSeconds");
                    if (o.has("weightsHash")) {
                        hashes.add(o.get("weightsHash").getAsString());
                    }
                    losses[0] = lastLoss(o);
                    version = o.get("version").getAsString();
                } else if (torchVersion != null) {
                    JsonObject o = Child.run(List.of(plan.python(), plan.script().toString(), dir.toString(),
                            "--threads", Integer.toString(threads)), logs, label + "-torch" + threads + "-" + r,
                            RUN_LIMIT_SECONDS);
                    times[2][r] = Child.doubles(o, "epochSeconds");
                    times[3][r] = Child.doubles(o, "epochCpuSeconds");
                    losses[1] = lastLoss(o);
                }
            }
        }
        return new RetrainRuns(times, hashes, losses, version);
    }

    /** The CPU column: TensorFlow's CPU seconds per epoch / PyTorch's (their ratio). */
    String cpuCell() {
        return Stats.significant(Stats.median(tfCpu.mean()), 3) + " / "
                + (torchCpu == null ? "-" : Stats.significant(Stats.median(torchCpu.mean()), 3)
                + " (" + cpuRatio.format(3) + ")");
    }

    private static String lastLoss(JsonObject o) {
        var losses = o.getAsJsonArray("trainLoss");
        var last = losses.get(losses.size() - 1);
        return last.isJsonNull() ? "-" : Stats.significant(last.getAsDouble(), 4);
    }

    /** Per run: the mean epoch, the first epoch, the median of the later epochs. */
    record Epochs(double[] mean, double[] first, double[] later) {
        static Epochs of(double[][] runs) {
            int n = runs.length;
            double[] mean = new double[n];
            double[] first = new double[n];
            double[] later = new double[n];
            for (int r = 0; r < n; r++) {
                double[] e = runs[r];
                mean[r] = java.util.Arrays.stream(e).average().orElse(Double.NaN);
                first[r] = e.length > 0 ? e[0] : Double.NaN;
                later[r] = e.length > 1 ? Stats.median(java.util.Arrays.copyOfRange(e, 1, e.length)) : Double.NaN;
            }
            return new Epochs(mean, first, later);
        }

        String describe() {
            return Stats.of(mean).format(3) + " [" + Stats.significant(Stats.median(first), 3) + ", "
                    + Stats.significant(Stats.median(later), 3) + "]";
        }
    }
}

package org.odf2nna.harness.bench;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.odf2nna.Device;
import org.odf2nna.Progress;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.method.EvalData;
import org.odf2nna.method.ModelFiles;
import org.odf2nna.method.TrainingRows;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.settings.Task;
import org.odf2nna.settings.TrainingOptions;
import org.odf2nna.tf.Conditioning;
import org.odf2nna.tf.Loss;
import org.odf2nna.tf.TfSessions;
import org.odf2nna.tf.TrainingData;

/**
 * Retraining time per epoch: the tool's {@code DenseTrainer} (TensorFlow Java) against PyTorch on the same
 * network, starting weights, rows, batch size and optimizer, on the CPU with the same thread count. Each
 * run is a process of its own (TensorFlow sizes its thread pool once per process): a child JVM
 * ({@link RetrainProbe}) and scripts/bench_retrain_torch.py, interleaved.
 */
public final class RetrainBench {

    /** Target of the issue: TensorFlow Java's time per epoch at most PyTorch's. */
    static final double TARGET_RATIO = 1.0;

    /** A network and its training rows. */
    public record Case(String name, Path model, Path train) {
    }

    private RetrainBench() {
    }

    /**
     * @param maxRows  training rows to use at most (≤ 0: all), before the 80/20 validation split
     * @param threads  thread counts to compare at (1 always makes sense: the tool's default)
     * @param python   the Python with torch, or null to run TensorFlow only
     */
    public static BenchReport.Section run(List<Case> cases, int maxRows, int epochs, int batchSize, int repeats,
            List<Integer> threads, String python, Path script, Path work) {
        BenchReport.Section section = new BenchReport.Section("retrain",
                "retraining time per epoch, TensorFlow Java (DenseTrainer) vs PyTorch, CPU, same thread count",
                "network", "rows (train/val), steps/epoch", "threads", "TF Java s/epoch: mean [epoch 1, later]",
                "PyTorch s/epoch: mean [epoch 1, later]", "TF / PyTorch, mean epoch", "TF / PyTorch, later epochs",
                "CPU s/epoch TF / PyTorch (ratio)",
                "TF same bits every repeat", "last train loss TF / PyTorch");
        String torchVersion = python == null ? null : torchVersion(python, work);
        section.setting("method", "each run a fresh process (child JVM / " + (python == null ? "no Python" : python)
                + "), " + epochs + " epochs, batch " + batchSize + ", Adam lr 0.001, seed 0; an epoch = the "
                + "mini-batch steps + validation scoring + keeping the best weights, as in DenseTrainer; time per "
                + "epoch = the run's mean (total over epochs), also shown for epoch 1 and as the median of the later "
                + "epochs; medians over " + repeats + " repeats, frameworks interleaved; ratios are medians of "
                + "per-repeat ratios. CPU s = the process's CPU time (all its threads) per epoch, less disturbed by "
                + "other load than wall-clock time");
        section.setting("rows", "the model's training CSV through its prefix, standardised as retraining does "
                + "(Conditioning), split 80/20 with seed 0" + (maxRows > 0 ? ", at most " + maxRows + " rows" : ""));
        section.setting("TensorFlow threads", "intra-op threads from -D" + TfSessions.THREADS_PROPERTY
                + " (1 is the tool's default), inter-op 1");
        section.setting("PyTorch", torchVersion == null ? "not available (" + (python == null ? "not asked for"
                : python + " has no torch") + "): TensorFlow figures only" : torchVersion
                + ", torch.set_num_threads(threads), set_num_interop_threads(1)");
        List<Object> figures = new ArrayList<>();
        for (Case c : cases) {
            Path dir = work.resolve("retrain-" + c.name());
            int[] sizes = prepare(c, dir, maxRows, epochs, batchSize);
            for (int t : threads) {
                double[][] tf = new double[repeats][];
                double[][] torch = new double[repeats][];
                double[][] tfCpu = new double[repeats][];
                double[][] torchCpu = new double[repeats][];
                Set<String> tfHashes = new HashSet<>();
                String tfLoss = "-";
                String torchLoss = "-";
                for (int r = 0; r < repeats; r++) {
                    for (int k = 0; k < 2; k++) {
                        boolean tfTurn = (r + k) % 2 == 0;
                        if (tfTurn) {
                            JsonObject o = Child.run(Child.jvm(RetrainProbe.class.getName(),
                                    List.of("-Xmx4g", "-D" + TfSessions.THREADS_PROPERTY + "=" + t),
                                    List.of(dir.toString())), work.resolve("logs"),
                                    "retrain-" + c.name() + "-tf" + t + "-" + r, 3600);
                            tf[r] = Child.doubles(o, "epochSeconds");
                            tfCpu[r] = Child.doubles(o, "epochCpuSeconds");
                            tfHashes.add(o.get("weightsHash").getAsString());
                            tfLoss = lastLoss(o);
                            section.setting("TensorFlow", "TensorFlow Java runtime " + o.get("version").getAsString()
                                    + " (TensorFlow.version())");
                        } else if (torchVersion != null) {
                            JsonObject o = Child.run(List.of(python, script.toString(), dir.toString(), "--threads",
                                    Integer.toString(t)), work.resolve("logs"),
                                    "retrain-" + c.name() + "-torch" + t + "-" + r, 3600);
                            torch[r] = Child.doubles(o, "epochSeconds");
                            torchCpu[r] = Child.doubles(o, "epochCpuSeconds");
                            torchLoss = lastLoss(o);
                        }
                    }
                }
                int steps = (sizes[0] + batchSize - 1) / batchSize;
                Epochs tfTimes = Epochs.of(tf);
                Epochs torchTimes = torchVersion == null ? null : Epochs.of(torch);
                Epochs tfCpuTimes = Epochs.of(tfCpu);
                Epochs torchCpuTimes = torchVersion == null ? null : Epochs.of(torchCpu);
                Stats.Summary ratio = Stats.of();
                Stats.Summary laterRatio = Stats.of();
                Stats.Summary cpuRatio = Stats.of();
                if (torchTimes != null) {
                    ratio = Stats.of(Stats.ratios(tfTimes.mean, torchTimes.mean));
                    laterRatio = Stats.of(Stats.ratios(tfTimes.later, torchTimes.later));
                    cpuRatio = Stats.of(Stats.ratios(tfCpuTimes.mean, torchCpuTimes.mean));
                }
                section.row(c.name() + " (" + sizes[2] + " parameters)", sizes[0] + "/" + sizes[1] + ", " + steps,
                        Integer.toString(t), tfTimes.describe(), torchTimes == null ? "-" : torchTimes.describe(),
                        ratio.format(3), laterRatio.format(3),
                        Stats.significant(Stats.median(tfCpuTimes.mean), 3) + " / "
                                + (torchCpuTimes == null ? "-" : Stats.significant(Stats.median(torchCpuTimes.mean), 3)
                                + " (" + cpuRatio.format(3) + ")"),
                        repeats < 2 ? "(1 run)" : tfHashes.size() == 1 ? "yes" : "NO (" + tfHashes.size() + " distinct)",
                        tfLoss + " / " + torchLoss);
                java.util.Map<String, Object> f = new java.util.LinkedHashMap<>();
                f.put("network", c.name());
                f.put("threads", t);
                f.put("stepsPerEpoch", steps);
                f.put("tfMeanEpochSeconds", Stats.median(tfTimes.mean));
                f.put("tfFirstEpochSeconds", Stats.median(tfTimes.first));
                f.put("tfLaterEpochSeconds", Stats.median(tfTimes.later));
                f.put("tfBitIdenticalAcrossRepeats", tfHashes.size() == 1);
                f.put("tfMeanEpochCpuSeconds", Stats.median(tfCpuTimes.mean));
                if (torchTimes != null) {
                    f.put("torchMeanEpochSeconds", Stats.median(torchTimes.mean));
                    f.put("torchFirstEpochSeconds", Stats.median(torchTimes.first));
                    f.put("torchLaterEpochSeconds", Stats.median(torchTimes.later));
                    f.put("tfOverTorchMeanEpoch", ratio.median());
                    f.put("tfOverTorchLaterEpochs", laterRatio.median());
                    f.put("torchMeanEpochCpuSeconds", Stats.median(torchCpuTimes.mean));
                    f.put("tfOverTorchCpu", cpuRatio.median());
                    section.note(String.format(Locale.ROOT, "%s, %d thread%s: TF Java / PyTorch = %s per epoch over "
                            + "whole runs, %s on epochs after the first (target ≤ %.1f×): %s.", c.name(), t,
                            t == 1 ? "" : "s", ratio.format(3), laterRatio.format(3), TARGET_RATIO,
                            ratio.median() <= TARGET_RATIO ? "met" : "NOT met"));
                }
                figures.add(f);
            }
        }
        section.figure("runs", figures);
        return section;
    }

    /** Writes the problem; returns {train rows, validation rows, parameters}. */
    static int[] prepare(Case c, Path dir, int maxRows, int epochs, int batchSize) {
        OnnxDenseModel model = ModelFiles.read(c.model());
        DenseNetwork network = model.network();
        Task task = Task.infer(network.outputs(), network.head());
        EvalData rows = new EvalData(c.train(), ColumnRequest.of(-1, null, ColumnRequest.Target.REQUIRED), 1024)
                .forModel(model);
        TrainingData all = TrainingRows.load(model, rows, task, Device.CPU, Progress.NONE);
        if (maxRows > 0 && all.rows() > maxRows) {
            all = new TrainingData(java.util.Arrays.copyOf(all.inputs(), maxRows * all.width()),
                    java.util.Arrays.copyOf(all.targets(), maxRows), maxRows, all.width());
        }
        TrainingData[] parts = all.split(0.2, 0);
        Loss loss = Loss.forTask(task, network.outputs());
        Conditioning conditioning = Conditioning.fit(parts[0], loss, network.head());
        RetrainFiles.write(dir, conditioning.toTraining(network), conditioning.apply(parts[0]),
                conditioning.apply(parts[1]), loss, new TrainingOptions(epochs, batchSize, 1e-3f, 0, 0));
        return new int[] {parts[0].rows(), parts[1].rows(), (int) network.parameterCount()};
    }

    /** "PyTorch 1.13.0a0" from the given Python, or null when it cannot import torch. */
    static String torchVersion(String python, Path work) {
        try {
            Process p = new ProcessBuilder(python, "-c", "import torch; print(torch.__version__)")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (p.waitFor() == 0 && !out.isEmpty()) {
                String[] lines = out.split("\n");
                return "PyTorch " + lines[lines.length - 1].trim();
            }
            return null;
        } catch (java.io.IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
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

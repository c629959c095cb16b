package org.odf2nna.harness.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.odf2nna.api.Odf2nna;
import org.odf2nna.api.OnnxModel;
import org.odf2nna.api.Training;
import org.odf2nna.settings.TrainingOptions;

/**
 * Retraining time per epoch: the tool's {@code DenseTrainer} (TensorFlow Java) against PyTorch on the same
 * network, starting weights, rows, batch size and optimizer, on the CPU with the same thread count. Each
 * run is a process of its own (TensorFlow sizes its thread pool once per process): a child JVM
 * ({@link RetrainProbe}) and scripts/bench/bench_retrain_torch.py, interleaved.
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
     * What a retraining comparison runs, for {@link RetrainBench} and {@link GraphRetrainBench} alike.
     *
     * @param maxRows   training rows to use at most (≤ 0: all), before the 80/20 validation split
     * @param epochs    epochs of every run
     * @param batchSize the mini-batch of every run
     * @param repeats   runs per framework and thread count
     * @param threads   thread counts to compare at (1 always makes sense: the tool's default)
     * @param python    the Python with torch, or null to run TensorFlow only
     * @param script    the PyTorch side's script
     * @param work      where the problems and the runs' logs go
     */
    public record Plan(int maxRows, int epochs, int batchSize, int repeats, List<Integer> threads, String python,
            Path script, Path work) {

        public Plan {
            threads = List.copyOf(threads);
        }

        /** The same plan with the PyTorch side's script {@code other}. */
        public Plan withScript(Path other) {
            return new Plan(maxRows, epochs, batchSize, repeats, threads, python, other, work);
        }

        /** "PyTorch 1.13.0a0" from the plan's Python, or null when there is none or it cannot import torch. */
        String torchVersion() {
            return python == null ? null : RetrainBench.torchVersion(python, work);
        }
    }

    public static BenchReport.Section run(List<Case> cases, Plan plan) {
        BenchReport.Section section = new BenchReport.Section("retrain",
                "retraining time per epoch, TensorFlow Java (DenseTrainer) vs PyTorch, CPU, same thread count",
                "network", "rows (train/val), steps/epoch", "threads", "TF Java s/epoch: mean [epoch 1, later]",
                "PyTorch s/epoch: mean [epoch 1, later]", "TF / PyTorch, mean epoch", "TF / PyTorch, later epochs",
                "CPU s/epoch TF / PyTorch (ratio)",
                "TF same bits every repeat", "last train loss TF / PyTorch");
        String torchVersion = plan.torchVersion();
        settings(section, plan, torchVersion);
        List<Object> figures = new ArrayList<>();
        for (Case c : cases) {
            Path dir = plan.work().resolve("retrain-" + c.name());
            int[] sizes = prepare(c, dir, plan.maxRows(), plan.epochs(), plan.batchSize());
            for (int t : plan.threads()) {
                RetrainRuns runs = RetrainRuns.interleaved(plan, torchVersion, RetrainProbe.class, dir,
                        "retrain-" + c.name(), t);
                section.setting("TensorFlow", "TensorFlow Java runtime " + runs.tfVersion + " (TensorFlow.version())");
                int steps = (sizes[0] + plan.batchSize() - 1) / plan.batchSize();
                section.row(c.name() + " (" + sizes[2] + " parameters)", sizes[0] + "/" + sizes[1] + ", " + steps,
                        Integer.toString(t), runs.tf.describe(), runs.torch == null ? "-" : runs.torch.describe(),
                        runs.ratio.format(3), runs.laterRatio.format(3), runs.cpuCell(),
                        plan.repeats() < 2 ? "(1 run)" : runs.tfHashes.size() == 1 ? "yes"
                                : "NO (" + runs.tfHashes.size() + " distinct)",
                        runs.tfLoss + " / " + runs.torchLoss);
                figures.add(figures(section, c.name(), t, steps, runs));
            }
        }
        section.figure("runs", figures);
        return section;
    }

    private static void settings(BenchReport.Section section, Plan plan, String torchVersion) {
        section.setting("method", "each run a fresh process (child JVM / " + (plan.python() == null ? "no Python"
                : plan.python()) + "), " + plan.epochs() + " epochs, batch " + plan.batchSize() + ", Adam lr 0.001, "
                + "seed 0; an epoch = the mini-batch steps + validation scoring + keeping the best weights, as in "
                + "DenseTrainer; time per epoch = the run's mean (total over epochs), also shown for epoch 1 and as "
                + "the median of the later epochs; medians over " + plan.repeats() + " repeats, frameworks "
                + "interleaved; ratios are medians of per-repeat ratios. CPU s = the process's CPU time (all its "
                + "threads) per epoch, less disturbed by other load than wall-clock time");
        section.setting("rows", "the model's training CSV through its prefix, standardised as retraining does "
                + "(Conditioning), split 80/20 with seed 0" + (plan.maxRows() > 0 ? ", at most " + plan.maxRows()
                + " rows" : ""));
        section.setting("TensorFlow threads", "intra-op threads from -D" + Odf2nna.TENSORFLOW_THREADS_PROPERTY
                + " (1 is the tool's default), inter-op 1");
        section.setting("PyTorch", torchVersion == null ? "not available (" + (plan.python() == null
                ? "not asked for" : plan.python() + " has no torch") + "): TensorFlow figures only" : torchVersion
                + ", torch.set_num_threads(threads), set_num_interop_threads(1)");
    }

    /** The figures of one network at one thread count, with the note on the target where PyTorch ran. */
    private static java.util.Map<String, Object> figures(BenchReport.Section section, String network, int threads,
            int steps, RetrainRuns runs) {
        java.util.Map<String, Object> f = new java.util.LinkedHashMap<>();
        f.put("network", network);
        f.put("threads", threads);
        f.put("stepsPerEpoch", steps);
        f.put("tfMeanEpochSeconds", Stats.median(runs.tf.mean()));
        f.put("tfFirstEpochSeconds", Stats.median(runs.tf.first()));
        f.put("tfLaterEpochSeconds", Stats.median(runs.tf.later()));
        f.put("tfBitIdenticalAcrossRepeats", runs.tfHashes.size() == 1);
        f.put("tfMeanEpochCpuSeconds", Stats.median(runs.tfCpu.mean()));
        if (runs.torch != null) {
            f.put("torchMeanEpochSeconds", Stats.median(runs.torch.mean()));
            f.put("torchFirstEpochSeconds", Stats.median(runs.torch.first()));
            f.put("torchLaterEpochSeconds", Stats.median(runs.torch.later()));
            f.put("tfOverTorchMeanEpoch", runs.ratio.median());
            f.put("tfOverTorchLaterEpochs", runs.laterRatio.median());
            f.put("torchMeanEpochCpuSeconds", Stats.median(runs.torchCpu.mean()));
            f.put("tfOverTorchCpu", runs.cpuRatio.median());
            section.note(String.format(Locale.ROOT, "%s, %d thread%s: TF Java / PyTorch = %s per epoch over "
                    + "whole runs, %s on epochs after the first (target ≤ %.1f×): %s.", network, threads,
                    threads == 1 ? "" : "s", runs.ratio.format(3), runs.laterRatio.format(3), TARGET_RATIO,
                    runs.ratio.median() <= TARGET_RATIO ? "met" : "NOT met"));
        }
        return f;
    }

    /** Writes the problem; returns {train rows, validation rows, parameters}. */
    static int[] prepare(Case c, Path dir, int maxRows, int epochs, int batchSize) {
        OnnxModel model = OnnxModel.read(c.model());
        Training.Problem problem = Training.problem(model, c.train(), maxRows, 0.2, 0);
        RetrainFiles.write(dir, problem, new TrainingOptions(epochs, batchSize, 1e-3f, 0, 0));
        return new int[] {problem.training().count(), problem.validation().count(),
            (int) model.network().parameterCount()};
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
}

package org.odf2nna.harness.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.odf2nna.api.Odf2nna;
import org.odf2nna.api.OnnxModel;
import org.odf2nna.api.Training;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.TrainingOptions;

/**
 * Retraining time per epoch: the tool's retraining (TensorFlow Java) against PyTorch on the same problem (network or
 * graph, starting weights, rows, batch size, optimizer), on the CPU with the same thread count. Each run is a process
 * of its own (TensorFlow sizes its thread pool once per process), the frameworks interleaved ({@link RetrainRuns}).
 * Two {@link Kind}s: dense chains ({@code DenseTrainer}; {@link RetrainFiles}, {@link RetrainProbe} and
 * scripts/bench/bench_retrain_torch.py) and a whole ONNX graph ({@code bench retrain --graph}: {@code GraphRetrainer},
 * every float initializer trained; {@link GraphRetrainFiles}, {@link GraphRetrainProbe} and
 * scripts/bench/bench_retrain_graph_torch.py, PyTorch executing the same ONNX graph).
 */
public final class RetrainBench {

    /**
     * What is retrained: the problem files, the TensorFlow side's probe, and the names in the table, which each kind
     * kept as its figures were published (docs quote them).
     */
    public enum Kind {
        CHAIN(RetrainProbe.class, "retrain-", "network", "rows (train/val), steps/epoch",
                "retraining time per epoch, TensorFlow Java (DenseTrainer) vs PyTorch, CPU, same thread count"),
        GRAPH(GraphRetrainProbe.class, "retrain-graph-", "graph", "rows (train/held out), steps/epoch",
                "whole-graph retraining time per epoch, TensorFlow Java (GraphRetrainer) vs PyTorch on the same ONNX "
                        + "graph, CPU, same thread count");

        final Class<?> probe;
        /** The start of each problem's folder and of its logs' names. */
        final String prefix;
        /** The first column's name, also the key of the case's name in the figures. */
        final String caseColumn;
        final String rowsColumn;
        final String title;

        Kind(Class<?> probe, String prefix, String caseColumn, String rowsColumn, String title) {
            this.probe = probe;
            this.prefix = prefix;
            this.caseColumn = caseColumn;
            this.rowsColumn = rowsColumn;
            this.title = title;
        }

        /** The problem written to {@code dir}; returns {train rows, validation rows, parameters}. */
        int[] prepare(Case c, Path dir, Plan plan) {
            return this == CHAIN ? RetrainBench.prepare(c, dir, plan.maxRows(), plan.epochs(), plan.batchSize())
                    : GraphRetrainFiles.write(c.model(), c.train(), dir, plan.maxRows(), plan.epochs(),
                            plan.batchSize());
        }
    }

    /** Target of the issue: TensorFlow Java's time per epoch at most PyTorch's. */
    static final double TARGET_RATIO = 1.0;

    /** A network and its training rows. */
    public record Case(String name, Path model, Path train) {

        /** A whole graph, named by its file without ".onnx". */
        static Case graph(Path model, Path train) {
            return new Case(model.getFileName().toString().replaceAll("\\.onnx$", ""), model, train);
        }
    }

    private RetrainBench() {
    }

    /**
     * What a retraining comparison runs, for either {@link Kind}.
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

    /** Each case at each thread count of the plan: a row and its figures, the runs of every row in "runs". */
    public static BenchReport.Section run(Kind kind, List<Case> cases, Plan plan) {
        BenchReport.Section section = new BenchReport.Section("retrain", kind.title, columns(kind));
        String torchVersion = plan.torchVersion();
        if (kind == Kind.CHAIN) {
            settings(section, plan, torchVersion);
        } else {
            graphSettings(section, plan, torchVersion);
        }
        List<Object> figures = new ArrayList<>();
        for (Case c : cases) {
            Path dir = plan.work().resolve(kind.prefix + c.name());
            int[] sizes = kind.prepare(c, dir, plan);
            for (int t : plan.threads()) {
                RetrainRuns runs = RetrainRuns.interleaved(plan, torchVersion, kind.probe, dir, kind.prefix + c.name(),
                        t);
                section.setting("TensorFlow", "TensorFlow Java runtime " + runs.tfVersion
                        + (kind == Kind.CHAIN ? " (TensorFlow.version())" : ""));
                int steps = (sizes[0] + plan.batchSize() - 1) / plan.batchSize();
                List<String> cells = new ArrayList<>(List.of(c.name() + " (" + sizes[2] + " parameters)",
                        sizes[0] + "/" + sizes[1] + ", " + steps, Integer.toString(t), runs.tf.describe(),
                        runs.torch == null ? "-" : runs.torch.describe(), runs.ratio.format(3),
                        runs.laterRatio.format(3), runs.cpuCell()));
                if (kind == Kind.CHAIN) {
                    cells.add(plan.repeats() < 2 ? "(1 run)" : runs.tfHashes.size() == 1 ? "yes"
                            : "NO (" + runs.tfHashes.size() + " distinct)");
                }
                cells.add(runs.tfLoss + " / " + runs.torchLoss);
                section.row(cells.toArray(String[]::new));
                figures.add(figures(section, kind, c.name(), t, steps, runs));
            }
        }
        section.figure("runs", figures);
        return section;
    }

    /** The table's columns; only the dense chain's probe hashes its trained weights (bit identity across repeats). */
    private static String[] columns(Kind kind) {
        List<String> columns = new ArrayList<>(List.of(kind.caseColumn, kind.rowsColumn, "threads",
                "TF Java s/epoch: mean [epoch 1, later]", "PyTorch s/epoch: mean [epoch 1, later]",
                "TF / PyTorch, mean epoch", "TF / PyTorch, later epochs", "CPU s/epoch TF / PyTorch (ratio)"));
        if (kind == Kind.CHAIN) {
            columns.add("TF same bits every repeat");
        }
        columns.add("last train loss TF / PyTorch");
        return columns.toArray(String[]::new);
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

    private static void graphSettings(BenchReport.Section section, Plan plan, String torchVersion) {
        section.setting("method", "each run a fresh process (child JVM / " + (plan.python() == null ? "no Python"
                : plan.python()) + "), " + plan.epochs() + " epochs, batch " + plan.batchSize() + ", Adam lr 0.001, "
                + "every float initializer trained, distillation from the same graph (hard weight "
                + Distillation.DEFAULT.hardWeight() + ", T " + Distillation.DEFAULT.temperature() + ") with the "
                + "labels; an epoch = the mini-batch steps + scoring the held-out fifth + keeping the best values, as "
                + "GraphRetrainer does; medians over " + plan.repeats() + " repeats, frameworks interleaved; ratios "
                + "are medians of per-repeat ratios");
        section.setting("PyTorch", torchVersion == null ? "not available: TensorFlow figures only" : torchVersion
                + " executing the ONNX graph node by node in eager mode (autograd), shape arithmetic in numpy; "
                + "torch.set_num_threads(threads), set_num_interop_threads(1)");
        section.setting("TensorFlow threads", "intra-op threads from -D" + Odf2nna.TENSORFLOW_THREADS_PROPERTY
                + " (1 is the tool's default), inter-op 1");
    }

    /**
     * The figures of one case at one thread count, with a note where PyTorch ran (for a dense chain, on the target).
     * A graph's figures are fewer (no first and later epochs apart, no bit identity), in their published order.
     */
    private static java.util.Map<String, Object> figures(BenchReport.Section section, Kind kind, String name,
            int threads, int steps, RetrainRuns runs) {
        boolean chain = kind == Kind.CHAIN;
        java.util.Map<String, Object> f = new java.util.LinkedHashMap<>();
        f.put(kind.caseColumn, name);
        f.put("threads", threads);
        f.put("stepsPerEpoch", steps);
        f.put("tfMeanEpochSeconds", Stats.median(runs.tf.mean()));
        if (chain) {
            f.put("tfFirstEpochSeconds", Stats.median(runs.tf.first()));
            f.put("tfLaterEpochSeconds", Stats.median(runs.tf.later()));
            f.put("tfBitIdenticalAcrossRepeats", runs.tfHashes.size() == 1);
        }
        f.put("tfMeanEpochCpuSeconds", Stats.median(runs.tfCpu.mean()));
        if (runs.torch == null) {
            return f;
        }
        f.put("torchMeanEpochSeconds", Stats.median(runs.torch.mean()));
        if (chain) {
            f.put("torchFirstEpochSeconds", Stats.median(runs.torch.first()));
            f.put("torchLaterEpochSeconds", Stats.median(runs.torch.later()));
        } else {
            f.put("torchMeanEpochCpuSeconds", Stats.median(runs.torchCpu.mean()));
        }
        f.put("tfOverTorchMeanEpoch", runs.ratio.median());
        f.put("tfOverTorchLaterEpochs", runs.laterRatio.median());
        if (chain) {
            f.put("torchMeanEpochCpuSeconds", Stats.median(runs.torchCpu.mean()));
        }
        f.put("tfOverTorchCpu", runs.cpuRatio.median());
        String ratios = String.format(Locale.ROOT, "%s, %d thread%s: TF Java / PyTorch = %s per epoch over whole "
                + "runs, %s on epochs after the first", name, threads, threads == 1 ? "" : "s", runs.ratio.format(3),
                runs.laterRatio.format(3));
        section.note(chain ? String.format(Locale.ROOT, "%s (target ≤ %.1f×): %s.", ratios, TARGET_RATIO,
                runs.ratio.median() <= TARGET_RATIO ? "met" : "NOT met") : ratios + ".");
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

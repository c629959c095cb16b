package org.odf2nna.harness.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.odf2nna.api.OnnxModel;

/** Runs the chosen benchmarks one after the other and collects their sections. */
public final class Bench {

    /** The benchmarks, in the order {@code all} runs them. */
    public static final List<String> NAMES = List.of("scoring", "memory", "retrain", "inference", "csv");
    /** Benchmarks run only when named ({@code all} leaves them out): scale takes from minutes to hours. */
    public static final List<String> NAMED_ONLY = List.of("scale");

    private Bench() {
    }

    /** {@code all} expanded, duplicates dropped, order kept; an unknown name is an IllegalArgumentException. */
    public static List<String> expand(List<String> names) {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            for (String part : n.split(",")) {
                String name = part.trim().toLowerCase(java.util.Locale.ROOT);
                if (name.isEmpty()) {
                    continue;
                }
                List<String> add = name.equals("all") ? NAMES : List.of(name);
                for (String a : add) {
                    if (!NAMES.contains(a) && !NAMED_ONLY.contains(a)) {
                        throw new IllegalArgumentException("unknown benchmark '" + name + "': choose from "
                                + String.join(", ", NAMES) + ", " + String.join(", ", NAMED_ONLY) + " or all");
                    }
                    if (!out.contains(a)) {
                        out.add(a);
                    }
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no benchmark named: choose from " + String.join(", ", NAMES) + " or all");
        }
        return out;
    }

    /**
     * Whether any of {@code benchmarks} reads the default model and rows ({@link BenchInputs}): scale makes its own, so
     * an install without the repository's models and examples can run it.
     */
    public static boolean readsInputs(List<String> benchmarks) {
        return benchmarks.stream().anyMatch(b -> !NAMED_ONLY.contains(b));
    }

    /** Receives each section as soon as it is measured (to print it, and to save what was measured so far). */
    @FunctionalInterface
    public interface SectionListener {
        void done(BenchReport report, BenchReport.Section section);
    }

    public static BenchReport run(BenchOptions o, PrintStream log) {
        return run(o, log, (report, section) -> { });
    }

    public static BenchReport run(BenchOptions o, PrintStream log, SectionListener listener) {
        Path shrunk = o.inference().shrunk();
        if (shrunk != null && o.benchmarks().contains("inference")) {
            // Before any benchmark runs: an int8 --shrunk is refused at once, not after the others.
            InferenceBench.refuseInt8(OnnxModel.read(shrunk), shrunk);
        }
        Map<String, Object> machine = Machine.describe();
        machine.put("inputs", o.inputs().origin());
        BenchReport report = new BenchReport(machine);
        BenchOptions.Measure m = o.measure();
        BenchOptions.Retrain r = o.retrain();
        for (String name : o.benchmarks()) {
            log.println("bench: running " + name + " (load average " + Machine.loadAverage() + ")");
            String before = Machine.loadAverage();
            long start = System.nanoTime();
            BenchReport.Section section = switch (name) {
                case "scoring" -> ScoringBench.run(model(o), o.inputs().data(), m.rows(), m.inferenceBatch(),
                        m.repeats(), m.alg3PerLayer(), m.device());
                case "memory" -> MemoryBench.run(o.inputs().model(), o.inputs().data(), m.rows(), m.inferenceBatch(),
                        m.repeats(), m.childHeap(), o.work().resolve("memory"));
                case "retrain" -> r.graph() != null ? RetrainBench.run(RetrainBench.Kind.GRAPH,
                        List.of(RetrainBench.Case.graph(r.graph(), r.graphTrain())),
                        retrainPlan(o).withScript(r.torchScript() == null ? null
                                : r.torchScript().resolveSibling("bench_retrain_graph_torch.py")))
                        : RetrainBench.run(RetrainBench.Kind.CHAIN, o.inputs().retrain(), retrainPlan(o));
                case "inference" -> InferenceBench.run(model(o), o);
                case "csv" -> CsvBench.run(o.inputs().csvSource(), o.csvSizesMb(), m.repeats(), o.work().resolve("csv"));
                case "scale" -> ScaleBench.run(o.scale());
                default -> throw new IllegalArgumentException(name);
            };
            section.timing(before, Machine.loadAverage(), (System.nanoTime() - start) / 1e9);
            report.add(section);
            listener.done(report, section);
        }
        return report;
    }

    private static OnnxModel model(BenchOptions o) {
        return OnnxModel.read(o.inputs().model());
    }

    /** The retraining comparison's plan from the bench options. */
    private static RetrainBench.Plan retrainPlan(BenchOptions o) {
        BenchOptions.Retrain r = o.retrain();
        return new RetrainBench.Plan(r.trainRows(), r.epochs(), r.batchSize(), o.measure().repeats(), r.threads(),
                r.python(), r.torchScript(), o.work());
    }
}

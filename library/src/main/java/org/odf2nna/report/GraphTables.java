package org.odf2nna.report;

import java.util.List;
import java.util.Locale;

/** The text that {@code inspect} and {@code sweep} print for a graph's dense blocks. */
public final class GraphTables {

    private GraphTables() {
    }

    /**
     * What inspect prints as JSON for an ONNX file: the description's JSON as it is, with the dense blocks found
     * anywhere in the graph added as {@code denseBlocks}.
     */
    public static String json(ModelDescription d, GraphBlocks blocks) {
        com.google.gson.Gson gson = ReportFormat.gson();
        com.google.gson.JsonObject object = ReportSchema.versioned(gson, d);
        object.add("denseBlocks", gson.toJsonTree(blocks));
        return gson.toJson(object) + "\n";
    }

    /**
     * What {@code inspect} prints as JSON for a graph without a dense chain: its blocks, with {@code cleaned} (what the cleaning pass
     * did, one phrase per pass) where it changed something.
     */
    public static String json(GraphBlocks blocks, List<String> cleaned) {
        if (cleaned.isEmpty()) {
            return ReportFormat.json(blocks);
        }
        com.google.gson.Gson gson = ReportFormat.gson();
        com.google.gson.JsonObject object = com.google.gson.JsonParser.parseString(ReportFormat.json(blocks))
                .getAsJsonObject();
        object.add("cleaned", gson.toJsonTree(cleaned));
        return gson.toJson(object) + "\n";
    }

    /** The blocks, one line each, and the share of the model's parameters they hold. */
    public static String blocks(GraphBlocks b) {
        StringBuilder s = new StringBuilder();
        if (b.blocks().isEmpty()) {
            return "Dense blocks none: no MatMul, Gemm or group-1 Conv layer followed by an activation and a second such "
                    + "layer whose hidden tensor nothing else reads\n" + notes(b);
        }
        s.append(String.format(Locale.ROOT, "Dense blocks %d, %,d of the model's %,d parameters (%.1f%%)%n",
                b.blocks().size(), b.blockParameters(), b.modelParameters(), 100 * b.blockShare()));
        s.append(String.format(Locale.ROOT, "  %-5s  %-9s  %-15s  %-12s  %-26s  %10s  %s%n", "block", "units",
                "in-hidden-out", "activation", "per-unit ops", "parameters", "layers (nodes)"));
        boolean streams = false;
        for (GraphBlocks.Block k : b.blocks()) {
            boolean stream = k.units().equals(GraphBlocks.STREAM);
            streams |= stream;
            GraphBlocks.Sizes sizes = k.sizes();
            List<String> perUnitOps = k.between().perUnitOps();
            s.append(String.format(Locale.ROOT, "  %-5d  %-9s  %-15s  %-12s  %-26s  %10d  %s -> %s (%d nodes)%n",
                    k.block(), k.units(), stream ? sizes.inputs() + "p-" + sizes.width() + "-" + sizes.outputs() + "c"
                            : sizes.inHiddenOut(), k.between().activation(),
                    perUnitOps.isEmpty() ? "-" : String.join(", ", perUnitOps), k.parameters(), k.layers().first(),
                    k.layers().second(), k.layers().nodes().size()));
        }
        if (streams) {
            s.append("  (a stream: the channels that residual Adds tie together, that several layers read, or that a "
                    + "Concat joins, written by p layers and read by c; a channel goes from all of them at once, its "
                    + "mean folded into each reader's bias)\n");
        }
        s.append(sharedLayers(b));
        s.append(notes(b));
        return s.toString();
    }

    /** What was found but is not a block, a line each. */
    private static String notes(GraphBlocks b) {
        StringBuilder s = new StringBuilder();
        for (String note : b.notes()) {
            s.append("  (").append(note).append(")\n");
        }
        return s.toString();
    }

    /**
     * A note when a layer is the second of one block and the first of the next (an MLP of three layers and more):
     * its parameters are in both rows, and the total above counts them once.
     */
    static String sharedLayers(GraphBlocks b) {
        java.util.List<String> shared = new java.util.ArrayList<>();
        for (GraphBlocks.Block k : b.blocks()) {
            for (GraphBlocks.Block next : b.blocks()) {
                if (next != k && next.layers().first().equals(k.layers().second())) {
                    shared.add(k.layers().second() + " (blocks " + k.block() + " and " + next.block() + ")");
                }
            }
        }
        if (shared.isEmpty()) {
            return "";
        }
        long rows = b.blocks().stream().mapToLong(GraphBlocks.Block::parameters).sum();
        return String.format(Locale.ROOT, "  (a layer shared by two blocks is in both rows, which sum to %,d; the "
                + "%,d above count it once: %s)%n", rows, b.blockParameters(), String.join(", ", shared));
    }

    /**
     * {@code evolve} on a graph: the rows and what each did, the search, the best mask's widths, the parameters and
     * multiply-adds before and after, and the validation accuracy of the original, the mask as searched and the
     * written model.
     */
    public static String evolve(EvolveReport report) {
        StringBuilder s = new StringBuilder();
        EvolveReport.GraphRun r = report.graphRun();
        EvolveReport.GraphRound round = report.graphRound();
        EvolveReport.Rows rows = r.rows();
        EvolveReport.Search search = report.search();
        EvolveReport.GraphOutcome o = report.outcome().graph();
        EvolveReport.Judgements j = o.judgements();
        s.append("Model  ").append(r.model()).append('\n');
        s.append(String.format(Locale.ROOT, "Search %d units in %d blocks and residual streams (a stream's blocks share its channels); "
                + "population %d, %d evaluations made of %d (%d answered from the cache%s), mutation %s, seed %d%n",
                search.units(), search.blocks(), search.ga().population(), search.effort().evaluations(),
                search.ga().budget(), search.effort().cacheHits(), search.effort().stalled() ? ", stopped: converged"
                        : "", ReportFormat.number(search.ga().mutation()), search.ga().seed()));
        s.append(String.format(Locale.ROOT, "Rows   units' means measured on %d rows of %s; every mask judged on "
                + "%s (%d rows, %s): they chose the mask%s%n", rows.statisticsRows(), rows.training(),
                rows.validation(), j.original().rows(), rows.labelled() ? "its labels"
                        : "unlabelled: agreement with the original", rows.eval() == null ? ""
                        : "; " + rows.eval() + " only measured"));
        s.append("Best mask, units kept per block: ").append(String.join(", ", o.widths())).append('\n');
        s.append("Retraining of the best mask's round after its refit: ").append(round.retraining()).append('\n');
        for (String note : round.notes()) {
            s.append("Note: ").append(note).append('\n');
        }
        s.append(String.format(Locale.ROOT, "%n  %-34s  %10s  %16s  %10s  %s%n", "", "parameters", "multiply-adds",
                "validation", rows.eval() == null ? "" : "evaluation (only measured)"));
        s.append(String.format(Locale.ROOT, "  %-34s  %10d  %16s  %10s  %s%n", "original", o.parametersBefore(),
                macs(o.multiplyAddsBefore()), accuracy(j.original()), j.originalEval() == null ? ""
                        : accuracy(j.originalEval())));
        s.append(String.format(Locale.ROOT, "  %-34s  %10s  %16s  %10s%n", "best mask, means folded (searched)", "",
                "", accuracy(j.searched())));
        s.append(String.format(Locale.ROOT, "  %-34s  %10d  %16s  %10s  %s%n", "written (refitted, retrained)",
                o.parametersAfter(), macs(o.multiplyAddsAfter()), accuracy(j.written()), j.writtenEval() == null ? ""
                        : accuracy(j.writtenEval())));
        s.append(String.format(Locale.ROOT, "%nParameters %,d -> %,d (%s%% fewer)", o.parametersBefore(),
                o.parametersAfter(), ReportFormat.number(100.0 * (o.parametersBefore() - o.parametersAfter())
                        / o.parametersBefore())));
        if (o.multiplyAddsBefore() > 0 && o.multiplyAddsAfter() >= 0) {
            s.append(String.format(Locale.ROOT, "; multiply-adds per row %,d -> %,d (%s%% fewer)",
                    o.multiplyAddsBefore(), o.multiplyAddsAfter(), ReportFormat.number(100.0
                            * (o.multiplyAddsBefore() - o.multiplyAddsAfter()) / o.multiplyAddsBefore())));
        }
        s.append(String.format(Locale.ROOT, "; %.0f s%n", round.seconds()));
        s.append(lossWarning(j));
        s.append("Wrote  ").append(r.output()).append('\n');
        return s.toString();
    }

    /** Points of validation accuracy past which evolve's written model is said loudly to lose (sweep's default). */
    static final double LOSS_WARNING_POINTS = 1.0;

    /**
     * A loud line when evolve's written model scores more than {@link #LOSS_WARNING_POINTS} below the original on the
     * validation rows: evolve promises nothing, and sweep is what keeps a loss within bounds.
     */
    private static String lossWarning(EvolveReport.Judgements j) {
        if (j.original().regression() || Double.isNaN(j.original().accuracy()) || Double.isNaN(j.written().accuracy())) {
            return "";
        }
        double lost = 100 * (j.original().accuracy() - j.written().accuracy());
        if (lost <= LOSS_WARNING_POINTS) {
            return "";
        }
        return String.format(Locale.ROOT, "WARNING: the written model scores %.2f points below the original on the "
                + "validation rows (%s against %s); evolve keeps no promise on accuracy: sweep writes the smallest round "
                + "its validation rows certify within %s (1 point by default)%n", lost, accuracy(j.written()),
                accuracy(j.original()), org.odf2nna.Setting.MAX_DROP.ref());
    }

    /**
     * The original and the candidates timed side by side in ONNX Runtime, one line per candidate and thread count,
     * then the verdict ("Speed ..."); empty when nothing was timed.
     */
    public static String latency(Latency l) {
        if (l == null) {
            return "";
        }
        StringBuilder s = new StringBuilder();
        if (!l.timings().isEmpty()) {
            s.append(String.format(Locale.ROOT, "%nLatency in ONNX Runtime on this machine, side by side (median of %d "
                    + "interleaved repetitions after a warm-up; ratio: candidate / original, below 1 faster):%n",
                    l.repeats()));
            s.append(String.format(Locale.ROOT, "  %-10s  %7s  %12s  %12s  %6s  %14s  %14s  %6s  %s%n", "candidate",
                    "threads", "original b1", "b1", "ratio", "original b" + l.batch(), "b" + l.batch(), "ratio",
                    "multiply-adds per row (original " + macs(l.originalMultiplyAdds()) + ")"));
            for (Latency.Timing t : l.timings()) {
                s.append(String.format(Locale.ROOT, "  %-10s  %7d  %9.1f µs  %9.1f µs  %5.2f×  %11.1f µs  %11.1f µs  "
                        + "%5.2f×  %s%s%n", t.candidate(), t.threads(), t.one().originalMicros(),
                        t.one().micros(), t.oneRatio(), t.batch().originalMicros(), t.batch().micros(), t.batchRatio(),
                        macs(t.multiplyAdds()) + (t.multiplyAdds() > 0 && l.originalMultiplyAdds() > 0
                                ? String.format(Locale.ROOT, " (%.1f%% fewer)", 100.0 * (l.originalMultiplyAdds()
                                - t.multiplyAdds()) / l.originalMultiplyAdds()) : ""), t.slower() ? "  slower" : ""));
            }
        }
        s.append("Speed  ").append(l.verdict()).append('\n');
        return s.toString();
    }

    private static String macs(long n) {
        return n < 0 ? "not counted" : String.format(Locale.ROOT, "%,d", n);
    }

    /**
     * What an x says, by the levels the rounds were judged at: each at the whole 5% (the population reading, the
     * rounds tested in order up to the first that fails), or each at its part of it (the new-set reading).
     */
    static String legend(java.util.List<SweepReport.Round> rounds) {
        boolean whole = rounds.stream().allMatch(x -> x.level() == 0 || Math.abs(x.level() - 0.05) < 1e-12);
        return whole ? "does not hold at the whole 5%, or not tested (level 0) after the first round that failed"
                : "does not hold at its part of the 5% (level 0: not among the rounds picked on training rows)";
    }

    /** A language model's next-token accuracy. */
    static String percent(SweepReport.Judged j) {
        return String.format(Locale.ROOT, "%.2f%%", 100 * j.accuracy());
    }

    /**
     * A round's measure: a language model's perplexity (and, on the report rows, its accuracy), a regressor's MSE, a
     * classifier's accuracy ("-" without labels).
     */
    static String accuracy(SweepReport.Judged j) {
        if (j.languageModel()) {
            return String.format(Locale.ROOT, "%.4g", j.perplexity());
        }
        if (j.regression()) {
            return String.format(Locale.ROOT, "%.4g", j.mse());
        }
        if (j.detection()) {
            return String.format(Locale.ROOT, "%.4f", j.map());
        }
        return Double.isNaN(j.accuracy()) ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * j.accuracy());
    }
}

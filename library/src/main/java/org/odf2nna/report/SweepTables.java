package org.odf2nna.report;

import java.util.Locale;

/**
 * What {@code sweep} prints, on either side: a dense chain's table (the paper's OR, PWR and PR per ε or per round)
 * or a graph's rounds over its dense blocks, then the same ending: the choice, the timings, the file written and the
 * charts ({@link SweepChoice}), each side with the line heads it always printed.
 */
public final class SweepTables {

    private SweepTables() {
    }

    /** A sweep as {@code sweep} prints it, a chain's or a graph's. */
    public static String sweep(SweepReport sweep) {
        return sweep.onGraph() ? graphSweep(sweep) : chainSweep(sweep);
    }

    /** A dense chain's sweep: the paper's table of the ε values or rounds, the schedule, the choice, scratch. */
    private static String chainSweep(SweepReport sweep) {
        StringBuilder s = new StringBuilder(ReportFormat.table(sweep.table()));
        boolean progressive = sweep.table().outcomes().stream().anyMatch(o -> o.bound() != null || o.step() != null);
        if (progressive) {
            // The schedule's line says how the chain was judged (Sweeper.judgedAt): in order at the whole 5% under
            // the population reading.
            boolean population = sweep.grid().contains("in their order, each at the whole 5%");
            String level = population ? "population reading: the loss on the data the validation rows come from, "
                    + "at the whole 5%, the rounds tested in order up to the first that fails; those after it are "
                    + "measured but not tested, and do not hold" : "new-set reading: the loss on a new set of as many "
                    + "rows, at its own part of one 5%";
            s.append('\n').append("Validation: rows whose prediction changed, of those judged; the loss on them; the "
                    + "smallest tolerance they certify at the round's level (" + level + "): a round holds when the "
                    + "allowed drop is at least that. '-': the search did not go on from the round, so the "
                    + "validation rows never judged it.\n");
        }
        s.append('\n').append(progressive ? "Schedule: " : "ε values: ").append(sweep.grid()).append('\n');
        appendChoice(s, sweep, Heads.CHAIN, ReportFormat.lines(sweep.choice(), "         "));
        SweepReport.Scratch scratch = sweep.scratch();
        if (scratch != null && sweep.chosen() != null) {
            EpsilonOutcome chosen = sweep.table().outcomes().get(sweep.chosen());
            s.append(String.format(Locale.ROOT, "Scratch: the chosen topology %s trained from random weights with the "
                    + "same budget (%d epochs run, kept %d): %s on the test rows, against %s for the pruned and "
                    + "retrained model%n", scratch.architecture(), scratch.training().epochsRun(),
                    scratch.training().bestEpoch(), ReportFormat.primary(scratch.metrics()),
                    ReportFormat.primary(chosen.retrained() != null ? chosen.retrained() : chosen.pruned())));
        }
        appendCharts(s, sweep, Heads.CHAIN);
        return s.toString();
    }

    /** A graph sweep's rounds, the original's line and the choice. */
    private static String graphSweep(SweepReport r) {
        SweepReport.Method method = r.method();
        SweepReport.Original original = r.original();
        SweepReport.Outcome outcome = r.outcome();
        StringBuilder s = new StringBuilder();
        s.append("Model  ").append(r.model()).append('\n');
        s.append(GraphTables.blocks(r.blocks()));
        // Without labels the tolerance bounds the share of changed predictions, not accuracy points.
        boolean regression = original.validation().regression();
        boolean languageModel = original.validation().languageModel();
        boolean detector = original.validation().detection()
                || original.report() != null && original.report().detection();
        boolean boxes = detector && original.labelled();
        String allowed = boxes ? String.format(Locale.ROOT, "at most %.2g points of the images worse on their boxes "
                + "(less those better)", method.maxDrop()) : languageModel
                ? "the perplexity at most " + ReportFormat.number(method.maxDrop()) + "% above the original's"
                : String.format(Locale.ROOT, regression ? "the MSE at most %.2g%% above the original's "
                + "(outputs clipped to the training targets' range)" : original.labelled() ? "at most %.2g points lost"
                : "at most %.2g%% of the predictions changed", method.maxDrop());
        s.append(String.format(Locale.ROOT, "Rounds of %.0f%% of the block %s; units ranked by %s across "
                + "blocks, %s; measured on %d training rows; judged on %d validation rows%s, %s%n",
                100 * method.share(), ComputeSummary.counted(method.budget()), method.ranking(), method.compensation(),
                method.statisticsRows(),
                original.validation().rows(), original.labelled() ? "" : " (unlabelled: changed predictions count)",
                allowed));
        s.append("Retraining after each refit: ").append(r.retraining()).append('\n');
        for (String note : r.notes()) {
            s.append("Note: ").append(note).append('\n');
        }
        s.append(String.format(Locale.ROOT, "%n  %-8s  %-22s  %10s  %8s  %8s  %5s  %10s  %11s  %8s  %s%n", "round",
                "hidden widths", "parameters", "blocks-%", "all-%", "epoch", languageModel ? "val. PPL"
                : regression ? "val. MSE" : detector ? "val. mAP" : "validation", languageModel ? "accuracy"
                : regression ? "" : boxes ? "worse/better" : detector ? "changed" : "lost/gained", "level",
                original.report() == null ? "" : detector ? "report mAP50-95 (only measured)"
                : "report (only measured)"));
        s.append(String.format(Locale.ROOT, "  %-8s  %-22s  %10d  %8s  %8s  %5s  %10s  %11s  %8s  %s%n", "original",
                "", r.blocks().modelParameters(), "", "", "", GraphTables.accuracy(original.validation()),
                languageModel ? GraphTables.percent(original.validation()) : "", "",
                original.report() == null ? "" : GraphTables.accuracy(original.report())));
        for (SweepReport.Round x : outcome.rounds()) {
            boolean chosen = outcome.chosen() != null && outcome.chosen() == x.round() - 1;
            s.append(String.format(Locale.ROOT, "  %-8s  %-22s  %10d  %8.1f  %8.1f  %5s  %10s  %11s  %8.5f  %s%s%n",
                    x.round() + (x.holds() ? "" : " x"), x.size().widths(), x.size().parameters(),
                    x.size().blockReductionPercent(), x.size().reductionPercent(),
                    x.retrainedEpoch() != null ? x.retrainedEpoch().toString()
                            : x.retrainingSkipped() != null ? "skip" : "-",
                    GraphTables.accuracy(x.validation()),
                    languageModel ? GraphTables.percent(x.validation()) : regression ? ""
                            : detector && !boxes ? Integer.toString(x.validation().lost())
                            : x.validation().lost() + "/" + x.validation().gained(), x.level(),
                    x.report() == null ? "" : GraphTables.accuracy(x.report()), chosen ? "  <- written" : ""));
        }
        s.append("\n(x: ").append(GraphTables.legend(outcome.rounds()))
                .append("; epoch: the end-to-end retraining's epoch kept, 0 the refitted values, - not retrained"
                + (outcome.rounds().stream().anyMatch(x -> x.retrainingSkipped() != null)
                ? ", skip: retraining skipped, "
                + "the last retraining having kept the refitted values and this refit staying within the round's bound"
                : "") + ")\n");
        appendChoice(s, r, Heads.GRAPH, r.choice());
        appendCharts(s, r, Heads.GRAPH);
        return s.toString();
    }

    /** The heads of the ending's lines: the chain's are aligned under its "ε values:" column, the graph's its own. */
    private record Heads(String choice, String wrote, String charts) {
        static final Heads CHAIN = new Heads("Chosen:  ", "         written to ", "Charts:  ");
        static final Heads GRAPH = new Heads("Choice ", "Wrote  ", "Charts ");
    }

    /** The choice (as the side words it), the timings, and the file written. */
    private static void appendChoice(StringBuilder s, SweepChoice r, Heads heads, String choice) {
        s.append(heads.choice()).append(choice).append('\n');
        s.append(GraphTables.latency(r.latency()));
        if (r.output() != null) {
            s.append(heads.wrote()).append(r.output()).append('\n');
        }
    }

    /** The charts written, when there are any. */
    private static void appendCharts(StringBuilder s, SweepChoice r, Heads heads) {
        if (!r.charts().isEmpty()) {
            s.append(heads.charts()).append(String.join(", ", r.charts())).append('\n');
        }
    }
}

package org.odf2nna.graph;

import java.util.ArrayList;
import java.util.List;
import org.odf2nna.metrics.ChainCertificate;
import org.odf2nna.report.SweepReport;

/**
 * What a graph sweep's report says in words: the choice (the round written and the promise it carries, or why none
 * is) and the notes on how its rows were fed, judged and budgeted.
 */
final class GraphSweepChoice {

    private GraphSweepChoice() {
    }

    /** The choice in words: the round written and its promise, or why none is. */
    static String choice(List<SweepReport.Round> table, GraphSweep.Judgement judged, GraphSweep.Judging how,
            GraphRows validation, String compared) {
        int chosen = judged.verdict().chosen();
        GraphRun settings = how.settings();
        if (chosen >= 0) {
            return settings.nextToken() ? GraphTokenJudging.promise(chosen, table.get(chosen), judged.original(),
                    settings, judged.rules().get(chosen))
                    : judged.rules() != null
                    ? GraphRegression.promise(chosen, table.get(chosen), judged.original(), settings,
                            judged.rules().get(chosen))
                    : promise(chosen, table.get(chosen), validation.count(), settings, judged.labelled(),
                            compared);
        }
        if (table.isEmpty()) {
            return "no round could remove units";
        }
        String none = "no round holds " + heldAt(settings.promise()) + ": no pruned model written";
        if (judged.rules() == null) {
            return none + rowsNeeded(table.get(0).validation(), settings, judged.labelled(), compared);
        }
        // A regressor's rule says what the bound needed: that of the first round tested.
        int tested = 0;
        while (tested < table.size() - 1 && !(judged.verdict().levels()[tested] > 0)) {
            tested++;
        }
        return none + " (round " + (tested + 1) + ": " + judged.rules().get(tested) + ")";
    }

    /** What the report says of a budget other than parameters. */
    static List<String> budgetNotes(GraphRun settings, UnitCosts.Counter counter) {
        List<String> notes = new ArrayList<>();
        if (settings.budget() == org.odf2nna.settings.Budget.MACS) {
            notes.add("the rounds removed shares of the blocks' multiply-adds per row (budget macs), each unit's "
                    + "score per multiply-add it saves");
        }
        LayerTimes times = counter.times();
        if (times != null) {
            int timed = times.nanosPerMultiplyAdd().size();
            notes.add(String.format(java.util.Locale.ROOT, "the rounds removed shares of the blocks' time per row "
                    + "(budget latency): %d block layers timed alone in ONNX Runtime%s in %.1f s (batch 1 and %d, "
                    + "%d thread%s), each counted as its multiply-adds times its time per multiply-add; each unit's "
                    + "score per time it saves%s", timed, times.distinct() < timed ? " (" + times.distinct()
                    + " run, the others alike)" : "", times.seconds(), settings.settings().latency().on()
                    ? settings.settings().latency().batch() : org.odf2nna.settings.LatencyCheck.DEFAULT_BATCH,
                    settings.settings().latency().threads(), settings.settings().latency().threads() == 1 ? "" : "s",
                    times.untimed().isEmpty() ? "" : "; " + times.untimed().size() + " could not run alone and "
                    + "took the others' rate (" + String.join(", ", times.untimed().subList(0,
                    Math.min(3, times.untimed().size()))) + (times.untimed().size() > 3 ? ", ..." : "") + ")"));
        }
        return notes;
    }

    /** What the report says of how the rows were fed and judged, where that is not the plain case. */
    static List<String> notes(GraphRun settings, GraphFeed feed, Decoder decoder, GraphRows validation) {
        List<String> notes = new ArrayList<>();
        if (settings.endToEnd() && !RoundRetraining.feeds(feed)) {
            GraphFeed.Side side = feed.sides().stream().filter(s -> s.batchAxis() != 0).findFirst().orElseThrow();
            notes.add("end-to-end retraining feeds inputs whose batch is their first axis; input '" + side.name()
                    + "' has " + (side.batchAxis() < 0 ? "none (the same for every row)" : "it on axis "
                    + side.batchAxis()) + ", so every round keeps the sequential block refit");
        }
        if (settings.nextToken()) {
            if (settings.endToEnd()) {
                notes.add("a language model's rounds retrain end to end on the next token at every position of the "
                        + "training windows, distilled from the original's softmax per token");
            }
            notes.add("windows judged as a language model's: each validation window's mean cross-entropy per token "
                    + "against the next tokens, the perplexity's rise bounded (docs/promise.md)");
        } else if (!settings.regression() && !decoder.classes()) {
            notes.add("rows judged on agreement with the original's " + decoder.judged()
                    + (validation.labelled() ? "; the labels of the rows are not used" : ""));
        }
        return notes;
    }

    /**
     * Where the first round failed for want of rows rather than for its losses: how many validation rows (images) at
     * the rates it showed would have certified it (population reading). Empty where no count would.
     */
    static String rowsNeeded(SweepReport.Judged first, GraphRun settings, boolean labelled, String compared) {
        if (settings.promise() != ChainCertificate.Reading.POPULATION || settings.nextToken() || first == null
                || first.lost() < 0) {
            return "";
        }
        int rows = first.rows();
        int needed = ChainCertificate.rowsToHold(rows, settings.maxDrop(), labelled, first.lost(), first.gained());
        if (needed <= rows) {
            return "";
        }
        boolean boxes = labelled && GraphDetectionJudging.LABELLED_WORDS.equals(compared);
        String seen = seen(first, rows, boxes, labelled, compared);
        return String.format(java.util.Locale.ROOT, " (round 1: %s; as often over about %,d %s, it would hold: "
                + "give more with %s, or allow more with %s)", seen, roundUp(needed),
                boxes ? "images" : "rows", org.odf2nna.Setting.VALIDATION.ref(), org.odf2nna.Setting.MAX_DROP.ref());
    }

    /** What a round's validation rows showed, in words: images worse and better, rows lost and gained, or changed. */
    private static String seen(SweepReport.Judged v, int rows, boolean boxes, boolean labelled, String judged) {
        return boxes ? v.lost() + " of " + rows + " validation images worse on their boxes, " + v.gained() + " better"
                : labelled ? v.lost() + " of " + rows + " validation rows lost, " + v.gained() + " gained"
                : (v.lost() + v.gained()) + " of " + rows + " validation " + judged + " changed";
    }

    /** A count as a user would ask for it: up to two significant digits. */
    private static int roundUp(int n) {
        int step = 1;
        while (n / step >= 100) {
            step *= 10;
        }
        return (n + step - 1) / step * step;
    }

    /** How the chosen round held, in words, under a reading. */
    static String heldAt(ChainCertificate.Reading reading) {
        return reading == ChainCertificate.Reading.POPULATION
                ? "at the whole 5%, the rounds tested in order up to the first that fails"
                : "at its part of one 5% (shared by at most " + ChainCertificate.NEW_SET_ROUNDS + " rounds picked on "
                + "training rows)";
    }

    /** The choice in words, with the promise it carries (as the dense-chain sweep states it). */
    static String promise(int chosen, SweepReport.Round round, int rows, GraphRun settings, boolean labelled,
            String judged) {
        SweepReport.Judged v = round.validation();
        double maxDrop = settings.maxDrop();
        boolean boxes = labelled && GraphDetectionJudging.LABELLED_WORDS.equals(judged);
        ChainCertificate.Reading reading = settings.promise();
        String where = reading == ChainCertificate.Reading.POPULATION
                ? "on the data the validation rows come from" : "on a new set of " + rows + " rows drawn like the "
                + "validation rows";
        return String.format(java.util.Locale.ROOT, "round %d (%d parameters, %.1f%% fewer; %.1f%% of the block "
                + "parameters), the last round that holds %s (%.4f): %s. The promise (%s reading): over repeated "
                + "runs, at most 5%% write a model that %s %s", chosen + 1, round.size().parameters(),
                round.size().reductionPercent(), round.size().blockReductionPercent(), heldAt(reading), round.level(),
                seen(v, rows, boxes, labelled, judged), reading.option(),
                boxes ? "makes more than " + org.odf2nna.report.ReportFormat.number(100 * maxDrop) + " points more of "
                        + "the images worse than better (" + judged + ")"
                : labelled ? "loses more than " + org.odf2nna.report.ReportFormat.number(100 * maxDrop)
                        + (100 * maxDrop == 1 ? " accuracy point" : " accuracy points")
                        : "changes more than " + org.odf2nna.report.ReportFormat.number(100 * maxDrop)
                        + "% of its " + judged, where);
    }
}

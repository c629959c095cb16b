package org.odf2nna.report;

import java.util.List;

/**
 * What {@code sweep} did on a graph's dense blocks: progressive rounds over one ranking of every block's units, each
 * round's whole graph judged in ONNX Runtime on the validation rows, the round written chosen by the chain rule
 * ({@code metrics.ChainCertificate}), and the report rows measured, never used to choose.
 *
 * <p>The JSON report writes the parts' fields among the report's own ({@link JsonInline}), as it did before they were
 * grouped; in code they are read from the part that holds them ({@code report.outcome().rounds()}).
 *
 * @param model      the input model
 * @param output     the written model, or null when no round kept the promise
 * @param blocks     the original's blocks
 * @param method     how the rounds were made and judged
 * @param original   the original, judged on the validation rows and measured on the report rows
 * @param outcome    the rounds and the one written
 * @param run        how long it took, what retrained the rounds, its notes and charts ({@link Run}; its fields are
 *                   also read directly: {@link #notes()}, {@link #retraining()})
 * @param latency    the original and the certified rounds timed side by side in ONNX Runtime, and which that let
 *                   through ({@link Latency}); null when nothing was timed (no round held)
 */
public record GraphSweepReport(String model, String output, GraphBlocks blocks, Method method, Original original,
        Outcome outcome, Run run, Latency latency) implements SweepChoice {

    /** A report without timings (none were made). */
    public GraphSweepReport(String model, String output, GraphBlocks blocks, Method method, Original original,
            Outcome outcome, Run run) {
        this(model, output, blocks, method, original, outcome, run, null);
    }

    /**
     * The run itself.
     *
     * @param seconds    wall time of the sweep
     * @param retraining what retrained each round's graph after the compensation, in words
     * @param notes      what the reader should know of the run, one line each (a retraining that fell back)
     * @param charts     the chart files written (PNG and SVG), none when no chart was asked for
     */
    @JsonInline
    public record Run(double seconds, String retraining, List<String> notes, List<String> charts) {

        public Run {
            notes = List.copyOf(notes);
            charts = List.copyOf(charts);
        }
    }

    /** What retrained each round's graph after the compensation, in words. */
    public String retraining() {
        return run.retraining();
    }

    /** What the reader should know of the run, one line each. */
    public List<String> notes() {
        return run.notes();
    }

    /** The index of the round written, or null. */
    @Override
    public Integer chosen() {
        return outcome.chosen();
    }

    /** Why that round (or none) was written, in words. */
    @Override
    public String choice() {
        return outcome.choice();
    }

    /** The chart files written (PNG and SVG), none when no chart was asked for. */
    @Override
    public List<String> charts() {
        return run.charts();
    }

    /**
     * The same report with the original and the candidates timed ({@code latency}), the round written now
     * {@code chosen} (0-based; null: none, every certified round being slower than the original).
     */
    public GraphSweepReport withLatency(Latency latency, Integer chosen) {
        return new GraphSweepReport(model, output, blocks, method, original, new Outcome(outcome.rounds(), chosen,
                outcome.choice()), run, latency);
    }

    /**
     * How the rounds were made and judged.
     *
     * @param ranking        how units were ranked across blocks
     * @param compensation   how the second layers made up for dropped units
     * @param share          the block parameters each round removes, as a share of the original's
     * @param maxDrop        the loss allowed: accuracy points, or for a regressor percent of the original's MSE
     * @param statisticsRows training rows the units were measured on each round
     * @param budget         what the share is of: {@code macs} or {@code latency} ({@link ComputeSummary#budget}); null for
     *                       parameters (the reports written before there was a choice)
     */
    @JsonInline
    public record Method(String ranking, String compensation, double share, double maxDrop, int statisticsRows,
            String budget) {

        /** The rounds counting parameters. */
        public Method(String ranking, String compensation, double share, double maxDrop, int statisticsRows) {
            this(ranking, compensation, share, maxDrop, statisticsRows, null);
        }
    }

    /**
     * The original model judged.
     *
     * @param labelled   whether the validation rows had labels (without: changed predictions count as lost)
     * @param validation the original judged on the validation rows
     * @param report     the original measured on the report rows (null without them)
     */
    @JsonInline
    public record Original(boolean labelled, Judged validation, Judged report) {
    }

    /**
     * The rounds and the one written.
     *
     * @param rounds the rounds, in order
     * @param chosen the index of the round written, or null
     * @param choice why that round (or none) was written, in words
     */
    @JsonInline
    public record Outcome(List<Round> rounds, Integer chosen, String choice) {

        public Outcome {
            rounds = List.copyOf(rounds);
        }
    }

    /** The same report, the chosen model written to {@code path}. */
    public GraphSweepReport withOutput(String path) {
        return new GraphSweepReport(model, path, blocks, method, original, outcome, run, latency);
    }

    /** The same report with {@code more} notes after its own. */
    public GraphSweepReport withNotes(List<String> more) {
        List<String> all = new java.util.ArrayList<>(run.notes());
        all.addAll(more);
        return new GraphSweepReport(model, output, blocks, method, original, outcome,
                new Run(run.seconds(), run.retraining(), all, run.charts()), latency);
    }

    /**
     * The same report with a detector's mAP50-95 measured on the validation and report images: {@code validation}
     * and {@code report} hold the original's first, then each round's (null: not measured there).
     */
    public GraphSweepReport withMaps(double[] validation, double[] report) {
        Original o = new Original(original.labelled(), mapped(original.validation(), validation, 0),
                mapped(original.report(), report, 0));
        List<Round> rounds = new java.util.ArrayList<>();
        for (int i = 0; i < outcome.rounds().size(); i++) {
            Round r = outcome.rounds().get(i);
            rounds.add(new Round(r.round(), r.size(), r.level(), r.holds(), mapped(r.validation(), validation, i + 1),
                    mapped(r.report(), report, i + 1), r.retrained()));
        }
        return new GraphSweepReport(model, output, blocks, method, o, new Outcome(rounds, outcome.chosen(),
                outcome.choice()), run, latency);
    }

    private static Judged mapped(Judged j, double[] maps, int i) {
        return j == null || maps == null ? j : j.withMap(maps[i]);
    }

    /** The same report, its chart written to {@code files}. */
    public GraphSweepReport withCharts(List<String> files) {
        return new GraphSweepReport(model, output, blocks, method, original, outcome,
                new Run(run.seconds(), run.retraining(), run.notes(), files), latency);
    }

    /**
     * A model measured on rows against the original.
     *
     * @param rows     rows measured
     * @param accuracy its accuracy (NaN without labels)
     * @param lost     rows the original got right and this one wrong (without labels: changed predictions)
     * @param gained   rows the original got wrong and this one right
     * @param mse      a regressor's MSE, its outputs clipped to the training targets' range (NaN for a classifier,
     *                 whose lost and gained rows are what count)
     * @param perplexity a language model's perplexity on the windows (exp of the mean cross-entropy per token
     *                 predicted), NaN for other models; its next-token accuracy is {@code accuracy} then
     * @param map      a detector's mAP50-95 on labelled images (only measured: its rounds are judged by the images
     *                 whose detections changed, {@code lost}), NaN for other models and without boxes
     */
    public record Judged(int rows, double accuracy, int lost, int gained, double mse, double perplexity, double map) {

        /** A classifier judged. */
        public Judged(int rows, double accuracy, int lost, int gained) {
            this(rows, accuracy, lost, gained, Double.NaN);
        }

        /** A classifier or a regressor judged. */
        public Judged(int rows, double accuracy, int lost, int gained, double mse) {
            this(rows, accuracy, lost, gained, mse, Double.NaN, Double.NaN);
        }

        /** A language model measured on {@code rows} windows. */
        public static Judged languageModel(int rows, double perplexity, double accuracy) {
            return new Judged(rows, accuracy, 0, 0, Double.NaN, perplexity, Double.NaN);
        }

        /** The same, with a detector's mAP50-95 on the same images. */
        public Judged withMap(double value) {
            return new Judged(rows, accuracy, lost, gained, mse, perplexity, value);
        }

        /** Whether a detector's mAP was measured. */
        public boolean detection() {
            return !Double.isNaN(map);
        }

        /** Whether this is a regressor's MSE rather than a classifier's counts. */
        public boolean regression() {
            return !Double.isNaN(mse);
        }

        /** Whether this is a language model's perplexity. */
        public boolean languageModel() {
            return !Double.isNaN(perplexity);
        }
    }

    /**
     * One round (its JSON fields are those of its size, in its place, among its own; the size's fields are also read
     * directly: {@link #widths()}, {@link #parameters()} ...).
     *
     * @param round          its number, from 1
     * @param size           the model after it, and what it has removed so far
     * @param level          its part of the 5%
     * @param holds          whether it holds at that part on the validation rows
     * @param validation     judged on the validation rows
     * @param report         measured on the report rows (null without them)
     * @param retrained      its end-to-end retraining ({@link Retrained}; its fields are also read directly:
     *                       {@link #retrainedEpoch()} ...)
     */
    public record Round(int round, Size size, double level, boolean holds, Judged validation, Judged report,
            Retrained retrained) {

        /** The end-to-end retraining's epoch kept, or null when the round was not retrained end to end. */
        public Integer retrainedEpoch() {
            return retrained == null ? null : retrained.retrainedEpoch();
        }

        /** How long its end-to-end retraining took, or null when it was not retrained. */
        public Double retrainingSeconds() {
            return retrained == null ? null : retrained.retrainingSeconds();
        }

        /** Why it went without the end-to-end retraining the run does, or null when it did not. */
        public String retrainingSkipped() {
            return retrained == null ? null : retrained.retrainingSkipped();
        }
    }

    /**
     * A round's end-to-end retraining.
     *
     * @param retrainedEpoch    the epoch kept (0: the compensated values), or null when the round was not retrained
     *                          end to end
     * @param retrainingSeconds how long it took, or null when it did not run
     * @param retrainingSkipped why the round went without the retraining the run does, or null when it did not (the
     *                          last retraining kept the refitted values, and its refit alone stayed within the
     *                          round's bound)
     */
    @JsonInline
    public record Retrained(Integer retrainedEpoch, Double retrainingSeconds, String retrainingSkipped) {

        /** The epoch kept (null: not retrained end to end), without the retraining's time. */
        public static Retrained epoch(Integer retrainedEpoch) {
            return new Retrained(retrainedEpoch, null, null);
        }
    }

    /**
     * A round's model and what it has removed.
     *
     * @param widths                every block's hidden width after it, as {@code 192-101-57}
     * @param parameters            the model's parameters after it
     * @param blockReductionPercent the share of the original's block parameters removed so far
     * @param reductionPercent      the share of all the original's parameters removed so far
     */
    @JsonInline
    public record Size(String widths, long parameters, double blockReductionPercent, double reductionPercent) {
    }
}

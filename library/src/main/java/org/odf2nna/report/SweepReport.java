package org.odf2nna.report;

import java.util.ArrayList;
import java.util.List;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.network.InputRange;

/**
 * What {@code sweep} did, on a dense chain or on a graph's dense blocks. A chain's run fills {@link #chain}: the
 * paper's table over ε or over progressive rounds, the model chosen and why, and (optionally) the same topology trained
 * from scratch. A graph's fills {@link #graph}: progressive rounds over one ranking of every block's units, each
 * round's whole graph judged in ONNX Runtime on the validation rows, the round written chosen by the chain rule
 * ({@code metrics.ChainCertificate}), and the report rows measured, never used to choose.
 *
 * <p>Both parts are {@link JsonInline} alternatives: the part a run leaves null writes nothing, so each side's JSON
 * report keeps the layout it always had (the chain's fields, or the graph's, then {@code latency}). The parts' fields
 * are also read directly ({@link #table()}, {@link #chosen()}, {@link #outcome()} ...).
 *
 * @param chain   a chain's sweep, null on a graph
 * @param graph   a graph's sweep, null on a chain
 * @param latency the original and the certified outcomes timed side by side in ONNX Runtime, and which that let
 *                through ({@link Latency}); null when nothing was timed
 */
public record SweepReport(Chain chain, Graph graph, Latency latency) implements SweepChoice {

    /** A dense chain's report without timings ({@link #withLatency(Latency)} adds them). */
    public SweepReport(ShrinkReport table, String grid, Decision decision, String output, Scratch scratch,
            List<String> charts, Int8Summary int8, Clip clip) {
        this(new Chain(table, grid, decision, output, scratch, charts, int8, clip), null, null);
    }

    /** A dense chain's report without an input range (the ε schedule, or before the rounds' range is known). */
    public SweepReport(ShrinkReport table, String grid, Decision decision, String output, Scratch scratch,
            List<String> charts, Int8Summary int8) {
        this(table, grid, decision, output, scratch, charts, int8, new Clip(null, false));
    }

    /** A graph's report without timings (none were made). */
    public static SweepReport ofGraph(String model, String output, GraphBlocks blocks, Method method,
            Original original, Outcome outcome, Run run) {
        return ofGraph(model, output, blocks, method, original, outcome, run, null);
    }

    /** A graph's report. */
    public static SweepReport ofGraph(String model, String output, GraphBlocks blocks, Method method,
            Original original, Outcome outcome, Run run, Latency latency) {
        return new SweepReport(null, new Graph(model, output, blocks, method, original, outcome, run), latency);
    }

    /**
     * A dense chain's sweep (its JSON fields are those of the parts, in this order, among its own).
     *
     * @param table    the per-ε (or per-round) outcomes (OR, PWR, PR, parameters)
     * @param grid     how the thresholds were chosen (or the progressive schedule)
     * @param decision the tolerance, the original's validation metric, and the outcome chosen and why
     * @param output   the file the chosen model was written to, or null
     * @param scratch  the chosen topology trained from scratch, or null
     * @param charts   chart files written
     * @param int8     with int8 weights, what they did to the written model (bytes, the layers int8 and float, the
     *                 largest difference from the float round); null for float weights or nothing written
     * @param clip     progressive pruning: the training rows' input range, and whether the written model clips to it
     */
    @JsonInline(alternative = true)
    public record Chain(ShrinkReport table, String grid, Decision decision, String output, Scratch scratch,
            List<String> charts, Int8Summary int8, Clip clip) {

        public Chain {
            charts = List.copyOf(charts);
        }
    }

    /**
     * A graph's sweep (its JSON fields are those of the parts, in this order, among its own).
     *
     * @param model    the input model
     * @param output   the written model, or null when no round kept the promise
     * @param blocks   the original's blocks
     * @param method   how the rounds were made and judged
     * @param original the original, judged on the validation rows and measured on the report rows
     * @param outcome  the rounds and the one written
     * @param run      how long it took, what retrained the rounds, its notes and charts
     */
    @JsonInline(alternative = true)
    public record Graph(String model, String output, GraphBlocks blocks, Method method, Original original,
            Outcome outcome, Run run) {
    }

    /** Whether this is a graph's sweep (else a dense chain's). */
    public boolean onGraph() {
        return graph != null;
    }

    /** The file the chosen model was written to, or null. */
    @Override
    public String output() {
        return graph != null ? graph.output() : chain.output();
    }

    /** Index of the chosen outcome (an ε or a round), or null when none qualified. */
    @Override
    public Integer chosen() {
        return graph != null ? graph.outcome().chosen() : chain.decision().chosen();
    }

    /** Why that outcome (or none) was chosen, in words. */
    @Override
    public String choice() {
        return graph != null ? graph.outcome().choice() : chain.decision().choice();
    }

    /** The chart files written (PNG and SVG), none when no chart was asked for. */
    @Override
    public List<String> charts() {
        return graph != null ? graph.run().charts() : chain.charts();
    }

    /** The same report with the chart files written from it. */
    public SweepReport withCharts(List<String> written) {
        if (graph != null) {
            Run run = graph.run();
            return withGraph(graph.outcome(), new Run(run.seconds(), run.retraining(), run.notes(), written),
                    graph.output(), graph.original(), latency);
        }
        return withChain(chain.output(), written, chain.clip(), latency);
    }

    private SweepReport withChain(String output, List<String> charts, Clip clip, Latency timed) {
        return new SweepReport(new Chain(chain.table(), chain.grid(), chain.decision(), output, chain.scratch(),
                charts, chain.int8(), clip), null, timed);
    }

    private SweepReport withGraph(Outcome outcome, Run run, String output, Original original, Latency timed) {
        return new SweepReport(null, new Graph(graph.model(), output, graph.blocks(), graph.method(), original,
                outcome, run), timed);
    }

    // A dense chain's parts, read directly.

    /** A chain's per-ε (or per-round) outcomes. */
    public ShrinkReport table() {
        return chain.table();
    }

    /** A chain's: how the thresholds were chosen, or the progressive schedule. */
    public String grid() {
        return chain.grid();
    }

    /** A chain's: the tolerance, the original's validation metric, and the outcome chosen and why. */
    public Decision decision() {
        return chain.decision();
    }

    /** A chain's: the chosen topology trained from scratch, or null. */
    public Scratch scratch() {
        return chain.scratch();
    }

    /** A chain's: what int8 weights did to the written model, or null. */
    public Int8Summary int8() {
        return chain.int8();
    }

    /** A chain's: the training rows' input range, and whether the written model clips to it. */
    public Clip clip() {
        return chain.clip();
    }

    /** The tolerance of the choice (a graph's: its method's). */
    public double maxDrop() {
        return graph != null ? graph.method().maxDrop() : chain.decision().maxDrop();
    }

    /** A chain's: "accuracy points" or "% of MSE". */
    public String maxDropUnit() {
        return chain.decision().maxDropUnit();
    }

    /** A chain's: the original model's metric on the validation rows. */
    public double originalValidation() {
        return chain.decision().originalValidation();
    }

    /** Progressive pruning: the per-column range of the training rows at the dense chain's input; else null. */
    public InputRange inputRange() {
        return chain.clip().inputRange();
    }

    /** Whether the written model clips its inputs to {@link #inputRange()}. */
    public boolean inputsClipped() {
        return chain.clip().inputsClipped();
    }

    /** A chain's report with the original and the certified rounds timed ({@link Latency}). */
    public SweepReport withLatency(Latency value) {
        return withChain(chain.output(), chain.charts(), chain.clip(), value);
    }

    /** A chain's report with the training rows' input range, and whether the inputs were clipped to it. */
    public SweepReport withInputRange(InputRange range, boolean clipped) {
        return withChain(chain.output(), chain.charts(), new Clip(range, clipped), latency);
    }

    // A graph's parts, read directly.

    /** A graph's input model. */
    public String model() {
        return graph.model();
    }

    /** A graph's original blocks. */
    public GraphBlocks blocks() {
        return graph.blocks();
    }

    /** A graph's: how the rounds were made and judged. */
    public Method method() {
        return graph.method();
    }

    /** A graph's original, judged on the validation rows and measured on the report rows. */
    public Original original() {
        return graph.original();
    }

    /** A graph's rounds and the one written. */
    public Outcome outcome() {
        return graph.outcome();
    }

    /** A graph's run: how long it took, what retrained the rounds, its notes and charts. */
    public Run run() {
        return graph.run();
    }

    /** What retrained each round's graph after the compensation, in words. */
    public String retraining() {
        return graph.run().retraining();
    }

    /** What the reader should know of a graph's run, one line each. */
    public List<String> notes() {
        return graph.run().notes();
    }

    /**
     * A graph's report with the original and the candidates timed ({@code timed}), the round written now
     * {@code chosen} (0-based; null: none, every certified round being slower than the original).
     */
    public SweepReport withLatency(Latency timed, Integer chosen) {
        Outcome o = graph.outcome();
        return withGraph(new Outcome(o.rounds(), chosen, o.choice()), graph.run(), graph.output(), graph.original(),
                timed);
    }

    /** A graph's report, the chosen model written to {@code path}. */
    public SweepReport withOutput(String path) {
        return withGraph(graph.outcome(), graph.run(), path, graph.original(), latency);
    }

    /** A graph's report with {@code more} notes after its own. */
    public SweepReport withNotes(List<String> more) {
        Run run = graph.run();
        List<String> all = new ArrayList<>(run.notes());
        all.addAll(more);
        return withGraph(graph.outcome(), new Run(run.seconds(), run.retraining(), all, run.charts()), graph.output(),
                graph.original(), latency);
    }

    /**
     * A graph's report with a detector's mAP50-95 measured on the validation and report images: {@code validation}
     * and {@code report} hold the original's first, then each round's (null: not measured there).
     */
    public SweepReport withMaps(double[] validation, double[] report) {
        Original original = graph.original();
        Original o = new Original(original.labelled(), mapped(original.validation(), validation, 0),
                mapped(original.report(), report, 0));
        List<Round> rounds = new ArrayList<>();
        for (int i = 0; i < graph.outcome().rounds().size(); i++) {
            Round r = graph.outcome().rounds().get(i);
            rounds.add(new Round(r.round(), r.size(), r.level(), r.holds(), mapped(r.validation(), validation, i + 1),
                    mapped(r.report(), report, i + 1), r.retrained()));
        }
        return withGraph(new Outcome(rounds, chosen(), choice()), graph.run(), graph.output(), o, latency);
    }

    private static Judged mapped(Judged j, double[] maps, int i) {
        return j == null || maps == null ? j : j.withMap(maps[i]);
    }

    /**
     * The choice.
     *
     * @param maxDrop            the tolerance of the choice
     * @param maxDropUnit        "accuracy points" or "% of MSE"
     * @param originalValidation the original model's metric on the validation rows
     * @param chosen             index of the chosen outcome, or null when none qualified
     * @param choice             the sentence explaining the choice
     */
    @JsonInline
    public record Decision(double maxDrop, String maxDropUnit, double originalValidation, Integer chosen,
            String choice) {
    }

    /**
     * The inputs' range.
     *
     * @param inputRange    progressive pruning: the per-column range of the training rows at the dense chain's input
     *                      (the rows retraining saw, the validation rows held out), recorded in the written model's
     *                      metadata; null for the ε schedule
     * @param inputsClipped whether the written model clips its inputs to {@code inputRange} and the rounds were
     *                      judged so
     */
    @JsonInline
    public record Clip(InputRange inputRange, boolean inputsClipped) {
    }

    /**
     * The chosen topology trained from Glorot-initialised weights, with the retraining's budget (the paper's
     * §5 comparison: what the transferred weights are worth).
     */
    public record Scratch(String architecture, long parameters, Metrics metrics, TrainingSummary training) {
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

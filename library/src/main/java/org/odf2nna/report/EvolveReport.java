package org.odf2nna.report;

import java.util.List;
import org.odf2nna.metrics.Metrics;

/**
 * Everything an evolve run measured, on a dense chain or on a graph's blocks: the original model, how the search went,
 * and the model it wrote. A chain's run fills {@link #evaluated}, {@link #measured} and {@link #retraining}; a graph's
 * fills {@link #graphRun} and {@link #graphRound} instead, and its {@link Search} and {@link Outcome} hold their graph
 * parts. Its JSON fields are those of the parts, in this order, among its own; the
 * parts a run leaves null write nothing, so each side writes the layout it always had.
 *
 * @param evaluated       a chain's: the model file and the rows it was evaluated on
 * @param graphRun        a graph's: the model, the written model and the rows
 * @param measured        a chain's: the original network and its metrics
 * @param search          what was searched and how
 * @param generations     the best fitness after the initial population and after every generation
 * @param outcome         the model written
 * @param retraining      a chain's: the retraining settings
 * @param graphRound      a graph's: how the best mask's round was retrained, its notes, the run's wall time
 */
public record EvolveReport(
        Evaluated evaluated,
        GraphRun graphRun,
        Measured measured,
        Search search,
        List<Generation> generations,
        Outcome outcome,
        Retraining retraining,
        GraphRound graphRound) {

    public EvolveReport {
        generations = List.copyOf(generations);
    }

    /** A dense chain's report. */
    public EvolveReport(Evaluated evaluated, NetworkSummary original, Metrics originalMetrics, Search search,
            List<Generation> generations, Outcome outcome, Retraining retraining) {
        this(evaluated, null, new Measured(original, originalMetrics), search, generations, outcome, retraining, null);
    }

    /** A graph's report. */
    public static EvolveReport ofGraph(GraphRun run, Search search, List<Generation> generations, Outcome outcome,
            GraphRound round) {
        return new EvolveReport(null, run, null, search, generations, outcome, null, round);
    }

    /** A chain's original network (null on a graph). */
    public NetworkSummary original() {
        return measured == null ? null : measured.original();
    }

    /** A chain's metrics of the original model (OR), null without targets (and on a graph). */
    public Metrics originalMetrics() {
        return measured == null ? null : measured.originalMetrics();
    }

    /** The input model file, on either side. */
    public String model() {
        return evaluated != null ? evaluated.model() : graphRun.model();
    }

    /**
     * The model and the rows it was evaluated on.
     *
     * @param model the input model file
     * @param data  the evaluation CSV (never used for the search's choices)
     * @param rows  evaluation rows
     * @param task  classification or regression
     */
    @JsonInline(alternative = true)
    public record Evaluated(String model, String data, long rows, String task) {
    }

    /**
     * A dense chain's original model, measured.
     *
     * @param original        the original network
     * @param originalMetrics metrics of the original model (OR), null without targets
     */
    @JsonInline(alternative = true)
    public record Measured(NetworkSummary original, Metrics originalMetrics) {
    }

    /**
     * What was searched and how (its JSON fields are those of the parts, in this order, among its own).
     *
     * @param chainSpace a chain's: the layers or features searched
     * @param graphSpace a graph's: its blocks and units
     * @param ga         the genetic algorithm's settings
     * @param fitness    a chain's: how an individual was scored (a graph's is its validation accuracy)
     * @param effort     what the search spent, and whether it stopped early
     */
    public record Search(ChainSpace chainSpace, GraphSpace graphSpace, Ga ga, Fitness fitness, Effort effort) {

        /** A dense chain's search. */
        public Search(String target, List<Integer> layers, int bits, Ga ga, Fitness fitness, Effort effort) {
            this(new ChainSpace(target, layers, bits), null, ga, fitness, effort);
        }

        /** A graph's search. */
        public Search(int blocks, int units, Ga ga, Effort effort) {
            this(null, new GraphSpace(blocks, units), ga, null, effort);
        }

        /** A chain's: "units" or "features". */
        public String target() {
            return chainSpace.target();
        }

        /** A chain's: 1-based hidden layers searched (empty for features). */
        public List<Integer> layers() {
            return chainSpace.layers();
        }

        /** A chain's: bits per mask. */
        public int bits() {
            return chainSpace.bits();
        }

        /** A graph's blocks (a residual stream's blocks counted once: they share a segment). */
        public int blocks() {
            return graphSpace.blocks();
        }

        /** A graph's units searched, one bit each. */
        public int units() {
            return graphSpace.units();
        }
    }

    /**
     * What a dense chain's search looked at.
     *
     * @param target "units" or "features"
     * @param layers 1-based hidden layers searched (empty for features)
     * @param bits   bits per mask
     */
    @JsonInline(alternative = true)
    public record ChainSpace(String target, List<Integer> layers, int bits) {

        public ChainSpace {
            layers = List.copyOf(layers);
        }
    }

    /**
     * What a graph's search looked at.
     *
     * @param blocks the graph's blocks (a residual stream's blocks counted once: they share a segment)
     * @param units  the units searched, one bit each
     */
    @JsonInline(alternative = true)
    public record GraphSpace(int blocks, int units) {
    }

    /**
     * The genetic algorithm's settings.
     *
     * @param population individuals
     * @param budget     fitness evaluations allowed
     * @param mutation   chance that a child has one bit flipped
     * @param seed       seed of the search, the validation split and the training
     * @param threads    fitness evaluations run at once
     */
    @JsonInline
    public record Ga(int population, int budget, double mutation, long seed, int threads) {
    }

    /**
     * How an individual was scored.
     *
     * @param fitnessEpochs  fine-tuning epochs per evaluation (0: mean folding only)
     * @param fitnessMetric  "accuracy" or "mse", measured on the validation rows
     * @param validationRows training rows held out to measure fitness
     */
    @JsonInline(alternative = true)
    public record Fitness(int fitnessEpochs, String fitnessMetric, int validationRows) {
    }

    /**
     * What the search spent.
     *
     * @param evaluations fitness evaluations made
     * @param cacheHits   children answered from the cache
     * @param children    children produced after the initial population
     * @param stalled     whether the search stopped early, having converged
     */
    @JsonInline
    public record Effort(int evaluations, int cacheHits, int children, boolean stalled) {
    }

    /**
     * @param generation  0 for the initial population
     * @param evaluations fitness evaluations made so far
     * @param best        the best individual's validation figure (accuracy, or MSE)
     * @param bestActive  units (or features) the best individual keeps
     */
    public record Generation(int generation, int evaluations, double best, int bestActive) {
    }

    /**
     * The model written (its JSON fields are those of the parts, in this order, among its own). A graph's holds only
     * its mask and {@link #graph}.
     *
     * @param output  a chain's: the file written
     * @param mask    the best mask, bit 0 first ("1" keeps); a graph's block after block
     * @param kept    a chain's: what the best mask keeps
     * @param figures a chain's: the best mask's fitness, and the masked network before and after retraining
     * @param written a chain's: the written file's check, its retraining and its compensation
     * @param graph   a graph's: its widths, sizes and judgements
     */
    public record Outcome(String output, String mask, Kept kept, Figures figures, ChainWritten written,
            GraphOutcome graph) {

        /** A dense chain's outcome. */
        public Outcome(String output, String mask, Kept kept, Figures figures, double maxOutputDifference,
                TrainingSummary training, String compensation, BothCompensations both) {
            this(output, mask, kept, figures, new ChainWritten(maxOutputDifference, training, compensation, both),
                    null);
        }

        /** A graph's outcome. */
        public Outcome(String mask, GraphOutcome graph) {
            this(null, mask, null, null, null, graph);
        }

        /** A chain's: see {@link ChainWritten#maxOutputDifference}. */
        public double maxOutputDifference() {
            return written.maxOutputDifference();
        }

        /** A chain's: how retraining went. */
        public TrainingSummary training() {
            return written.training();
        }

        /** A chain's: "lsq" or "mean". */
        public String compensation() {
            return written.compensation();
        }

        /** A chain's: PWR with each compensation. */
        public BothCompensations both() {
            return written.both();
        }
    }

    /**
     * How a dense chain's written model came to be (its JSON fields are those of the part, in this order, among its
     * own).
     *
     * @param maxOutputDifference largest difference between the written file's outputs in ONNX Runtime and the
     *                            internal network's on the sample rows
     * @param training            how retraining went
     * @param compensation        "lsq" or "mean": how the mask became the network of PWR, retrained and written
     * @param both                PWR with each compensation
     */
    @JsonInline(alternative = true)
    public record ChainWritten(double maxOutputDifference, TrainingSummary training, String compensation,
            BothCompensations both) {
    }

    /**
     * What the best mask keeps.
     *
     * @param network          size of the smaller network
     * @param reductionPercent share of the original parameters removed, in percent
     * @param unitsKept        units kept per hidden layer
     * @param featuresKept     names of the input columns kept (feature selection), else null
     */
    @JsonInline(alternative = true)
    public record Kept(NetworkSummary network, double reductionPercent, List<Integer> unitsKept,
            List<String> featuresKept) {

        public Kept {
            unitsKept = List.copyOf(unitsKept);
            featuresKept = featuresKept == null ? null : List.copyOf(featuresKept);
        }
    }

    /**
     * The best mask's figures.
     *
     * @param validation the best mask's validation figure (its fitness)
     * @param pruned     metrics of the masked network before retraining (PWR), null without targets
     * @param retrained  metrics after retraining (PR), null without targets
     */
    @JsonInline(alternative = true)
    public record Figures(double validation, Metrics pruned, Metrics retrained) {
    }

    /**
     * PWR with each compensation.
     *
     * @param prunedMeanFolding  PWR with mean folding, null without targets
     * @param prunedLeastSquares PWR with least squares (fitted on the training part of the split), null without
     *                           targets
     */
    @JsonInline
    public record BothCompensations(Metrics prunedMeanFolding, Metrics prunedLeastSquares) {
    }

    /**
     * A graph's model and rows.
     *
     * @param model  the input model
     * @param output the written model
     * @param rows   the rows and what each did
     */
    @JsonInline(alternative = true)
    public record GraphRun(String model, String output, Rows rows) {
    }

    /**
     * The rows of a graph's run.
     *
     * @param training       the training file; its first {@code statisticsRows} rows measured the units' means
     * @param statisticsRows rows the units' means were measured on
     * @param validation     the validation file, on which every mask was judged (they chose the mask)
     * @param labelled       whether the validation rows' labels judged (without: agreement with the original)
     * @param eval           the evaluation file, only measured (nothing chosen on it), or null
     */
    public record Rows(String training, int statisticsRows, String validation, boolean labelled, String eval) {
    }

    /**
     * What a graph's best mask became.
     *
     * @param widths             per block (or stream), its name and the units kept of those it had ("name 12/32")
     * @param parametersBefore   the whole model's parameters before
     * @param parametersAfter    the written model's
     * @param multiplyAddsBefore the original's multiply-adds per row (-1 when not counted)
     * @param multiplyAddsAfter  the written model's (-1 when not counted)
     * @param judgements         the original's and the models' accuracy
     */
    @JsonInline(alternative = true)
    public record GraphOutcome(List<String> widths, long parametersBefore, long parametersAfter,
            long multiplyAddsBefore, long multiplyAddsAfter, Judgements judgements) {

        public GraphOutcome {
            widths = List.copyOf(widths);
        }
    }

    /**
     * The original and the models a graph's search made, each on the rows named.
     *
     * @param original     the original on the validation rows
     * @param searched     the best mask as the search judged it (means folded) on the validation rows
     * @param written      the written model on the validation rows
     * @param originalEval the original on the evaluation rows, or null
     * @param writtenEval  the written model on the evaluation rows, or null
     */
    public record Judgements(SweepReport.Judged original, SweepReport.Judged searched,
            SweepReport.Judged written, SweepReport.Judged originalEval,
            SweepReport.Judged writtenEval) {
    }

    /**
     * How a graph's best mask's round was retrained, and the run's wall time.
     *
     * @param retraining how the round was retrained after its refit, in words ("end to end" only where it ran)
     * @param notes      what the retraining said
     * @param seconds    the run's wall time
     */
    @JsonInline(alternative = true)
    public record GraphRound(String retraining, List<String> notes, double seconds) {

        public GraphRound {
            notes = List.copyOf(notes);
        }
    }
}

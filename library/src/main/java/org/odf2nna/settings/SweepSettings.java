package org.odf2nna.settings;

import java.util.List;
import org.odf2nna.Device;
import org.odf2nna.Setting;

/**
 * How a sweep prunes, made by {@link #builder()}: the settings of the command line's {@code sweep}, of
 * {@code FileWorkflows.sweep} on files and of {@code Odf2nna.sweep} on rows in memory alike, with the command line's
 * defaults. The in-memory sweep runs the progressive schedule only, with the task inferred unless given; it reads
 * neither the ε grid ({@code epsilons}, {@code steps}), the unit score, nor {@code compareScratch}.
 *
 * <p>The parts ({@link Search}, {@link Training}, {@link Written}) group what goes together; their fields are also
 * read directly ({@link #schedule()}, {@link #epsilons()}, {@link #retraining()}, {@link #quantize()} ...).
 *
 * @param search   which candidates the sweep makes: the schedule, the ε grid's thresholds, what a round may take
 *                 from one block
 * @param maxDrop  how much worse than the original the chosen network may be on the validation rows: accuracy
 *                 points for classification, percent of the original's MSE for regression; null: by task
 *                 ({@link #maxDrop(Task)})
 * @param pruning  the unit score (ε schedule), the compensation and its ridge
 * @param training how each candidate is retrained, and whether the chosen topology is also trained from scratch
 * @param written  how the candidates' weights are stored and whether their inputs are clipped
 * @param task     the task, or null to infer it from the network's outputs
 * @param device   where the runtimes compute ({@link Device#CUDA} needs the GPU build)
 */
public record SweepSettings(Search search, Double maxDrop, PruningOptions pruning, Training training,
        Written written, Task task, Device device) {

    /** Thresholds derived when none are given. */
    public static final int DEFAULT_STEPS = 8;

    /**
     * Checks every setting; {@link #builder()} is the usual way to make one.
     *
     * @throws InvalidSetting naming the first setting out of range
     */
    public SweepSettings {
        Checks.present("search, pruning, training, written, device", search, pruning, training, written, device);
        Checks.maxDrop(maxDrop);
        InvalidSetting.require(!written.clipInputs() || search.schedule().progressive(), Setting.CLIP_INPUTS.ref()
                + " applies to the progressive schedule, whose rounds are judged with the inputs clipped");
    }

    /**
     * Which candidates a sweep makes.
     *
     * @param schedule    progressive pruning (the default), or the paper's grid of ε
     * @param epsilons    the ε schedule's thresholds, or empty to derive them from the spread of the unit scores
     * @param steps       how many thresholds to derive
     * @param blockLimits what a progressive round may take from one block or hidden layer, and the blocks kept as
     *                    they are ({@link BlockLimits#DEFAULT}: at most half a block per round, never below
     *                    max(2, 10%))
     * @param roundTo     on a graph, what each pruned block's width is kept a multiple of ({@link RoundTo#DEFAULT});
     *                    a dense chain does not read it
     * @param budget      on a graph, what the rounds count ({@link Budget#PARAMS} by default); a dense chain counts
     *                    parameters
     */
    public record Search(Schedule schedule, List<Double> epsilons, int steps, BlockLimits blockLimits,
            RoundTo roundTo, Budget budget) {

        /** The search with the default rounding and budget. */
        public Search(Schedule schedule, List<Double> epsilons, int steps, BlockLimits blockLimits) {
            this(schedule, epsilons, steps, blockLimits, RoundTo.DEFAULT, Budget.PARAMS);
        }

        public Search {
            Checks.present("schedule, blockLimits, roundTo, budget", schedule, blockLimits, roundTo, budget);
            epsilons = List.copyOf(epsilons);
            Checks.distinct(epsilons);
            InvalidSetting.require(steps >= 1, Setting.STEPS.ref() + " must be at least 1, got " + steps);
        }
    }

    /**
     * How each candidate is retrained.
     *
     * @param retraining      how each pruned network is retrained
     * @param graphRetraining on a graph pruned through its dense blocks, what retrains each round after the
     *                        sequential refit ({@link GraphRetraining#DEFAULT}: end to end; its batch size, seed,
     *                        patience and distillation come from {@code retraining}); a dense chain does not read it
     * @param compareScratch  also train the chosen topology from random weights with the same budget
     */
    public record Training(RetrainSettings retraining, GraphRetraining graphRetraining, boolean compareScratch) {

        public Training {
            Checks.present("retraining, graphRetraining", retraining, graphRetraining);
        }
    }

    /**
     * What the candidates' models hold.
     *
     * @param quantize   how the rounds' weights are stored: with {@link Quantize#INT8}, each round's candidate is its
     *                   network with int8 weights where the per-layer fallback allows them, and that is what the
     *                   search goes by and the validation rows judge (progressive schedule only)
     * @param clipInputs whether the written model holds each input to the range of the training rows (a Max and a
     *                   Min in front of the dense chain), each round being judged on the validation rows so clipped
     *                   (progressive schedule only; the range is recorded in the model either way)
     * @param latency    how the candidates it would write are timed against the original, and whether a slower one
     *                   may be written ({@link LatencyCheck#DEFAULT}: batch 1 and 32, one thread, refused)
     */
    public record Written(Quantize quantize, boolean clipInputs, LatencyCheck latency, Int8Operators int8Operators) {

        public Written {
            Checks.present("quantize, latency", quantize, latency);
            int8Operators = int8Operators == null ? Int8Operators.STANDARD : int8Operators;
        }

        /** Timed as {@link LatencyCheck#DEFAULT} says, standard operators only. */
        public Written(Quantize quantize, boolean clipInputs) {
            this(quantize, clipInputs, LatencyCheck.DEFAULT, Int8Operators.STANDARD);
        }
    }

    /** Progressive pruning (the default), or the paper's grid of ε. */
    public Schedule schedule() {
        return search.schedule();
    }

    /** The ε schedule's thresholds, or empty to derive them from the spread of the unit scores. */
    public List<Double> epsilons() {
        return search.epsilons();
    }

    /** How many thresholds to derive. */
    public int steps() {
        return search.steps();
    }

    /** What a progressive round may take from one block or hidden layer, and the blocks kept as they are. */
    public BlockLimits blockLimits() {
        return search.blockLimits();
    }

    /** On a graph, what each pruned block's width is kept a multiple of. */
    public RoundTo roundTo() {
        return search.roundTo();
    }

    /** On a graph, what the rounds count: parameters or multiply-adds. */
    public Budget budget() {
        return search.budget();
    }

    /** How each pruned network is retrained. */
    public RetrainSettings retraining() {
        return training.retraining();
    }

    /** On a graph pruned through its dense blocks, what retrains each round after the sequential refit. */
    public GraphRetraining graphRetraining() {
        return training.graphRetraining();
    }

    /** Whether the chosen topology is also trained from random weights with the same budget. */
    public boolean compareScratch() {
        return training.compareScratch();
    }

    /** How the rounds' weights are stored. */
    public Quantize quantize() {
        return written.quantize();
    }

    /** The operators a static int8 form may hold. */
    public Int8Operators int8Operators() {
        return written.int8Operators();
    }

    /** Whether the written model holds each input to the range of the training rows. */
    public boolean clipInputs() {
        return written.clipInputs();
    }

    /** How the candidates are timed against the original before one is written. */
    public LatencyCheck latency() {
        return written.latency();
    }

    /** The same settings timed as {@code value} says. */
    public SweepSettings withLatency(LatencyCheck value) {
        return new SweepSettings(search, maxDrop, pruning, training, new Written(quantize(), clipInputs(), value,
                int8Operators()), task, device);
    }

    /**
     * The most the chosen network may lose, for a network of {@code task}: {@link #maxDrop()} when set, else 1
     * accuracy point for classification and 10 percent of the MSE for regression.
     */
    public double maxDrop(Task task) {
        return maxDrop != null ? maxDrop : task.defaultMaxDrop();
    }

    /** The same settings for a network of {@code value}. */
    public SweepSettings withTask(Task value) {
        return new SweepSettings(search, maxDrop, pruning, training, written, value, device);
    }

    /** The same settings with another retraining of a graph's rounds ({@link #graphRetraining()}). */
    public SweepSettings withGraphRetraining(GraphRetraining value) {
        return new SweepSettings(search, maxDrop, pruning, new Training(retraining(), value, compareScratch()),
                written, task, device);
    }

    /** The same settings with other limits on what a round takes from one block. */
    public SweepSettings withBlockLimits(BlockLimits value) {
        return new SweepSettings(new Search(schedule(), epsilons(), steps(), value, roundTo(), budget()), maxDrop,
                pruning, training, written, task, device);
    }

    /** The same settings with a graph's widths kept a multiple of {@code value}. */
    public SweepSettings withRoundTo(RoundTo value) {
        return new SweepSettings(new Search(schedule(), epsilons(), steps(), blockLimits(), value, budget()), maxDrop,
                pruning, training, written, task, device);
    }

    /** The same settings with a graph's rounds counting {@code value}. */
    public SweepSettings withBudget(Budget value) {
        return new SweepSettings(new Search(schedule(), epsilons(), steps(), blockLimits(), roundTo(), value),
                maxDrop, pruning, training, written, task, device);
    }

    /** A builder with the defaults (those of the command line's {@code sweep}). */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults. */
    public static SweepSettings defaults() {
        return builder().build();
    }

    /**
     * Builds {@link SweepSettings}; each setter returns the builder, those of {@link UnitPruningBuilder} included.
     */
    public static final class Builder extends UnitPruningBuilder<Builder> {
        // What was asked for; build() fills in the rest and checks that the parts go together.
        private Schedule base = Schedule.PROGRESSIVE;
        private Schedule.Kind kind;
        private Double share;
        private Promise promise;
        private Integer maxRounds;
        private Boolean inputs;
        private Ranking ranking;
        private int steps = DEFAULT_STEPS;
        private boolean compareScratch;
        private boolean paper;
        private GraphRetraining graphRetraining = GraphRetraining.DEFAULT;
        private BlockLimits blockLimits = BlockLimits.DEFAULT;
        private LatencyCheck latency = LatencyCheck.DEFAULT;
        private RoundTo roundTo = RoundTo.DEFAULT;
        private Budget budget = Budget.PARAMS;

        private Builder() {
        }

        /** How the candidates are timed against the original (default {@link LatencyCheck#DEFAULT}). */
        public Builder latency(LatencyCheck value) {
            latency = value;
            return this;
        }

        /** On a graph, what each pruned block's width is kept a multiple of (default {@link RoundTo#DEFAULT}). */
        public Builder roundTo(RoundTo value) {
            roundTo = value;
            return this;
        }

        /** On a graph, what the rounds count (default {@link Budget#PARAMS}). */
        public Builder budget(Budget value) {
            budget = value;
            return this;
        }

        /** What retrains a graph's rounds after the sequential refit (default {@link GraphRetraining#DEFAULT}). */
        public Builder graphRetraining(GraphRetraining value) {
            graphRetraining = value;
            return this;
        }

        /** What a progressive round may take from one block (default {@link BlockLimits#DEFAULT}). */
        public Builder blockLimits(BlockLimits value) {
            blockLimits = value;
            return this;
        }

        /**
         * Blocks (or a chain's hidden layers) left as they are, named as {@code inspect} names them: a number or a
         * layer's node name (none by default).
         */
        public Builder keepBlocks(List<String> names) {
            blockLimits = blockLimits.keeping(names);
            return this;
        }

        /**
         * Progressive pruning or the paper's ε grid, with that schedule's share, rounds, inputs and ranking unless
         * set separately (default: progressive, or the ε grid when thresholds are given).
         */
        public Builder schedule(Schedule value) {
            base = value;
            kind = value.kind();
            return this;
        }

        /** Progressive pruning or the paper's ε grid, the rest by default. */
        public Builder schedule(Schedule.Kind value) {
            kind = value;
            return this;
        }

        /**
         * Share of the parameters a progressive round removes (default: {@link Schedule#FINE_SHARE} on
         * {@link Schedule#FINE_SHARE_ROWS} validation rows or more, else {@link Schedule#DEFAULT_SHARE}); the ε
         * schedule has none.
         */
        /** Which promise the chosen round keeps (population by default; progressive schedule only). */
        public Builder promise(Promise value) {
            promise = value;
            return this;
        }

        public Builder share(double value) {
            share = value;
            return this;
        }

        /** Progressive rounds at most (default 40). */
        public Builder maxRounds(int value) {
            maxRounds = value;
            return this;
        }

        /** Whether progressive pruning may remove inputs too (default true). */
        public Builder inputs(boolean value) {
            inputs = value;
            return this;
        }

        /** What orders a progressive round's removals (default {@link Ranking#COST}); the ε schedule has none. */
        public Builder ranking(Ranking value) {
            ranking = value;
            return this;
        }

        /** Thresholds to derive when none are given (default 8). */
        public Builder steps(int value) {
            steps = value;
            return this;
        }

        /** Also train the chosen topology from random weights (default false). */
        public Builder compareScratch(boolean value) {
            compareScratch = value;
            return this;
        }

        /**
         * The paper's own rule when {@code value}: the ε schedule, unit std, mean folding and retraining on the
         * targets alone, whatever the pruning and distillation set here (a schedule or share set here is refused).
         */
        public Builder paper(boolean value) {
            paper = value;
            return this;
        }

        /** The settings; throws {@link InvalidSetting} naming the first setting out of range. */
        public SweepSettings build() {
            if (paper) {
                InvalidSetting.require(kind == null && share == null, Setting.PAPER.ref() + " is the ε schedule: "
                        + "leave out " + Setting.SCHEDULE.ref() + " and " + Setting.SHARE.ref());
                return settings(Schedule.EPSILON, PruningOptions.paper(),
                        retraining.withDistillation(Distillation.NONE));
            }
            return settings(schedule(), pruning, retraining);
        }

        private SweepSettings settings(Schedule schedule, PruningOptions pruningOf, RetrainSettings retrainingOf) {
            return new SweepSettings(new Search(schedule, epsilons, steps, blockLimits, roundTo, budget), maxDrop,
                    pruningOf, new Training(retrainingOf, graphRetraining, compareScratch),
                    new Written(quantize, clipInputs, latency, int8Operators), task, device);
        }

        private Schedule schedule() {
            // Thresholds given without a schedule mean the ε schedule: they have no other use.
            Schedule.Kind resolved = kind != null ? kind
                    : epsilons.isEmpty() ? Schedule.Kind.PROGRESSIVE : Schedule.Kind.EPSILON;
            InvalidSetting.require(share == null || (share > 0 && share < 1), Setting.SHARE.ref()
                    + " must be between 0 and 1 (exclusive), got " + share);
            boolean progressive = resolved == Schedule.Kind.PROGRESSIVE;
            InvalidSetting.require(progressive || share == null, Setting.SHARE.ref()
                    + " applies to the progressive schedule only");
            InvalidSetting.require(!progressive || epsilons.isEmpty(), Setting.EPSILON.ref()
                    + " applies to the epsilon schedule, not " + Setting.SCHEDULE.ref() + " progressive");
            InvalidSetting.require(progressive || ranking == null, Setting.RANK.ref()
                    + " applies to the progressive schedule only (the ε schedule: " + Setting.SCORE.ref() + ")");
            InvalidSetting.require(progressive || blockLimits.keep().isEmpty(), Setting.KEEP_BLOCK.ref()
                    + " applies to the progressive schedule only (the ε schedule's steps are applied to every layer)");
            InvalidSetting.require(progressive || promise == null, Setting.PROMISE.ref()
                    + " applies to the progressive schedule only (the ε schedule's steps are judged one by one)");
            return new Schedule(resolved, share != null ? share : base.share(),
                    maxRounds != null ? maxRounds : base.maxRounds(), inputs != null ? inputs : base.inputs(),
                    ranking != null ? ranking : base.ranking(), promise != null ? promise : base.promise());
        }
    }
}

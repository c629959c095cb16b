package org.odf2nna.method;

import java.util.ArrayList;
import java.util.List;
import org.odf2nna.Progress;
import org.odf2nna.RoundLoop;
import org.odf2nna.metrics.ChainCertificate;
import org.odf2nna.metrics.LossBound;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.prune.RefitSums;
import org.odf2nna.prune.LayerCovariance;
import org.odf2nna.prune.LeastSquaresCompensation;
import org.odf2nna.prune.ReconstructionCost;
import org.odf2nna.prune.RowSource;
import org.odf2nna.report.TrainingSummary;
import org.odf2nna.settings.BlockLimits;
import org.odf2nna.settings.Quantize;
import org.odf2nna.settings.Schedule;

/**
 * Progressive pruning: each round removes a share of the current network's parameters (the units whose removal the
 * least-squares refit can best make up for, {@link ReconstructionCost}), refits the layers after them and retrains
 * briefly (with the original as teacher). The search is steered on training rows only: each round's retraining epoch
 * is picked there, and a round becomes the start of the next when it lost at most twice the tolerance there
 * ({@link #STEERING_SLACK}: accuracy, or the share of changed predictions on rows without labels; regression: the
 * MSE's relative rise); after
 * one that moved further, the next round starts again from the last that did not, removing half as much (units only,
 * when the failed round removed inputs), until {@link Schedule#FAILURES_TO_STOP} rounds in a row have failed.
 *
 * <p>The validation rows choose without steering: the rounds the search went on from form a chain of ever smaller
 * networks fixed before they are looked at, each is judged once ({@link LossBound}), at its own part of one 5% for
 * classification ({@link ChainCertificate}, {@link #certify}); regression rounds are judged on outputs clipped to the
 * training targets' range ({@link org.odf2nna.metrics.BoundedRegression}), and the smallest round the reading allows
 * is written. No round's epoch was picked on the rows that
 * judge it, and the choice among rounds is paid for: measured on hidden models, a
 * search whose validation rows both picked epochs and judged, and whose smallest passing round among many was
 * written, lost more than the tolerance on fresh rows in 4 of 15 runs (issue 25).
 */
public final class ProgressivePruning {

    /** Training rows the unit costs and the least-squares refit of a round look at, at most. */
    static final int FIT_ROWS = 16_384;

    /** Epochs a round retrains at least, whatever share of the original's epochs the options give. */
    static final int MIN_ROUND_EPOCHS = 3;

    private ProgressivePruning() {
    }

    /** Retraining for one round: the options' epochs, at least {@link #MIN_ROUND_EPOCHS}. */
    static Retrainer perRound(Retrainer retrainer) {
        if (retrainer.epochs() >= MIN_ROUND_EPOCHS) {
            return retrainer;
        }
        return retrainer.withEpochs(MIN_ROUND_EPOCHS, retrainer.epochsSource() + " gives " + retrainer.epochs()
                + "; a round retrains at least " + MIN_ROUND_EPOCHS);
    }

    /**
     * One round.
     *
     * @param index       1-based
     * @param compensated the pruned network after the least-squares refit, before retraining (PWR)
     * @param network     the retrained network (PR)
     * @param inputs      the original's inputs {@code network} reads, ascending
     * @param training    how retraining went
     * @param continued   whether the search went on from this round: it lost at most {@link #STEERING_SLACK} times
     *                    the tolerance on the watched training rows
     * @param bound       the loss bound on the validation rows at the round's level in the chain ({@link #certify}),
     *                    or null for a round the search did not go on from (never judged)
     * @param int8        with int8 weights, which layers take them and the network they give (what the search goes
     *                    by and the validation rows judge); null for float weights
     */
    public record Round(int index, DenseNetwork compensated, DenseNetwork network, int[] inputs,
            TrainingSummary training, boolean continued, LossBound bound, Int8Fallback.Choice int8) {

        Round withBound(LossBound b) {
            return new Round(index, compensated, network, inputs, training, continued, b, int8);
        }

        /** Whether the validation rule certifies it: a round of the chain whose bound holds on enough rows. */
        boolean certified() {
            return continued && bound != null && bound.holds() && !bound.smallSet();
        }

        /** The network judged and written: {@link #network} itself, or with int8 weights. */
        public DenseNetwork judged() {
            return int8 == null ? network : int8.judged();
        }

        /** With int8 weights, per layer whether it took them (a copy); null for float weights. */
        public boolean[] int8Layers() {
            return int8 == null ? null : int8.int8().clone();
        }
    }

    /**
     * How far past the tolerance the search may go on the training rows it is steered on. The originals fit those rows
     * more closely than rows they never saw (compactiv: MSE 4.2 there against 5.9 on its test file), so the same
     * relative loss there comes much sooner; the rounds the search went on from are only candidates, and the
     * validation rows still judge each of them against the tolerance itself. A chain that runs too far costs time and
     * a small share of the 5%; one that stops early loses reduction on every split.
     */
    static final double STEERING_SLACK = 2;

    /** Training rows the search picks epochs and is steered on, at most. */
    static final int WATCHED_TRAINING_ROWS = 5_000;

    /**
     * The chosen round, or null: the last round of the chain whose bound held. Under the new-set reading the rounds
     * were judged at their parts of the 5% ({@link #certify}), so this is the round {@link ChainCertificate#choose}
     * writes from their counts; under the population reading they were tested in order at the whole 5% and those
     * after the first that failed do not hold ({@link #certifyInSequence}); regression's chain likewise.
     */
    static Integer choose(List<Round> rounds) {
        int chosen = ChainCertificate.lastHolding(rounds.size(), i -> rounds.get(i).certified());
        return chosen < 0 ? null : chosen;
    }

    /**
     * The population reading ({@link ChainCertificate.Reading#POPULATION}): the chain's rounds tested in their order,
     * each at the whole 5%, until the first that fails (fixed-sequence testing); those after it are still measured
     * for the report but not tested, so they do not hold.
     */
    static List<Round> certifyInSequence(List<Round> rounds,
            List<java.util.function.DoubleFunction<LossBound>> judges) {
        return judged(rounds, judges, ChainCertificate.Reading.POPULATION, ChainCertificate.levels(
                ChainCertificate.Reading.POPULATION, rounds.size(), null, 0));
    }

    /**
     * Judges the chain on the validation rows, each round at its own part of the 5% ({@code levels}, the new-set
     * reading's): the rounds the search went on from form a chain of ever smaller networks, fixed without
     * looking at the validation rows, so whichever of them holds may be written and the chance that the run writes
     * one that then breaks on a new set is at most the sum of the parts, 5%, whatever the rounds' losses and however
     * they depend on each other. Each round's bound is kept for the report; {@link #choose} decides from their counts.
     *
     * @param judges per round, its bound at a given level; rounds the search did not go on from keep theirs
     * @param levels each chain round's part of the 5%, in order
     */
    static List<Round> certify(List<Round> rounds, List<java.util.function.DoubleFunction<LossBound>> judges,
            double[] levels) {
        double[] each = new double[rounds.size()];
        int position = 0;
        for (int i = 0; i < rounds.size(); i++) {
            if (rounds.get(i).continued()) {
                each[i] = levels[position++];
            }
        }
        return judged(rounds, judges, ChainCertificate.Reading.NEW_SET, each);
    }

    /**
     * The rounds the search went on from judged as every sweep's rounds are ({@link ChainCertificate#judge}), each at
     * its level in {@code levels} (one per round); the others keep no bound.
     */
    private static List<Round> judged(List<Round> rounds, List<java.util.function.DoubleFunction<LossBound>> judges,
            ChainCertificate.Reading reading, double[] levels) {
        List<java.util.function.DoubleFunction<LossBound>> chain = new ArrayList<>();
        for (int i = 0; i < rounds.size(); i++) {
            chain.add(rounds.get(i).continued() ? judges.get(i) : null);
        }
        // Rounds are numbered from 1 in order, as the shared test numbers the one that failed.
        List<LossBound> bounds = ChainCertificate.judge(reading, chain, levels);
        List<Round> judged = new ArrayList<>(rounds);
        for (int i = 0; i < rounds.size(); i++) {
            if (rounds.get(i).continued()) {
                judged.set(i, rounds.get(i).withBound(bounds.get(i)));
            }
        }
        return judged;
    }

    /** The progress phase of judging the chain on the validation rows. */
    static final String JUDGING = RoundLoop.JUDGING;

    /** The chance of writing a model that loses more than the tolerance on a fresh set, allowed for the run. */
    static final double ALPHA = 0.05;

    /**
     * How the rounds walk: the schedule, and what a round may take from one hidden layer ({@link BlockLimits}: its
     * {@code keep} are the hidden layers' 1-based numbers, as {@link #keptLayers} resolves them).
     */
    record Plan(Schedule schedule, BlockLimits limits) {
    }

    /**
     * The chain's rounds, made by the one round loop ({@link RoundLoop}) and judged once all are made.
     *
     * @param quantize with int8, each round's candidate is its network with int8 weights where {@link Int8Fallback}
     *                 allows them: the search goes by it and the validation rows judge it; the next round still starts
     *                 from the float network, which retraining can move
     */
    static List<Round> run(DenseNetwork original, Retrainer retrainer, Plan plan, double tolerance,
            double ridge, boolean inputs, Quantize quantize, Progress progress) {
        Schedule schedule = plan.schedule();
        ChainRounds chain = new ChainRounds(original, retrainer.watchingTraining(WATCHED_TRAINING_ROWS), plan,
                tolerance, ridge, inputs, quantize);
        progress.note(roundLength(chain.currentRetrainer));
        List<Round> rounds = new RoundLoop(new RoundLoop.Plan(schedule.maxRounds(), expectedRounds(original,
                chain.share, schedule.maxRounds()), true, Schedule.FAILURES_TO_STOP), progress).run(chain);
        // Ended by the caller (ProgressiveSweep) once the chain below is judged.
        progress.update(JUDGING, 0, -1, null);
        return judgeChain(rounds, chain.judges, chain.reading, chain.watched, tolerance);
    }

    /**
     * How a dense chain's round is made from the last round the search went on from: its units (and inputs) chosen by
     * their reconstruction cost, the layers after them refitted, the network retrained, and the round steered on the
     * watched training rows; after a round it did not go on from, the next starts from the same network and removes
     * half as much (units only, when the failed round removed inputs).
     */
    private static final class ChainRounds implements RoundLoop.Rounds<Round> {
        private final DenseNetwork original;
        private final Plan plan;
        private final double tolerance;
        private final double ridge;
        private final boolean inputs;
        private final Quantize quantize;
        private final ChainCertificate.Reading reading;
        private final RetrainingJudge.Reference reference;
        private final List<java.util.function.DoubleFunction<LossBound>> judges = new ArrayList<>();
        private final List<Double> watched = new ArrayList<>();
        // Selections that already failed from the current start: trying one again would fail again.
        private final java.util.Set<String> failed = new java.util.HashSet<>();
        private DenseNetwork current;
        private Retrainer currentRetrainer;
        private int[] currentInputs;
        private double share;
        // After a failed round that removed inputs, the retry from the same start removes units only.
        private boolean unitsOnly;
        private Costs costs;

        ChainRounds(DenseNetwork original, Retrainer retrainer, Plan plan, double tolerance, double ridge,
                boolean inputs, Quantize quantize) {
            this.original = original;
            this.plan = plan;
            this.tolerance = tolerance;
            this.ridge = ridge;
            this.inputs = inputs;
            this.quantize = quantize;
            this.reading = ChainCertificate.Reading.of(plan.schedule().promise());
            this.reference = retrainer.reference(original);
            this.current = original;
            this.currentRetrainer = retrainer;
            this.currentInputs = java.util.stream.IntStream.range(0, original.inputs()).toArray();
            // The default share depends on how many rows judge the rounds (Schedule.shareFor).
            this.share = plan.schedule().shareFor(retrainer.validationRows());
        }

        @Override
        public RoundLoop.Attempt<Round> attempt(int index, String label, Progress timed) {
            if (minimal(current)) {
                return RoundLoop.Attempt.stop();
            }
            timed.update(label + ": unit costs", 0, -1, null);
            costs = costs(current, currentRetrainer, inputs && !unitsOnly, share, plan.schedule(),
                    most(original, current, plan), costs);
            ReconstructionCost.Selection selection = costs.selection();
            timed.done(label + ": unit costs");
            String key = java.util.Arrays.toString(selection.keptInputs()) + selection.units();
            if (selection.keptInputs().length == current.inputs() && java.util.Arrays.equals(
                    selection.units().keptUnits(), current.hiddenUnits()) || failed.contains(key)) {
                return RoundLoop.Attempt.stop();
            }
            timed.update(label + ": least squares", 0, -1, null);
            Refit refit = refit(current, currentRetrainer, costs, ridge);
            Retrainer roundRetrainer = refit.retrainer();
            DenseNetwork compensated = refit.compensated();
            timed.done(label + ": least squares");
            // The epoch kept is the best on the watched training rows (the pruned weights compete as epoch 0).
            Retrainer.Outcome retrained = roundRetrainer.retrain(compensated, label + " (" + compensated.architecture()
                    + ")", timed);
            DenseNetwork network = retrained.network();
            // The search goes by training rows alone; certify() judges its chain on the validation rows once complete.
            Int8Fallback.Choice int8 = quantize.int8()
                    ? Int8Fallback.choose(network, roundRetrainer, tolerance, quantize.integerKernels()) : null;
            DenseNetwork candidate = int8 == null ? network : int8.judged();
            RetrainingJudge.Moved moved = roundRetrainer.moved(reference, network, candidate);
            TrainingSummary training = retrained.summary().withChange(moved.change());
            judges.add(level -> roundRetrainer.bound(reference, candidate, tolerance, level, reading));
            watched.add(moved.watchedLoss());
            boolean continued = moved.watchedLoss() <= STEERING_SLACK * tolerance;
            int[] kept = originalIndices(currentInputs, selection.keptInputs());
            if (continued) {
                current = network;
                currentRetrainer = roundRetrainer;
                currentInputs = kept;
                failed.clear();
                unitsOnly = false;
            } else {
                failed.add(key);
                unitsOnly = selection.dropsInputs(current);
                share /= 2;
            }
            return RoundLoop.Attempt.made(new Round(index, compensated, network, kept, training, continued, null,
                    int8), continued);
        }
    }

    /**
     * The chain judged under {@code reading}: in sequence at the whole 5% (population), or at equal parts of it on the
     * rounds picked by their losses on the watched training rows (new set).
     *
     * @param watched per round, its loss on the watched training rows
     */
    static List<Round> judgeChain(List<Round> rounds, List<java.util.function.DoubleFunction<LossBound>> judges,
            ChainCertificate.Reading reading, List<Double> watched, double tolerance) {
        if (reading == ChainCertificate.Reading.POPULATION) {
            return certifyInSequence(rounds, judges);
        }
        double[] chain = java.util.stream.IntStream.range(0, rounds.size()).filter(i -> rounds.get(i).continued())
                .mapToDouble(watched::get).toArray();
        return certify(rounds, judges, ChainCertificate.levels(reading, chain.length, () -> chain, tolerance));
    }

    /**
     * What a round's selection was made from: the network and retrainer it started from, the fitting rows, the units'
     * statistics, the hidden layers' removal orders, the inputs' moments (or null).
     */
    private record Costs(DenseNetwork start, Retrainer retrainer, RowSource rows,
            org.odf2nna.prune.UnitStatistics statistics, List<ReconstructionCost.Order> orders, double[][] columns,
            ReconstructionCost.Selection selection) {
    }

    /**
     * The units (and inputs, when {@code withInputs}) a round removes. Unit costs and the refit need the layers'
     * second moments, not every row: a sample keeps rounds quick. A round after one the search did not go on from
     * starts from the same network and retrainer, so the same fitting rows: it keeps {@code before}'s statistics and
     * hidden layers' removal orders, which the moments and the ranking would give again (the ranking does not depend on
     * the share; at width 4,096 it is most of a round's unit costs).
     *
     * @param before the round before's costs, or null
     */
    private static Costs costs(DenseNetwork current, Retrainer retrainer, boolean withInputs, double share,
            Schedule schedule, int[] most, Costs before) {
        RowSource rows = retrainer.fittingRows(FIT_ROWS);
        org.odf2nna.prune.UnitStatistics statistics;
        List<ReconstructionCost.Order> orders;
        if (before != null && before.start() == current && before.retrainer() == retrainer) {
            statistics = before.statistics();
            orders = before.orders();
        } else {
            // The covariances go once ranked: the refit reads only the statistics.
            LayerCovariance moments = measure(current, rows, retrainer.device());
            statistics = moments.statistics();
            orders = ReconstructionCost.rank(current, moments.covariances(), schedule.ranking().forChain());
        }
        double[][] columns = withInputs && current.inputs() > 1 ? LayerCovariance.ofColumns(rows, current.inputs())
                : null;
        return new Costs(current, retrainer, rows, statistics, orders, columns, ReconstructionCost.selectFrom(current,
                columns == null ? null : columns[1], orders, share, schedule.ranking().forChain(), most));
    }

    /**
     * The layers' moments over {@code rows}, each layer's products summed a block of rows at a time by ONNX Runtime's
     * double Gemm ({@link LayerGrams.Accumulator}, the scoring pass's blocked Gram matrix) instead of h² products a row
     * in plain Java (650 of a round's CPU seconds at width 4,096); the means are the same bits.
     */
    static LayerCovariance measure(DenseNetwork network, RowSource rows, org.odf2nna.Device device) {
        return LayerCovariance.measure(network, rows, width -> new LayerGrams.Accumulator(width, device));
    }

    /**
     * How many rounds a share removing {@code share} of the parameters each round takes to bring {@code network} down to
     * one unit per hidden layer, at most {@code maxRounds}: what "round 3 of about 24" counts. The search may stop
     * sooner (rounds that fail) or go on longer (a failed round halves the share).
     */
    static int expectedRounds(DenseNetwork network, double share, int maxRounds) {
        long minimal = 0;
        int in = network.inputs();
        for (int ignored : network.hiddenUnits()) {
            minimal += in + 1L;
            in = 1;
        }
        minimal += (long) in * network.outputs() + network.outputs();
        double ratio = (double) minimal / Math.max(1, network.parameterCount());
        if (ratio >= 1 || !(share > 0 && share < 1)) {
            return 1;
        }
        return (int) Math.max(1, Math.min(maxRounds, Math.ceil(Math.log(ratio) / Math.log(1 - share))));
    }

    /** The note on what each round's retraining costs and how to make rounds shorter. */
    static String roundLength(Retrainer retrainer) {
        String source = retrainer.epochsSource();
        return "each round retrains up to " + retrainer.epochs() + " epochs (" + source + ")"
                + (source.contains(org.odf2nna.Setting.RETRAIN_EPOCHS.ref()) ? ""
                        : "; " + org.odf2nna.Setting.RETRAIN_EPOCHS.ref() + " N sets fewer, for shorter rounds");
    }

    /** A round's network after its least-squares refit, and the retrainer for its inputs. */
    private record Refit(DenseNetwork compensated, Retrainer retrainer) {
    }

    /**
     * Removes the selection from {@code current} and refits the layers that read what was removed by least squares on
     * the costs' rows: the first layer on the kept inputs first, when inputs go, then the units on top of it.
     */
    private static Refit refit(DenseNetwork current, Retrainer currentRetrainer, Costs costs, double ridge) {
        RowSource rows = costs.rows();
        double[][] columns = costs.columns();
        ReconstructionCost.Selection selection = costs.selection();
        DenseNetwork start = current;
        Retrainer roundRetrainer = currentRetrainer;
        RowSource roundRows = rows;
        org.odf2nna.prune.UnitStatistics statistics = costs.statistics();
        if (selection.dropsInputs(current)) {
            // The first layer is refitted on the kept inputs, then the units are chosen as usual on top of it.
            start = LeastSquaresCompensation.compensateInputs(current, columns[0], selection.keptInputs(), rows,
                    ridge).network();
            roundRetrainer = currentRetrainer.keepInputs(selection.keptInputs());
            roundRows = roundRetrainer.fittingRows(FIT_ROWS);
            statistics = LayerCovariance.measure(start, roundRows).statistics();
        }
        RefitSums fitting = OnnxRefitSums.of(start, roundRows, roundRetrainer.fittingRowCount(FIT_ROWS),
                roundRetrainer.device(), OnnxRefitSums.IN_MEMORY);
        DenseNetwork compensated = LeastSquaresCompensation.compensate(start, statistics, selection.units(),
                fitting, ridge).network();
        return new Refit(compensated, roundRetrainer);
    }

    /** The kept inputs of the current network as indices of the original's inputs. */
    private static int[] originalIndices(int[] currentInputs, int[] keptInputs) {
        int[] kept = new int[keptInputs.length];
        for (int k = 0; k < kept.length; k++) {
            kept[k] = currentInputs[keptInputs[k]];
        }
        return kept;
    }

    /** Every hidden layer down to one unit: nothing left to remove. */
    /** {@link #most(DenseNetwork, DenseNetwork, BlockLimits, java.util.Set)} with the plan's limits and kept layers. */
    private static int[] most(DenseNetwork original, DenseNetwork current, Plan plan) {
        return most(original, current, plan.limits(), keptLayers(plan.limits().keep(), original.hiddenLayerCount(),
                List.of(), null));
    }

    /**
     * Per hidden layer, the most units a round may take ({@link BlockLimits}): none from a kept layer, else at most the
     * limits' share of its current units, never below its floor, set by the original's width.
     */
    static int[] most(DenseNetwork original, DenseNetwork current, BlockLimits limits, java.util.Set<Integer> kept) {
        int[] most = new int[current.hiddenLayerCount()];
        for (int l = 0; l < most.length; l++) {
            most[l] = kept.contains(l) ? 0 : limits.most(current.layer(l).units(),
                    limits.floor(original.layer(l).units(), false));
        }
        return most;
    }

    /**
     * The hidden layers (0-based) that {@code names} keep: each a hidden layer's 1-based number, or the node name of
     * its layer in {@code nodes} (the model's layers in order; empty where the rows are in memory).
     *
     * @throws InputException a usage error naming the hidden layers when a name matches none
     */
    static java.util.Set<Integer> keptLayers(List<String> names, int hidden, List<String> nodes,
            java.nio.file.Path file) {
        java.util.Set<Integer> kept = new java.util.TreeSet<>();
        for (String name : names) {
            String n = name.trim();
            int found = -1;
            for (int l = 0; l < hidden && found < 0; l++) {
                if (n.equals(Integer.toString(l + 1)) || l < nodes.size() && n.equals(nodes.get(l))) {
                    found = l;
                }
            }
            if (found < 0) {
                List<String> known = new ArrayList<>();
                for (int l = 0; l < hidden; l++) {
                    known.add(l + 1 + (l < nodes.size() ? " " + nodes.get(l) : ""));
                }
                throw org.odf2nna.InputException.usage(file, org.odf2nna.Setting.KEEP_BLOCK.ref() + " " + n
                        + ": no hidden layer of the dense chain is named so; its hidden layers (a number or a layer's "
                        + "node name): " + String.join(", ", known));
            }
            kept.add(found);
        }
        return kept;
    }

    private static boolean minimal(DenseNetwork network) {
        for (int units : network.hiddenUnits()) {
            if (units > 1) {
                return false;
            }
        }
        return true;
    }
}

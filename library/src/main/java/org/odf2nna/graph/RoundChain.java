package org.odf2nna.graph;

import static org.odf2nna.graph.GraphRounds.most;
import static org.odf2nna.graph.GraphRounds.step;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.odf2nna.Progress;
import org.odf2nna.RoundLoop;

import org.odf2nna.graph.GraphRounds.Measured;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.settings.Ranking;

/**
 * The chain of a graph sweep's rounds ({@link GraphRounds}), each made from the one before: its statistics, the units
 * it drops, the refit and, when that is on, the end-to-end retraining; and the half step put before the last round
 * where that round removes much more. Its own room because it orders and records the rounds, where
 * {@link GraphRounds} makes one step.
 */
final class RoundChain {

    private RoundChain() {
    }

    /**
     * The graph a sweep starts from, with what its rounds are measured against, the blocks left as they are
     * (indices into {@code blocks}) and what counts the rounds' budget ({@link UnitCosts.Counter#of}: made once, so
     * that a latency budget's layers are timed once).
     */
    record Start(ModelProto model, Path file, GraphFeed input, List<DenseBlock> blocks, long blockParameters,
            long modelParameters, Set<Integer> kept, UnitCosts.Counter counter) {
    }

    /**
     * The rounds' graphs in order, with the parameters each removed, its blocks' widths and its retraining epoch;
     * {@code halfStep} is the index of the round made as a half step before the chain's last (-1 when none was).
     */
    record Chain(List<ModelProto> models, List<Long> removed, List<String> widths,
            List<Integer> keptEpochs, int halfStep, List<Double> retrainingSeconds, List<String> skipped) {

        Chain(List<ModelProto> models, List<Long> removed, List<String> widths, List<Integer> keptEpochs) {
            this(models, removed, widths, keptEpochs, -1);
        }

        Chain(List<ModelProto> models, List<Long> removed, List<String> widths, List<Integer> keptEpochs,
                int halfStep) {
            this(models, removed, widths, keptEpochs, halfStep, java.util.Collections.nCopies(models.size(), null),
                    java.util.Collections.nCopies(models.size(), null));
        }
    }

    /** One round made: its graph refitted, the graph it ends with (retrained when that is on) and the epoch kept. */
    private record Made(ModelProto refitted, ModelProto model, Integer epoch, Double seconds, String skipped) {

        Made(ModelProto refitted, ModelProto model, Integer epoch) {
            this(refitted, model, epoch, null, null);
        }
    }

    /**
     * The rounds: each removes {@link GraphRun#share()} more of the block parameters (statistics, then the refit, then
     * end-to-end retraining when it is on), until the share is used up or a round can remove nothing. The chain's last
     * full step is then halved: a round built from the one before it, removing the block parameters halfway between
     * the two, is put between them ({@link #lastFullStep}, {@link #halfStep}). All of it is fixed before any
     * validation row is read, so the rounds are still tested in their order and the first that fails stops the run.
     */
    static Chain rounds(Start start, GraphRows stats, GraphRun settings, RoundRetraining endToEnd,
            Progress progress) {
        int rounds = (int) Math.floor(1 / settings.share() + 1e-9) - 1;
        // The refitted graphs are kept only for a progress that receives them.
        Steps steps = new Steps(start, stats, settings, endToEnd, progress instanceof RoundGraphsProgress);
        RoundLoop loop = new RoundLoop(RoundLoop.Plan.fixed(rounds), progress);
        List<Made> made = new ArrayList<>(loop.run(steps));
        List<Long> blockRemoved = steps.blockRemoved;
        int half = lastFullStep(blockRemoved, settings.share() * steps.startCost / 2);
        Made between = half < 1 ? null : halfStep(start, made.get(half - 1).model(), blockRemoved, half, stats,
                settings, endToEnd, loop.timed());
        if (between != null) {
            made.add(half, between);
        }
        return chain(start, made, between == null ? -1 : half, progress);
    }

    /**
     * How a graph's round is made in the one round loop ({@link RoundLoop}): round r removes r shares of the start's
     * block cost in all, so each round takes what the rounds before it left of that; every round is the next one's
     * start. The loop ends when a round changed which blocks there are or could remove nothing.
     */
    private static final class Steps implements RoundLoop.Rounds<Made> {
        private final Start start;
        private final GraphRows stats;
        private final GraphRun settings;
        private final RoundRetraining endToEnd;
        private final boolean keepRefitted;
        private final UnitCosts.Counter counter;
        private final long startCost;
        /** Per round made, the block cost it had removed from the start's. */
        private final List<Long> blockRemoved = new ArrayList<>();
        private ModelProto current;

        Steps(Start start, GraphRows stats, GraphRun settings, RoundRetraining endToEnd, boolean keepRefitted) {
            this.start = start;
            this.stats = stats;
            this.settings = settings;
            this.endToEnd = endToEnd;
            this.keepRefitted = keepRefitted;
            this.counter = start.counter();
            this.startCost = startCost(start, counter);
            this.current = start.model();
        }

        @Override
        public RoundLoop.Attempt<Made> attempt(int r, String label, Progress timed) {
            Path file = start.file();
            List<DenseBlock> now = BlockFinder.find(new GraphView(current, file));
            if (now.size() != start.blocks().size()) {
                return RoundLoop.Attempt.stop();
            }
            long target = (long) Math.ceil(r * settings.share() * startCost)
                    - (startCost - counter.total(current, now));
            if (target <= 0) {
                return RoundLoop.Attempt.skip();
            }
            Made round = make(start, current, target, stats, settings, endToEnd, timed, label);
            if (round == null) {
                return RoundLoop.Attempt.stop();
            }
            current = round.model();
            blockRemoved.add(startCost - counter.total(current, BlockFinder.find(new GraphView(current, file))));
            return RoundLoop.Attempt.made(keepRefitted ? round : new Made(null, round.model(), round.epoch(),
                    round.seconds(), round.skipped()), true);
        }
    }

    /** The start's blocks' cost: their parameters, multiply-adds per row or time per row (ps). */
    private static long startCost(Start start, UnitCosts.Counter counter) {
        return counter.budget() == org.odf2nna.settings.Budget.PARAMS ? start.blockParameters()
                : counter.total(start.model(), start.blocks());
    }

    /**
     * The round whose step the half step halves: the last that removed at least {@code least} block parameters more
     * than the round before it (half a round's share), else the last round. Why not always the last: when the round
     * before the last left the blocks near their floors, the last step is what they had left (the ViT's 81.4% to
     * 81.6% of its block parameters) and halving it tests nothing new, while the step before it is the one that
     * failed.
     */
    static int lastFullStep(List<Long> removed, double least) {
        for (int k = removed.size() - 1; k >= 1; k--) {
            if (removed.get(k) - removed.get(k - 1) >= least) {
                return k;
            }
        }
        return removed.size() - 1;
    }

    /**
     * The half step before round {@code half} of the chain (0-based; the last, or the last full step,
     * {@link #lastFullStep}): from the round before it ({@code from}) a round that removes the block parameters halfway
     * between the two ({@code removed}: what each round had removed); null when it would remove nothing more, or as
     * much as round {@code half}. Why: near its end a chain's step is often the one that fails, and the round that
     * would hold lies between; the floors make the last step whatever the blocks have left rather than the share. It
     * is made before the validation rows are read, so testing it in its place is still fixed-sequence testing.
     */
    private static Made halfStep(Start start, ModelProto from, List<Long> removed, int half, GraphRows stats,
            GraphRun settings, RoundRetraining endToEnd, Progress timed) {
        long before = removed.get(half - 1);
        long last = removed.get(half);
        long target = (last - before) / 2;
        if (target <= 0) {
            return null;
        }
        String label = half == removed.size() - 1 ? "half step before the last round"
                : "half step before round " + (half + 1);
        ModelProto refitted = refitted(start, from, target, stats, settings, endToEnd, timed, label);
        if (refitted == null) {
            return null;
        }
        // Retraining leaves the widths as they are: a half step that is not between the two is known before it.
        UnitCosts.Counter counter = start.counter();
        long gone = startCost(start, counter) - counter.total(refitted, BlockFinder.find(
                new GraphView(refitted, start.file())));
        return gone > before && gone < last ? retrained(start, refitted, settings, endToEnd, timed, label) : null;
    }

    /**
     * One round from {@code current}: its units measured on {@code stats}, the lowest-ranked dropped until
     * {@code target} more block parameters are gone, the refit, and the end-to-end retraining when it is on; null when
     * nothing could be removed.
     */
    private static Made make(Start start, ModelProto current, long target, GraphRows stats, GraphRun settings,
            RoundRetraining endToEnd, Progress timed, String label) {
        ModelProto refitted = refitted(start, current, target, stats, settings, endToEnd, timed, label);
        return refitted == null ? null : retrained(start, refitted, settings, endToEnd, timed, label);
    }

    /** {@link #make}'s pruning and refit alone: the round's graph before retraining, or null when nothing went. */
    private static ModelProto refitted(Start start, ModelProto current, long target, GraphRows stats,
            GraphRun settings, RoundRetraining endToEnd, Progress timed, String label) {
        Path file = start.file();
        List<DenseBlock> now = BlockFinder.find(new GraphView(current, file));
        timed.update(label + ": statistics", 0, -1, null);
        Measured measured = new Measured(now, BlockStatistics.measure(current, file, now, stats, start.input(),
                settings.device(), settings.samples(), done -> timed.update(label + ": statistics", done,
                stats.count(), null)), most(start.blocks(), now, settings.blockLimits(),
                start.kept())).withCosts(start.counter().units(current, now));
        timed.done(label + ": statistics");
        if (settings.ranking(now).usesGradients()) {
            // One gradient pass on the round's start, on the retraining's rows (the statistics' without retraining).
            timed.update(label + ": loss gradients", 0, -1, null);
            measured = measured.withGradients(endToEnd.gradients(start.model(), current, file, stats));
            timed.done(label + ": loss gradients");
        }
        if (settings.ranking(now) == Ranking.HEAD_LOSS) {
            // One pass over the statistics' training rows per head, each dropped alone with its block refitted.
            timed.update(label + ": heads' loss", 0, -1, null);
            measured = measured.withHeadLoss(HeadLoss.increases(current, file, now, measured.moments(), stats,
                    start.input(), settings));
            timed.done(label + ": heads' loss");
        }
        timed.update(label + ": refit", 0, -1, null);
        BlockPruner.Pruned pruned = step(start.model(), current, file, measured, new SequentialRefit.Input(stats,
                start.input(), (done, of) -> timed.update(label + ": refit", done, of, null),
                current == start.model() ? current : endToEnd.refitOf(current)), target, settings);
        timed.done(label + ": refit");
        return pruned.parameters() <= 0 ? null : pruned.model();
    }

    /**
     * {@link #make}'s end-to-end retraining of the refitted graph, when it is on: the first try, and a gentle one when
     * the first kept the refitted values of a refit that fails its check ({@link RoundRetraining#worthRetrying}).
     */
    private static Made retrained(Start start, ModelProto refitted, GraphRun settings, RoundRetraining endToEnd,
            Progress timed, String label) {
        ModelProto result = refitted;
        endToEnd.take();
        Double seconds = null;
        if (endToEnd.active() && endToEnd.worthRetraining(start.model(), refitted, start.file(), round(label))) {
            long began = System.nanoTime();
            result = retrainedOnce(start, refitted, settings, endToEnd, timed, label + ": retraining end to end",
                    RoundRetraining.Attempt.FIRST);
            if (endToEnd.active() && endToEnd.worthRetrying(start.model(), refitted, start.file())) {
                result = retrainedOnce(start, refitted, settings, endToEnd, timed, label + ": retraining end to end "
                        + "again, gently", RoundRetraining.Attempt.GENTLE);
                endToEnd.retried(round(label), endToEnd.heldOut() == null ? null : endToEnd.heldOut().epoch());
            }
            seconds = (System.nanoTime() - began) / 1e9;
        }
        Integer epoch = endToEnd.take();
        if (seconds != null && epoch != null) {
            endToEnd.retrained(seconds, epoch);
        }
        endToEnd.made(refitted, result);
        return new Made(refitted, result, epoch, epoch == null ? null : seconds, endToEnd.takeSkip());
    }

    /** One try of the round's end-to-end retraining, from its refitted graph, shown as {@code phase}. */
    private static ModelProto retrainedOnce(Start start, ModelProto refitted, GraphRun settings,
            RoundRetraining endToEnd, Progress timed, String phase, RoundRetraining.Attempt attempt) {
        timed.update(phase, 0, settings.retraining().epochs(), null);
        ModelProto result = endToEnd.retrain(start.model(), refitted, start.file(), (epoch, epochs) -> timed.update(
                phase, epoch.epoch(), epochs, null), attempt);
        timed.done(phase);
        return result;
    }

    /** The round a progress label names ("round 3" → 3; a half step, 0). */
    private static int round(String label) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^round (\\d+)").matcher(label);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    /**
     * The chain as judged, in its order: each round's graph, parameters removed, widths and epoch, each told to a
     * {@link RoundGraphsProgress} progress under its number in that order.
     */
    private static Chain chain(Start start, List<Made> made, int halfStep, Progress progress) {
        RoundGraphsProgress observer = progress instanceof RoundGraphsProgress o ? o : null;
        List<ModelProto> models = new ArrayList<>();
        List<Long> removed = new ArrayList<>();
        List<String> widths = new ArrayList<>();
        List<Integer> keptEpochs = new ArrayList<>();
        List<Double> seconds = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (int i = 0; i < made.size(); i++) {
            Made round = made.get(i);
            seconds.add(round.seconds());
            skipped.add(round.skipped());
            if (observer != null) {
                observer.refitted(i + 1, round.refitted());
                observer.finished(i + 1, round.model());
            }
            models.add(round.model());
            keptEpochs.add(round.epoch());
            GraphView after = new GraphView(round.model(), start.file());
            removed.add(start.modelParameters() - after.parameters());
            widths.add(HeadUnits.widths(BlockFinder.find(after)));
        }
        return new Chain(models, removed, widths, keptEpochs, halfStep, seconds, skipped);
    }
}

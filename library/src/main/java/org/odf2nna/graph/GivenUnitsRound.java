package org.odf2nna.graph;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.odf2nna.onnx.WeightStorage;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.settings.Ranking;

/**
 * One round of a graph sweep with the units to keep given rather than ranked: a control's entry (docs/research/COMPARISON.md,
 * the heads' control: another tool's choice of heads and units pruned, refitted and retrained by the sweep's own
 * steps). From a round's graph (the canonical form {@link RoundGraphsProgress} receives), the given units are kept, the rest
 * dropped and compensated as the sweep's rounds are (the sequential refit towards the original), then retrained end
 * to end from the original as they are. Nothing is written.
 */
public final class GivenUnitsRound {

    private GivenUnitsRound() {
    }

    /**
     * The original graph as read (what the refit and the retraining aim at), its file, and how its inputs are fed
     * ({@link GraphFeed#resolve}: a token-id export's open sequence from its archives, as {@code sweep} reads it).
     */
    public record Original(ModelProto stored, Path file, GraphFeed feed) {
    }

    /**
     * Round {@code round} from {@code previous} with only {@code kept}'s units left.
     *
     * @param previous the graph the round starts from, in the canonical form a sweep's rounds are in
     * @param training the training rows (the statistics, the refit and the retraining take their first rows)
     * @param kept     per block named as {@code inspect} names it (its first or second layer's node), the units it
     *                 keeps (heads of an attention, numbered from 0); a block not named keeps all its units
     * @param progress receives the round refitted, then retrained
     * @return the round retrained (its refitted graph when end-to-end retraining is off or cannot run)
     */
    public static ModelProto run(Original from, ModelProto previous, GraphRows training, Map<String, int[]> kept,
            int round, GraphRun settings, RoundGraphsProgress progress) {
        return made(from, previous, training, blocks -> dropped(blocks, kept), round, settings, progress).model();
    }

    /**
     * A round made.
     *
     * @param model     the round retrained (its refitted graph when end-to-end retraining is off or did not run)
     * @param endToEnd  whether it was retrained end to end
     * @param notes     what the retraining said (a translation it could not take, the time it took)
     */
    public record Made(ModelProto model, boolean endToEnd, List<String> notes) {

        public Made {
            notes = List.copyOf(notes);
        }
    }

    /**
     * {@link #run(Original, ModelProto, GraphRows, Map, int, GraphRun, RoundGraphsProgress)} with the channels to drop given
     * per block of {@code previous} as {@link BlockFinder} finds them ({@link BlockPruner#prune}'s form): what
     * {@code evolve}'s best mask over a graph's blocks ({@link BlockMasks}) becomes.
     *
     * @param drop per block found in {@code previous}, whether each of its channels goes
     */
    public static Made made(Original from, ModelProto previous, GraphRows training,
            java.util.function.Function<List<DenseBlock>, List<boolean[]>> drop, int round, GraphRun settings,
            RoundGraphsProgress progress) {
        Path file = from.file();
        GraphFeed feed = from.feed();
        ModelProto original = original(from, training, settings);
        List<DenseBlock> blocks = BlockFinder.find(new GraphView(previous, file));
        GraphRows stats = training.first(settings.statisticsRows());
        GraphRounds.Measured measured = new GraphRounds.Measured(blocks, BlockStatistics.measure(previous, file,
                blocks, stats, feed, settings.device(), settings.samples()), new int[blocks.size()]);
        BlockPruner.Pruned pruned = GraphRounds.applied(original, previous, file, measured,
                SequentialRefit.Input.quiet(stats, feed), drop.apply(blocks), settings);
        progress.refitted(round, pruned.model());
        RoundRetraining endToEnd = new RoundRetraining(settings, settings.endToEnd()
                && RoundRetraining.feeds(feed) ? training.first(settings.retrainingRows(training.width())) : null, feed);
        ModelProto out = pruned.model();
        if (endToEnd.active()) {
            String phase = "round " + round + ": retraining end to end";
            out = endToEnd.retrain(original, out, file, (epoch, epochs) -> progress.update(phase, epoch.epoch(),
                    epochs, null), RoundRetraining.Attempt.FIRST);
            // The kept epoch on the retraining's held-out training rows: what COMPARISON.md's ranking studies read.
            org.odf2nna.tf.TrainingResult.Epoch held = endToEnd.heldOut();
            if (held != null) {
                progress.update("round " + round + ": held-out training rows", held.epoch(), -1,
                        String.format(java.util.Locale.ROOT, "epoch %d: metric %.6f, loss %.6f", held.epoch(),
                                held.validationMetric(), held.validationLoss()));
            }
        }
        progress.finished(round, out);
        return new Made(out, endToEnd.active(), endToEnd.notes());
    }

    /**
     * The units {@code ranking} keeps in each block {@code widths} names, at that block's given width, measured on
     * {@code previous} as {@link #run} measures it: within a block a sweep's round drops the lowest-scored units, so
     * with {@link Ranking#COST} this is the sweep's own choice at those widths; with {@link Ranking#GREEDY_COST} the
     * greedy elimination's; with {@link Ranking#TAYLOR} the first-order Taylor importance's (one gradient pass on
     * {@code previous}); with {@link Ranking#HEAD_LOSS} the heads whose drop raises the network's loss least go
     * ({@link HeadLoss}). A control's entry (docs/research/COMPARISON.md): rankings compared at equal widths.
     *
     * @param widths per block named as {@code inspect} names it, the units (heads) it keeps
     * @return per block named, the units kept, in increasing order
     */
    public static Map<String, int[]> chosen(Original from, ModelProto previous, GraphRows training,
            Map<String, Integer> widths, Ranking ranking, GraphRun settings) {
        Path file = from.file();
        GraphView g = new GraphView(previous, file);
        List<DenseBlock> blocks = BlockFinder.find(g);
        List<BlockStatistics.Moments> moments = BlockStatistics.measure(previous, file, blocks,
                training.first(settings.statisticsRows()), from.feed(), settings.device(), settings.samples());
        // Taylor's gradients on the rows the round's retraining reads, the loss it steps on.
        Map<String, float[]> gradients = !ranking.usesGradients() ? null : TaylorImportance.gradients(
                original(from, training, settings), previous, file, training.first(settings.retrainingRows(training.width())),
                from.feed(), settings);
        // The heads' loss on the statistics' rows, as a sweep's round measures it.
        List<double[]> increases = ranking != Ranking.HEAD_LOSS ? null : HeadLoss.increases(previous, file, blocks,
                moments, training.first(settings.statisticsRows()), from.feed(), settings);
        Map<String, int[]> out = new LinkedHashMap<>();
        for (int b = 0; b < blocks.size(); b++) {
            DenseBlock block = blocks.get(b);
            String name = widths.containsKey(block.place().firstNode()) ? block.place().firstNode()
                    : block.place().secondNode();
            Integer keep = widths.get(name);
            if (keep == null) {
                continue;
            }
            BlockStatistics.Moments m = moments.get(b);
            UnitCosts none = UnitCosts.NONE;
            double[] s = ranking == Ranking.TAYLOR ? TaylorImportance.scores(g, block, gradients, none)
                    : ranking == Ranking.COST_TAYLOR ? TaylorImportance.costOrdered(g, block, m, gradients, none)
                    : ranking == Ranking.HEAD_LOSS ? HeadLoss.scores(g, block, m, none, increases.get(b))
                    : ranking == Ranking.GREEDY_COST
                    ? GreedyCost.scores(g, block, m, block.units() - keep, none)
                    : block.sizes().unitSize() > 1 ? HeadUnits.scores(g, block, m, ranking, none)
                    : GraphRounds.scores(g, block, m, ranking);
            int[] kept = java.util.stream.IntStream.range(0, s.length).boxed()
                    .sorted((x, y) -> Double.compare(s[y], s[x])).limit(keep).mapToInt(Integer::intValue).sorted()
                    .toArray();
            out.put(name, kept);
        }
        return out;
    }

    /** The original in the canonical form the rounds are in: what the refit and the retraining aim at. */
    private static ModelProto original(Original from, GraphRows training, GraphRun settings) {
        return GraphSweep.found(WeightStorage.hoist(from.stored()).model(), from.file(), from.feed(), training,
                settings.device()).canonical().model();
    }

    /**
     * Per block, the channels to drop: every channel of a unit {@code kept} does not list for it (a head's
     * {@link DenseBlock#unitSize()} channels together); none of a block it does not name.
     *
     * @throws IllegalArgumentException naming a unit outside its block, or a name that is no block's
     */
    static List<boolean[]> dropped(List<DenseBlock> blocks, Map<String, int[]> kept) {
        List<boolean[]> drop = new ArrayList<>();
        java.util.Set<String> used = new java.util.HashSet<>();
        for (DenseBlock b : blocks) {
            boolean[] d = new boolean[b.sizes().width()];
            String name = kept.containsKey(b.place().firstNode()) ? b.place().firstNode() : b.place().secondNode();
            int[] units = kept.get(name);
            if (units != null) {
                used.add(name);
                Arrays.fill(d, true);
                for (int u : units) {
                    if (u < 0 || u >= b.units()) {
                        throw new IllegalArgumentException("block " + name + " has " + b.units() + " units; no unit "
                                + u);
                    }
                    Arrays.fill(d, u * b.sizes().unitSize(), (u + 1) * b.sizes().unitSize(), false);
                }
            }
            drop.add(d);
        }
        for (String name : kept.keySet()) {
            if (!used.contains(name)) {
                throw new IllegalArgumentException("no block of the graph is named " + name);
            }
        }
        return drop;
    }
}

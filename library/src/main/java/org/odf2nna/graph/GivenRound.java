package org.odf2nna.graph;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.odf2nna.onnx.WeightStorage;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/**
 * One round of a graph sweep with the units to keep given rather than ranked: a control's entry (docs/COMPARISON.md,
 * the heads' control: another tool's choice of heads and units pruned, refitted and retrained by the sweep's own
 * steps). From a round's graph (the canonical form {@link RoundModels} receives), the given units are kept, the rest
 * dropped and compensated as the sweep's rounds are (the sequential refit towards the original), then retrained end
 * to end from the original as they are. Nothing is written.
 */
public final class GivenRound {

    private GivenRound() {
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
            int round, GraphRun settings, RoundModels progress) {
        Path file = from.file();
        GraphFeed feed = from.feed();
        ModelProto original = GraphSweep.found(WeightStorage.hoist(from.stored()).model(), file, feed, training,
                settings.device()).canonical().model();
        List<DenseBlock> blocks = BlockFinder.find(new GraphView(previous, file));
        GraphRows stats = training.first(settings.statisticsRows());
        GraphRounds.Measured measured = new GraphRounds.Measured(blocks, BlockStatistics.measure(previous, file,
                blocks, stats, feed, settings.device(), settings.samples()), new int[blocks.size()]);
        BlockPruner.Pruned pruned = GraphRounds.applied(original, previous, file, measured, stats, feed,
                dropped(blocks, kept), settings);
        progress.refitted(round, pruned.model());
        GraphRounds.EndToEnd endToEnd = new GraphRounds.EndToEnd(settings, settings.endToEnd()
                && GraphRounds.EndToEnd.feeds(feed) ? training.first(settings.retraining().rows()) : null, feed);
        ModelProto out = pruned.model();
        if (endToEnd.active()) {
            String phase = "round " + round + ": retraining end to end";
            out = endToEnd.retrain(original, out, file, (epoch, epochs) -> progress.update(phase, epoch.epoch(),
                    epochs, null));
        }
        progress.finished(round, out);
        return out;
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
            boolean[] d = new boolean[b.width()];
            String name = kept.containsKey(b.firstNode()) ? b.firstNode() : b.secondNode();
            int[] units = kept.get(name);
            if (units != null) {
                used.add(name);
                Arrays.fill(d, true);
                for (int u : units) {
                    if (u < 0 || u >= b.units()) {
                        throw new IllegalArgumentException("block " + name + " has " + b.units() + " units; no unit "
                                + u);
                    }
                    Arrays.fill(d, u * b.unitSize(), (u + 1) * b.unitSize(), false);
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

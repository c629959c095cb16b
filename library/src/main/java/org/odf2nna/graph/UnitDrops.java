package org.odf2nna.graph;

import static org.odf2nna.graph.GraphRounds.scores;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.odf2nna.graph.GraphRounds.Measured;
import org.odf2nna.settings.Ranking;
import org.odf2nna.settings.RoundTo;

/**
 * Which units a round of a graph sweep drops ({@link GraphRounds}): the blocks' units ranked in one order, their scores
 * normalised per block and weighed by what removing them saves, taken until the round's target is gone, each block
 * giving at most its most, in whole chunks where widths are rounded. Its own room because it only chooses, where
 * {@link GraphRounds} measures and rewrites the graph.
 */
final class UnitDrops {

    private UnitDrops() {
    }

    /**
     * Per block, the units a round drops: all units of all blocks ranked in one order, the lowest dropped until
     * {@code target} is gone (parameters, or multiply-adds per row under that budget: {@link Measured#costs}), each
     * block giving at most its {@link Measured#most} (one that has given them is passed over and the others go on). A
     * residual stream's channel is one unit, scored by the sum of its scores at its consumers and costing what all of
     * them carry; its blocks share one mask. Under multiply-adds every score is per multiply-add against the dense
     * units' average ({@link UnitCosts#relative}), so that a unit whose removal saves more compute goes first at equal
     * cost to the output.
     *
     * <p>With widths rounded ({@code roundTo}, {@link #multiple}), a block's units go in whole chunks: its units in
     * its own order (lowest score first) cut into chunks of the multiple, the first chunk of a width that is not a
     * multiple only what brings it to one; the chunks of all blocks are ranked by their units' mean score and taken
     * in that order until the target is gone, a block's chunks never past its most (rounded so that what it keeps
     * stays a multiple, at least one multiple). The round's target is kept this way, where rounding each block's
     * count after a unit-by-unit choice would miss it by up to half a multiple per block, either way. With no
     * rounding (multiple 1) a chunk is a unit and this is the unit-by-unit choice.
     */
    static List<boolean[]> dropped(GraphView g, Measured measured, long target, Ranking ranking,
            RoundTo roundTo) {
        List<DenseBlock> blocks = measured.blocks();
        int n = blocks.size();
        int[] owner = TiedChannels.owners(blocks);
        List<double[]> scores = new ArrayList<>();
        for (int b = 0; b < n; b++) {
            double[] s = unitScores(g, measured, b, ranking);
            if (owner[b] == b) {
                scores.add(s);
            } else {
                scores.add(null);
                double[] lead = scores.get(owner[b]);
                for (int j = 0; j < s.length; j++) {
                    lead[j] += s[j];
                }
            }
        }
        int[] most = measured.most().clone();
        int[] multiple = new int[n];
        List<boolean[]> drop = new ArrayList<>();
        for (int b = 0; b < n; b++) {
            drop.add(owner[b] == b ? new boolean[blocks.get(b).sizes().width()] : drop.get(owner[b]));
            // A stream's channels go from all its blocks at once: the tightest of their limits holds.
            most[owner[b]] = Math.min(most[owner[b]], measured.most()[b]);
            multiple[owner[b]] = Math.max(multiple[owner[b]], multiple(blocks.get(b), roundTo));
        }
        List<java.util.SortedMap<Integer, Integer>> branches = branches(blocks, owner);
        List<Chunk> chunks = new ArrayList<>();
        for (int b = 0; b < n; b++) {
            if (owner[b] == b) {
                chunks.addAll(branches.get(b).isEmpty() ? chunks(b, scores.get(b), most[b], multiple[b])
                        : branchChunks(b, scores.get(b), multiple[b], branches.get(b)));
            }
        }
        chunks.sort(Comparator.comparingDouble(Chunk::score));
        double removed = 0;
        int[] taken = new int[n];
        for (Chunk c : chunks) {
            if (removed >= target) {
                break;
            }
            if (taken[c.block()] + c.units().length > most[c.block()]) {
                continue; // a Concat's branches are chunked apart: the stream's own limit is kept here
            }
            taken[c.block()] += c.units().length;
            DenseBlock block = blocks.get(c.block());
            // A head goes with its unitSize channels; a dense unit is one channel.
            for (int u : c.units()) {
                java.util.Arrays.fill(drop.get(c.block()), u * block.sizes().unitSize(),
                        (u + 1) * block.sizes().unitSize(), true);
            }
            removed += measured.costs().of(block) * c.units().length;
        }
        return drop;
    }

    /**
     * Block {@code b}'s unit scores under {@code ranking}, lower goes first; under multiply-adds, per multiply-add
     * against the dense units where the ranking does not weigh them by cost already.
     */
    private static double[] unitScores(GraphView g, Measured measured, int b, Ranking ranking) {
        DenseBlock block = measured.blocks().get(b);
        BlockStatistics.Moments m = measured.moments().get(b);
        UnitCosts costs = measured.costs();
        // A stream's channels sum their consumers' scores: one-shot costs there, greedy orders do not add up.
        boolean greedy = ranking == Ranking.GREEDY_COST && !block.tied()
                && block.sizes().width() <= GreedyCost.MAX_CHANNELS;
        double[] s = ranking == Ranking.TAYLOR ? TaylorImportance.scores(g, block, measured.gradients(), costs)
                : ranking == Ranking.COST_TAYLOR ? TaylorImportance.costOrdered(g, block, m, measured.gradients(),
                costs)
                : greedy ? GreedyCost.scores(g, block, m, measured.most()[b], costs)
                : ranking == Ranking.HEAD_LOSS ? HeadLoss.scores(g, block, m, costs,
                measured.headLoss() == null ? null : measured.headLoss().get(b))
                : block.sizes().unitSize() > 1 ? HeadUnits.scores(g, block, m, ranking, costs)
                : scores(g, block, m, ranking);
        if (costs.budget() != org.odf2nna.settings.Budget.PARAMS && !weighedByCost(ranking, block)) {
            double relative = costs.relative(block);
            for (int j = 0; j < s.length; j++) {
                s[j] *= relative;
            }
        }
        return s;
    }

    /**
     * Whether {@code ranking}'s scores of {@code block} are already per cost against the dense units: Taylor's
     * importances everywhere, and an attention's heads under the costs that scale them ({@link HeadUnits#scores}).
     */
    private static boolean weighedByCost(Ranking ranking, DenseBlock block) {
        return ranking == Ranking.TAYLOR || block.sizes().unitSize() > 1 && (ranking == Ranking.COST
                || ranking == Ranking.GREEDY_COST || ranking == Ranking.HEAD_LOSS || ranking == Ranking.COST_TAYLOR);
    }

    /**
     * What block {@code block}'s width is kept a multiple of: {@code roundTo}'s channels for a convolution's, its units
     * for a MatMul or Gemm block's; 1 for an attention's heads (never rounded) and for a block narrower than the
     * multiple (it never was one, and no width it could keep is).
     */
    static int multiple(DenseBlock block, RoundTo roundTo) {
        if (block.heads()) {
            return 1;
        }
        int m = block.kind() == DenseBlock.Kind.CONV ? roundTo.channels() : roundTo.units();
        return block.sizes().width() < m ? 1 : m;
    }

    /**
     * Per block, the branches of a Concat whose output its stream is ({offset: span} of the stream's units), empty for
     * a block of one tensor: each branch is its own convolution's output, so each keeps a multiple of its own, and
     * never none (ONNX Runtime's blocked layout and some runtimes reject a Conv of no output channels).
     */
    private static List<java.util.SortedMap<Integer, Integer>> branches(List<DenseBlock> blocks, int[] owner) {
        List<java.util.SortedMap<Integer, Integer>> out = new ArrayList<>();
        for (int b = 0; b < blocks.size(); b++) {
            out.add(owner[b] == b && blocks.get(b).tied()
                    ? TiedChannels.concatBranches(blocks, blocks.get(b).stream()) : new java.util.TreeMap<>());
        }
        return out;
    }

    /**
     * The chunks of a stream joined by a Concat: each branch's units cut as {@link #chunks} cuts a block's, at least
     * one multiple of the branch kept (one unit where the branch is narrower than the multiple); the stream's own most
     * is kept as the chunks are taken.
     */
    static List<Chunk> branchChunks(int b, double[] scores, int multiple,
            java.util.SortedMap<Integer, Integer> branches) {
        List<Chunk> out = new ArrayList<>();
        for (var branch : branches.entrySet()) {
            int offset = branch.getKey();
            int span = branch.getValue();
            int m = span < multiple ? 1 : multiple;
            double[] own = java.util.Arrays.copyOfRange(scores, offset, offset + span);
            for (Chunk c : chunks(b, own, span - m, m)) {
                int[] units = c.units().clone();
                for (int k = 0; k < units.length; k++) {
                    units[k] += offset;
                }
                out.add(new Chunk(b, units, c.score()));
            }
        }
        return out;
    }

    /** Units of one block that a round takes together, and their mean score. */
    record Chunk(int block, int[] units, double score) {
    }

    /**
     * Block {@code b}'s chunks in its own order: its units sorted by score cut into {@code multiple}s (the first only
     * what brings the width to a multiple), as many as keep it at {@code most} units taken or fewer and at least one
     * multiple kept.
     */
    static List<Chunk> chunks(int b, double[] scores, int most, int multiple) {
        int w = scores.length;
        Integer[] order = new Integer[w];
        for (int j = 0; j < w; j++) {
            order[j] = j;
        }
        java.util.Arrays.sort(order, Comparator.comparingDouble(j -> scores[j]));
        int keptAtLeast = multiple == 1 ? w - most
                : Math.max(multiple, (w - most + multiple - 1) / multiple * multiple);
        int take = Math.max(0, w - keptAtLeast);
        List<Chunk> out = new ArrayList<>();
        int from = 0;
        int size = multiple == 1 || w % multiple == 0 ? multiple : w % multiple;
        while (from + size <= take) {
            int[] units = new int[size];
            double sum = 0;
            for (int k = 0; k < size; k++) {
                units[k] = order[from + k];
                sum += scores[units[k]];
            }
            out.add(new Chunk(b, units, size == 1 ? sum : sum / size));
            from += size;
            size = multiple;
        }
        return out;
    }
}

package org.odf2nna.graph;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.odf2nna.Device;
import org.odf2nna.graph.BlockPruner.Compensation;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.settings.Ranking;

/**
 * The head ranking measured on the network ({@link Ranking#HEAD_LOSS}, issue 58): a head is priced by what dropping
 * it, with its attention block's least-squares refit (the refit {@link HeadUnits#scores}'s cost assumes), does to the
 * network's loss on training rows: cross-entropy of the first output's softmax on the labels (without labels, on the
 * starting model's own answers; a regressor's squared error on its targets), one ONNX Runtime pass over {@link #ROWS}
 * rows per head. Why the targets' loss and not the retraining's distillation loss: it is what the rounds are judged
 * on, and the same target {@link TaylorImportance} steps on; the block's cost already measures the distance to the
 * block's own output.
 *
 * <p>Only the order of the heads within a block comes from the loss: a block's scores are its heads' costs as
 * {@link Ranking#COST} gives them, handed out again in the order of the loss increases (the head whose drop raises
 * the loss least gets the block's lowest cost). So how many heads each round takes from each block is the cost's
 * choice, comparable with the FFN units' costs, and which heads go is the loss's.
 */
final class HeadLoss {

    /** Training rows each head's loss is measured on. */
    static final int ROWS = 2000;

    /** Rows per ONNX Runtime run. */
    private static final int BATCH = 500;

    private HeadLoss() {
    }

    /**
     * Per block of {@code blocks} (those of {@code model}), the loss increase of dropping each head alone with the
     * block refitted; null for a block that is not an attention's heads, or for every block when the first output
     * cannot be read as one row of scores (or one value) per row.
     */
    static List<double[]> increases(ModelProto model, Path file, List<DenseBlock> blocks,
            List<BlockStatistics.Moments> moments, GraphRows training, GraphFeed feed, GraphRun settings) {
        GraphRows rows = training.first(Math.min(ROWS, training.count()));
        Device device = settings.device();
        float[] base = outputs(model, file, feed, rows, device);
        int per = base.length / rows.count();
        if (per * rows.count() != base.length || per < 1 || per == 1 && !settings.regression()) {
            return java.util.Collections.nCopies(blocks.size(), null);
        }
        float[] targets = targets(rows, base, per, settings.regression());
        double before = loss(base, targets, rows.count(), settings.regression());
        List<double[]> out = new ArrayList<>();
        for (int b = 0; b < blocks.size(); b++) {
            DenseBlock block = blocks.get(b);
            if (!block.heads() || block.units() < 2) {
                out.add(null);
                continue;
            }
            double[] s = new double[block.units()];
            for (int h = 0; h < s.length; h++) {
                ModelProto dropped = withoutHead(model, file, blocks, moments, b, h);
                s[h] = loss(outputs(dropped, file, feed, rows, device), targets, rows.count(),
                        settings.regression()) - before;
            }
            out.add(s);
        }
        return out;
    }

    /** {@code model} with head {@code h} of block {@code b} dropped and that block refitted by least squares. */
    static ModelProto withoutHead(ModelProto model, Path file, List<DenseBlock> blocks,
            List<BlockStatistics.Moments> moments, int b, int h) {
        List<boolean[]> drop = new ArrayList<>();
        for (DenseBlock block : blocks) {
            drop.add(new boolean[block.sizes().width()]);
        }
        int size = blocks.get(b).sizes().unitSize();
        Arrays.fill(drop.get(b), h * size, (h + 1) * size, true);
        return BlockPruner.prune(model, file, blocks, moments, drop, Compensation.LEAST_SQUARES).model();
    }

    /**
     * A block's scores under {@link Ranking#HEAD_LOSS}: an attention's heads' costs ({@link HeadUnits#scores} with
     * {@link Ranking#COST}) {@link #reordered} by {@code increases}; any other block's costs as {@link Ranking#COST}
     * gives them.
     */
    static double[] scores(GraphView g, DenseBlock block, BlockStatistics.Moments m, UnitCosts costs,
            double[] increases) {
        if (block.sizes().unitSize() == 1) {
            return GraphRounds.scores(g, block, m, Ranking.COST);
        }
        return reordered(HeadUnits.scores(g, block, m, Ranking.COST, costs), increases);
    }

    /**
     * A block's costs handed out in the order of {@code increases}: the smallest cost to the head whose drop raises the
     * loss least, and so on; the block's costs as they are where there is no increase for it.
     */
    static double[] reordered(double[] costs, double[] increases) {
        if (increases == null || increases.length != costs.length) {
            return costs;
        }
        double[] sorted = costs.clone();
        Arrays.sort(sorted);
        Integer[] order = new Integer[costs.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Double.compare(increases[x], increases[y]));
        double[] out = new double[costs.length];
        for (int k = 0; k < order.length; k++) {
            out[order[k]] = sorted[k];
        }
        return out;
    }

    /** The first output's values on {@code rows}, row after row. */
    private static float[] outputs(ModelProto model, Path file, GraphFeed feed, GraphRows rows, Device device) {
        ModelProto runnable = BlockStatistics.relaxed(model.toBuilder(), feed.data().name()).build();
        String output = model.getGraph().getOutput(0).getName();
        float[] all = null;
        int per = 0;
        try (GraphFeed.Session s = feed.open(runnable, device, file)) {
            for (int start = 0; start < rows.count(); start += BATCH) {
                int count = Math.min(BATCH, rows.count() - start);
                OnnxRunner.Out out = s.runShaped(rows, start, count, List.of(output)).get(output);
                if (all == null) {
                    per = out.values().length / count;
                    all = new float[per * rows.count()];
                }
                System.arraycopy(out.values(), 0, all, start * per, Math.min(out.values().length, count * per));
            }
        }
        return all;
    }

    /** The labels (class ids), a regressor's targets, or without them the starting model's answers. */
    private static float[] targets(GraphRows rows, float[] base, int per, boolean regression) {
        float[] t = new float[rows.count()];
        for (int r = 0; r < t.length; r++) {
            if (regression) {
                t[r] = rows.targets() != null ? rows.targets()[r] : base[r];
            } else if (rows.labels() != null) {
                t[r] = rows.labels()[r];
            } else {
                int best = 0;
                for (int c = 1; c < per; c++) {
                    best = base[r * per + c] > base[r * per + best] ? c : best;
                }
                t[r] = best;
            }
        }
        return t;
    }

    /**
     * Mean cross-entropy of each row's softmax on its class (of the row's values themselves where every row already
     * sums to one, a graph ending in its softmax), or a regressor's mean squared error.
     */
    static double loss(float[] outputs, float[] targets, int rows, boolean regression) {
        int per = outputs.length / rows;
        boolean probabilities = !regression && probabilities(outputs, rows);
        double sum = 0;
        for (int r = 0; r < rows; r++) {
            if (regression) {
                double d = outputs[r * per] - targets[r];
                sum += d * d;
                continue;
            }
            int label = (int) targets[r];
            if (probabilities) {
                sum -= Math.log(Math.max(label >= 0 && label < per ? outputs[r * per + label] : 0, 1e-12));
                continue;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < per; c++) {
                max = Math.max(max, outputs[r * per + c]);
            }
            double z = 0;
            for (int c = 0; c < per; c++) {
                z += Math.exp(outputs[r * per + c] - max);
            }
            sum += Math.log(z) + max - (label >= 0 && label < per ? outputs[r * per + label] : max);
        }
        return sum / rows;
    }

    /** Whether every row's values are non-negative and sum to one: a softmax's, not logits. */
    private static boolean probabilities(float[] outputs, int rows) {
        int per = outputs.length / rows;
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            for (int c = 0; c < per; c++) {
                if (outputs[r * per + c] < 0) {
                    return false;
                }
                sum += outputs[r * per + c];
            }
            if (Math.abs(sum - 1) > 1e-3) {
                return false;
            }
        }
        return true;
    }
}

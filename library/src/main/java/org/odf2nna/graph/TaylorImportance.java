package org.odf2nna.graph;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.Ranking;
import org.odf2nna.tf.GraphRetrainer;
import org.odf2nna.tf.InputPacking;
import org.odf2nna.tf.Loss;
import org.odf2nna.tf.LossGradients;

/**
 * The first-order Taylor ranking of a block's units ({@link Ranking#TAYLOR}, issue 58), as Torch-Pruning's
 * TaylorImportance: a unit's importance is {@code Σ |w ⊙ ∂L/∂w|} over its weights (the first layer's column, the
 * second layer's row, and any per-unit weights between; a head's query, key and value columns and its
 * output-projection rows; biases left out, as Torch-Pruning leaves them by default), the gradients summed over
 * every training row handed (batches of {@link #BATCH_ROWS}) on the round's starting model, the loss the
 * retraining's on the targets alone (cross-entropy on the labels, a regressor's squared error; without labels the
 * original's answers), without its distillation term, as Torch-Pruning's. One gradient pass per round
 * ({@link LossGradients}); the rows it reads are training rows only (the retraining's, or the statistics' when the
 * round does not retrain).
 *
 * <p>Why every row, where Torch-Pruning's scripts read 100 batches of 128: on the shared ViT's round 7 the heads' sums
 * over 12,800 rows differ by under 1% and a draw of rows reorders them (each seed's draw keeps other heads), while the
 * sum over all 50,000 keeps the same heads with any order of the rows; docs/research/COMPARISON.md, "Taylor over every
 * training row".
 *
 * <p>The importances estimate a change of one loss, so blocks share their scale; for the sweep's order across blocks a
 * unit's importance is divided by the parameters it carries and multiplied by a dense unit's average (as a head's cost
 * is, {@link HeadUnits#scores}): what a round removes is parameters.
 */
final class TaylorImportance {

    /** Rows per batch, as Torch-Pruning's comparison scripts'; every row handed is read (see the class comment). */
    static final int BATCH_ROWS = 128;

    /**
     * Positions a language model's gradients are summed over at most (its first 256 windows of 128 tokens): each
     * window is as many rows of the loss as it has positions, and the ranking orders units, which a few tens of
     * thousands of tokens do (FLAP measures its units on 1,024 windows of 128).
     */
    static final int LANGUAGE_MODEL_POSITIONS = 32_768;

    private TaylorImportance() {
    }

    /**
     * The loss's gradients with respect to every block weight of {@code model}, summed over the batches: the rows are
     * {@code rows} (their labels or, without, the original's answers), the loss the retraining's on the targets.
     */
    static Map<String, float[]> gradients(ModelProto original, ModelProto model, Path file, GraphRows rows,
            GraphFeed feed, GraphRun settings) {
        if (settings.nextToken()) {
            rows = rows.first(Math.max(2, LANGUAGE_MODEL_POSITIONS / Math.max(1, rows.width())));
        }
        Set<String> names = new LinkedHashSet<>(GraphRounds.trainable(model, file));
        InputPacking packing = RoundRetraining.packing(feed);
        float[] inputs = packing == null ? rows.features() : RoundRetraining.packed(rows, feed, packing);
        Loss loss = settings.regression() ? Loss.MEAN_SQUARED_ERROR : Loss.SOFTMAX_CROSS_ENTROPY;
        // The targets' loss alone, as Torch-Pruning's: on the corpus BERT the retraining's distilled loss (nine
        // tenths the original's softened outputs) kept our least-squares head, the targets' loss Torch-Pruning's.
        int batches = (rows.count() + BATCH_ROWS - 1) / BATCH_ROWS;
        LossGradients.Pass pass = new LossGradients.Pass(loss, Distillation.NONE, batches, BATCH_ROWS,
                settings.retrain().seed(), settings.device());
        return LossGradients.summed(original, model, names, new GraphRetrainer.Rows(inputs,
                RoundRetraining.labels(rows, settings), rows.count(), packing), pass);
    }

    /**
     * Each unit's importance in {@code block} (a head: its channels together): {@code Σ |w ⊙ g|} over the unit's slices
     * of the block's weights of two or more axes; per cost against the dense units
     * ({@link UnitCosts#relative}; {@link UnitCosts#NONE}: as it is (only the order within a block then counts).
     */
    static double[] scores(GraphView g, DenseBlock block, Map<String, float[]> gradients, UnitCosts costs) {
        int width = block.sizes().width();
        double[] channel = new double[width];
        for (DenseBlock.UnitSlot slot : block.rewrites().slots()) {
            long[] d = g.dims(slot.tensor());
            float[] grad = gradients.get(slot.tensor());
            if (d.length < 2 || grad == null || d[slot.axis()] % width != 0) {
                continue;
            }
            add(channel, g.values(slot.tensor()), grad, d, slot.axis());
        }
        int size = block.sizes().unitSize();
        double perParameter = costs.relative(block);
        double[] s = new double[block.units()];
        for (int c = 0; c < width; c++) {
            s[c / size] += channel[c] * perParameter;
        }
        return s;
    }

    /**
     * A block's scores under {@link Ranking#COST_TAYLOR}: its costs as {@link Ranking#COST} gives them (a head's with
     * its channels together, {@link HeadUnits#scores}) handed out in the order of the Taylor importances
     * ({@link HeadLoss#reordered}: the least important unit gets the block's lowest cost), so that how many units a
     * round takes from the block is the cost's choice and which is Taylor's. A residual stream's channel keeps its
     * cost: its scores are summed over its consumers, whose Taylor orders differ.
     */
    static double[] costOrdered(GraphView g, DenseBlock block, BlockStatistics.Moments m,
            Map<String, float[]> gradients, UnitCosts unitCosts) {
        double[] costs = block.sizes().unitSize() > 1 ? HeadUnits.scores(g, block, m, Ranking.COST, unitCosts)
                : GraphRounds.scores(g, block, m, Ranking.COST);
        return block.tied() ? costs : HeadLoss.reordered(costs, scores(g, block, gradients, UnitCosts.NONE));
    }

    /**
     * Adds {@code |w ⊙ g|} of each slice along {@code axis} to its channel: a slice's index along the axis, modulo the
     * block's width (a packed query-key-value weight holds each channel once per part).
     */
    private static void add(double[] channel, float[] w, float[] g, long[] d, int axis) {
        int width = channel.length;
        long inner = 1;
        for (int k = axis + 1; k < d.length; k++) {
            inner *= d[k];
        }
        long along = d[axis];
        for (int i = 0; i < w.length; i++) {
            int c = (int) (i / inner % along % width);
            channel[c] += Math.abs((double) w[i] * g[i]);
        }
    }
}

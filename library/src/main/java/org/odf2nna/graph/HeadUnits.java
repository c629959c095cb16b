package org.odf2nna.graph;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.odf2nna.Device;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.settings.Ranking;

/**
 * What the graph sweep does with attention blocks ({@link AttentionFinder}): heads scored as groups of channels, the
 * widths column, the graph brought to the canonical form where no rows are given.
 */
final class HeadUnits {

    /** Rows of made-up values the canonical form is checked on where a command reads no rows ({@code inspect}). */
    private static final int MADE_UP_ROWS = 2;

    private HeadUnits() {
    }

    /** A block's width as the sweep's table writes it: units, or heads as {@code 2h}. */
    static String width(DenseBlock b) {
        return b.heads() ? b.units() + "h" : Integer.toString(b.sizes().width());
    }

    /**
     * The blocks' widths as the sweep's table writes them, joined by {@code -}: a residual stream once, as its
     * channels and {@code r} ({@code 12r}).
     */
    static String widths(List<DenseBlock> blocks) {
        List<String> out = new ArrayList<>();
        for (int b = 0; b < blocks.size(); b++) {
            DenseBlock block = blocks.get(b);
            if (!block.tied()) {
                out.add(width(block));
            } else if (TiedChannels.lead(blocks, b)) {
                out.add(block.sizes().width() + "r");
            }
        }
        return String.join("-", out);
    }

    /** The notes a sweep's report carries about its attentions. */
    static List<String> notes(AttentionRewrite.Result r) {
        List<String> notes = new ArrayList<>(r.notes());
        if (r.rewritten() > 0) {
            notes.add(r.rewritten() + " of " + r.found() + " multi-head attention(s) rewritten in the canonical form "
                    + "(docs/graphs.md); their heads are units");
        }
        return notes;
    }

    /**
     * {@code model} with its attentions in the canonical form, checked on made-up rows (uniform in [0, 1), or token 0
     * and 1 for integer inputs); the model as it is when it cannot be run so.
     */
    static ModelProto canonical(ModelProto model, Path file) {
        try {
            GraphFeed feed = GraphFeed.of(model, file);
            int width = feed.width();
            float[] values = new float[MADE_UP_ROWS * width];
            Random random = new Random(1);
            for (int i = 0; i < values.length; i++) {
                values[i] = feed.integerRows() ? i % 2 : random.nextFloat();
            }
            GraphRows rows = new GraphRows(values, width, null);
            return AttentionRewrite.rewrite(feed.fixed(model), file, feed, rows, Device.CPU).model();
        } catch (RuntimeException e) {
            // Listing blocks never fails for want of a run: the attentions stay uncounted.
            return model;
        }
    }

    /**
     * Each head's score. With {@link Ranking#COST}, the least-squares cost of dropping its channels
     * together, the others refitted: {@code tr(W_Dᵀ ((Σ⁻¹)_DD)⁻¹ W_D)} (D its channels, W the output projection's rows,
     * Σ the hidden channels' covariance), over the block output's variance, as a dense unit's cost is (its one-channel
     * case); then per parameter against the dense units: times the dense units' average cost over the head's ({@link UnitCosts#relative}: parameters, or multiply-adds under that budget)
     * (a head of the shared ViT carries 32 times an FFN unit's; ranked by its whole cost, no head went before the FFNs
     * were nearly gone). With no dense block the cost stands as it is. Other rankings add up the channels'
     * scores.
     */
    static double[] scores(GraphView g, DenseBlock block, BlockStatistics.Moments m, Ranking ranking,
            UnitCosts costs) {
        int dh = block.sizes().unitSize();
        double perParameter = costs.relative(block);
        int heads = block.units();
        double[] s = new double[heads];
        if (ranking != Ranking.COST && ranking != Ranking.GREEDY_COST) {
            double[] channels = GraphRounds.scores(g, block, m, ranking);
            for (int c = 0; c < channels.length; c++) {
                s[c / dh] += channels[c];
            }
            return s;
        }
        int w = block.sizes().width();
        DenseBlock.UnitSlot ws = block.rewrites().secondWeight();
        float[] v = g.values(ws.tensor());
        int outputs = v.length / w;
        DMatrixRMaj weights = new DMatrixRMaj(w, outputs);
        for (int j = 0; j < w; j++) {
            for (int o = 0; o < outputs; o++) {
                weights.set(j, o, v[BlockPruner.at(g.dims(ws.tensor()), ws.axis(), j, o, 0)]);
            }
        }
        DMatrixRMaj cov = new DMatrixRMaj(w, w, true, m.covariance());
        DMatrixRMaj sw = new DMatrixRMaj(w, outputs);
        CommonOps_DDRM.mult(cov, weights, sw);
        double outputVariance = Math.max(dot(weights, sw), 1e-30);
        DMatrixRMaj inverse = cov.copy();
        double trace = CommonOps_DDRM.trace(cov);
        for (int j = 0; j < w; j++) {
            inverse.add(j, j, BlockPruner.RIDGE * Math.max(trace / w, 1e-12));
        }
        if (!CommonOps_DDRM.invert(inverse)) {
            CommonOps_DDRM.pinv(cov.copy(), inverse);
        }
        for (int h = 0; h < heads; h++) {
            DMatrixRMaj block22 = CommonOps_DDRM.extract(inverse, h * dh, h * dh + dh, h * dh, h * dh + dh);
            DMatrixRMaj wd = CommonOps_DDRM.extract(weights, h * dh, h * dh + dh, 0, outputs);
            DMatrixRMaj schur = new DMatrixRMaj(dh, dh);
            if (!CommonOps_DDRM.invert(block22, schur)) {
                CommonOps_DDRM.pinv(block22, schur);
            }
            DMatrixRMaj sd = new DMatrixRMaj(dh, outputs);
            CommonOps_DDRM.mult(schur, wd, sd);
            s[h] = dot(wd, sd) / outputVariance * perParameter;
        }
        return s;
    }

    /**
     * The parameters a dense unit carries, averaged over the dense blocks of {@code blocks} (NaN when there are none;
     * a residual stream's blocks share their channels and are not counted): what a head's cost is scaled against.
     */
    static double denseUnitParameters(List<DenseBlock> blocks) {
        return blocks.stream().filter(b -> !b.heads() && !b.tied()).mapToLong(DenseBlock::parametersPerUnit).average()
                .orElse(Double.NaN);
    }

    /** The sum of the elementwise products of two matrices of one shape. */
    private static double dot(DMatrixRMaj a, DMatrixRMaj b) {
        double s = 0;
        for (int i = 0; i < a.getNumElements(); i++) {
            s += a.data[i] * b.data[i];
        }
        return s;
    }
}

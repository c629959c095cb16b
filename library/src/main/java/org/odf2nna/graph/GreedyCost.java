package org.odf2nna.graph;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * The greedy ranking of a block's units ({@link org.odf2nna.settings.Ranking#GREEDY_COST}, issue 58): units (or heads,
 * as groups of channels) dropped one at a time, optimal-brain-surgeon style, each time the one whose removal raises
 * the block's least-squares loss least with the others refitted, the inverse covariance and the refitted second
 * weights downdated after each. Exact for the block's loss one step at a time, where the one-shot cost
 * ({@link GraphRounds#scores}) prices each unit alone and so misses that two correlated units cannot both go cheaply.
 */
final class GreedyCost {

    /**
     * Channels above which a block is not eliminated greedily (O(width² × steps)); the one-shot cost ranks it. Half of
     * a block's units eliminated took 1.4 s at width 256, 11 s at 1,024 and 104 s at 2,048 on the shared 2-core machine
     * under a load of 15; the shared graphs' blocks are at most 192 wide, the corpus BERT's 256.
     */
    static final int MAX_CHANNELS = 1024;

    private GreedyCost() {
    }

    /**
     * Each unit's score, lower goes first: the marginal cost of dropping it at its place in the greedy order, over the
     * block output's variance, times {@code perParameter}, made increasing along the order (a running maximum, nudged
     * up on ties) so that a global sort keeps the block's order. Only the first {@code steps} units of the order are
     * eliminated (the most a round may take from the block); the rest score infinity.
     *
     * @param cov the hidden channels' covariance, width × width
     * @param weights the second layer's rows, one a channel (a convolution's taps as further columns)
     * @param unitSize channels per unit (a head's), 1 for a dense unit
     */
    static double[] scores(DMatrixRMaj cov, DMatrixRMaj weights, int unitSize, int steps, double perParameter) {
        int w = cov.numRows;
        int units = w / unitSize;
        DMatrixRMaj refitted = weights.copy();
        DMatrixRMaj sw = new DMatrixRMaj(w, weights.numCols);
        CommonOps_DDRM.mult(cov, weights, sw);
        double outputVariance = Math.max(CommonOps_DDRM.elementSum(CommonOps_DDRM.elementMult(weights, sw, null)),
                1e-30);
        DMatrixRMaj inverse = regularisedInverse(cov);
        double[] s = new double[units];
        java.util.Arrays.fill(s, Double.POSITIVE_INFINITY);
        boolean[] gone = new boolean[units];
        double floor = 0;
        for (int step = 0; step < Math.min(steps, units); step++) {
            int best = -1;
            double bestCost = Double.POSITIVE_INFINITY;
            for (int u = 0; u < units; u++) {
                double c = gone[u] ? Double.POSITIVE_INFINITY : cost(inverse, refitted, u, unitSize);
                if (c < bestCost || best < 0 && !gone[u]) {
                    best = u;
                    bestCost = c;
                }
            }
            gone[best] = true;
            double score = bestCost / outputVariance * perParameter;
            floor = score > floor ? score : Math.nextUp(floor);
            s[best] = floor;
            downdate(inverse, refitted, best, unitSize);
        }
        return s;
    }

    /**
     * {@code block}'s units scored greedily on its statistics {@code m}, at most {@code steps} eliminated; a head's
     * cost per parameter against the dense units as the one-shot cost's ({@link HeadUnits#scores}).
     */
    static double[] scores(GraphView g, DenseBlock block, BlockStatistics.Moments m, int steps,
            UnitCosts costs) {
        int w = block.sizes().width();
        double perParameter = block.sizes().unitSize() == 1 ? 1 : costs.relative(block);
        return scores(new DMatrixRMaj(w, w, true, m.covariance()), secondWeights(g, block), block.sizes().unitSize(),
                steps,
                perParameter);
    }

    /** The second layer's weights as rows, one a hidden channel: a Conv's (output, tap) pairs are the columns. */
    static DMatrixRMaj secondWeights(GraphView g, DenseBlock block) {
        int w = block.sizes().width();
        DenseBlock.UnitSlot ws = block.rewrites().secondWeight();
        float[] v = g.values(ws.tensor());
        long[] d = g.dims(ws.tensor());
        int taps = BlockPruner.taps(d);
        int outputs = v.length / w;
        DMatrixRMaj weights = new DMatrixRMaj(w, outputs);
        for (int j = 0; j < w; j++) {
            for (int c = 0; c < outputs; c++) {
                weights.set(j, c, v[BlockPruner.at(d, ws.axis(), j, c / taps, c % taps)]);
            }
        }
        return weights;
    }

    /** (Σ + ridge)⁻¹, the ridge as the one-shot cost's; the pseudo-inverse where the inverse fails. */
    static DMatrixRMaj regularisedInverse(DMatrixRMaj cov) {
        int w = cov.numRows;
        DMatrixRMaj inverse = cov.copy();
        double ridge = BlockPruner.RIDGE * Math.max(CommonOps_DDRM.trace(cov) / w, 1e-12);
        for (int j = 0; j < w; j++) {
            inverse.add(j, j, ridge);
        }
        if (!CommonOps_DDRM.invert(inverse)) {
            CommonOps_DDRM.pinv(cov.copy(), inverse);
        }
        return inverse;
    }

    /** The loss dropping unit {@code u} adds: tr(W*_Dᵀ (P_DD)⁻¹ W*_D), W*_j·W*_j / P_jj for one channel. */
    private static double cost(DMatrixRMaj inverse, DMatrixRMaj refitted, int u, int unitSize) {
        int from = u * unitSize;
        int outputs = refitted.numCols;
        if (unitSize == 1) {
            double norm = 0;
            for (int o = 0; o < outputs; o++) {
                norm += refitted.get(from, o) * refitted.get(from, o);
            }
            return norm / Math.max(inverse.get(from, from), 1e-30);
        }
        DMatrixRMaj wd = CommonOps_DDRM.extract(refitted, from, from + unitSize, 0, outputs);
        DMatrixRMaj solved = new DMatrixRMaj(unitSize, outputs);
        CommonOps_DDRM.mult(blockInverse(inverse, from, unitSize), wd, solved);
        return CommonOps_DDRM.elementSum(CommonOps_DDRM.elementMult(wd, solved, null));
    }

    /**
     * Removes unit {@code u}: P -= P[:,D] (P_DD)⁻¹ P[D,:] (the inverse of the remaining channels' covariance, its rows
     * and columns for D now zero) and W* -= P[:,D] (P_DD)⁻¹ W*_D (the others' refitted weights).
     */
    private static void downdate(DMatrixRMaj inverse, DMatrixRMaj refitted, int u, int unitSize) {
        int w = inverse.numRows;
        int from = u * unitSize;
        DMatrixRMaj columns = CommonOps_DDRM.extract(inverse, 0, w, from, from + unitSize);
        DMatrixRMaj gain = new DMatrixRMaj(w, unitSize);
        CommonOps_DDRM.mult(columns, blockInverse(inverse, from, unitSize), gain);
        DMatrixRMaj wd = CommonOps_DDRM.extract(refitted, from, from + unitSize, 0, refitted.numCols);
        CommonOps_DDRM.multAddTransB(-1, gain, columns, inverse);
        CommonOps_DDRM.multAdd(-1, gain, wd, refitted);
    }

    /** (P_DD)⁻¹ for D the {@code size} channels from {@code from}; the pseudo-inverse where the inverse fails. */
    private static DMatrixRMaj blockInverse(DMatrixRMaj inverse, int from, int size) {
        DMatrixRMaj block = CommonOps_DDRM.extract(inverse, from, from + size, from, from + size);
        DMatrixRMaj out = new DMatrixRMaj(size, size);
        if (!CommonOps_DDRM.invert(block, out)) {
            CommonOps_DDRM.pinv(block, out);
        }
        return out;
    }
}

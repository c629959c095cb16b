package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.settings.Ranking;

/**
 * The greedy cost (issue 58): where two units are near copies of each other, the one-shot cost finds each cheap alone
 * and drops both; the greedy elimination drops one, then prices the other at what it now carries.
 */
class GreedyCostTest {

    private static final Path FILE = Path.of("greedy.onnx");

    /** Six units of variance 1: 0 and 1 correlated at {@code rho}, weights 1 to each output; 2–5 alone, weights 0.3. */
    private static DMatrixRMaj covariance(int units, int unitSize, double rho) {
        int w = units * unitSize;
        DMatrixRMaj cov = CommonOps_DDRM.identity(w);
        for (int c = 0; c < unitSize; c++) {
            cov.set(c, unitSize + c, rho);
            cov.set(unitSize + c, c, rho);
        }
        return cov;
    }

    private static float[] weights(int w, int outputs, int strong) {
        float[] v = new float[w * outputs];
        for (int j = 0; j < w; j++) {
            for (int o = 0; o < outputs; o++) {
                v[j * outputs + o] = j < strong ? 1f : 0.3f;
            }
        }
        return v;
    }

    /** x(4) → Gemm → Relu → 6 units → Gemm → y(3), the second weights as {@link #weights}. */
    private static ModelProto block() {
        Graphs g = new Graphs(3);
        g.input("x", 4).output("y", 3);
        g.node("Gemm", "y", g.node("Relu", "relu", g.node("Gemm", "in", List.of(Graphs.integer("transB", 1)), "x",
                g.init("w1", 0.5, 6, 4), g.init("b1", 0.1, 6))), g.init("w2", weights(6, 3, 2), 6, 3),
                g.init("b2", 0.1, 3));
        return g.model(14);
    }

    /** The least-squares loss of keeping the channels {@code kept} marks: tr(Wᵀ (Σ − Σ_{:,S} Σ_SS⁻¹ Σ_{S,:}) W). */
    private static double residual(DMatrixRMaj cov, DMatrixRMaj w, boolean[] kept) {
        int[] s = java.util.stream.IntStream.range(0, kept.length).filter(j -> kept[j]).toArray();
        DMatrixRMaj css = new DMatrixRMaj(s.length, s.length);
        DMatrixRMaj cs = new DMatrixRMaj(cov.numRows, s.length);
        for (int a = 0; a < s.length; a++) {
            for (int b = 0; b < s.length; b++) {
                css.set(a, b, cov.get(s[a], s[b]));
            }
            for (int r = 0; r < cov.numRows; r++) {
                cs.set(r, a, cov.get(r, s[a]));
            }
        }
        CommonOps_DDRM.invert(css);
        DMatrixRMaj explained = new DMatrixRMaj(cov.numRows, cov.numRows);
        DMatrixRMaj left = new DMatrixRMaj(cov.numRows, s.length);
        CommonOps_DDRM.mult(cs, css, left);
        CommonOps_DDRM.multTransB(left, cs, explained);
        DMatrixRMaj rest = cov.copy();
        CommonOps_DDRM.subtractEquals(rest, explained);
        DMatrixRMaj rw = new DMatrixRMaj(cov.numRows, w.numCols);
        CommonOps_DDRM.mult(rest, w, rw);
        return CommonOps_DDRM.elementSum(CommonOps_DDRM.elementMult(w, rw, null));
    }

    /** Per channel, whether it is kept when the {@code drop} lowest-scoring units (of {@code unitSize}) go. */
    private static boolean[] keptAfter(double[] scores, int drop, int unitSize) {
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(scores[a], scores[b]));
        boolean[] kept = new boolean[scores.length * unitSize];
        Arrays.fill(kept, true);
        for (int k = 0; k < drop; k++) {
            Arrays.fill(kept, order[k] * unitSize, order[k] * unitSize + unitSize, false);
        }
        return kept;
    }

    @Test
    void correlatedUnitsAreNotBothDroppedAndTheRefitLosesLess() {
        ModelProto model = block();
        GraphView g = new GraphView(model, FILE);
        DenseBlock block = BlockFinder.find(g).get(0);
        assertEquals(6, block.sizes().width());
        DMatrixRMaj cov = covariance(6, 1, 0.99);
        BlockStatistics.Moments m = new BlockStatistics.Moments(new double[6], cov.data.clone(), 1000);
        double[] oneShot = GraphRounds.scores(g, block, m, Ranking.COST);
        double[] greedy = GreedyCost.scores(g, block, m, 6, UnitCosts.NONE);
        boolean[] byOneShot = keptAfter(oneShot, 2, 1);
        boolean[] byGreedy = keptAfter(greedy, 2, 1);
        assertTrue(!byOneShot[0] && !byOneShot[1], "the one-shot cost drops both copies: " + Arrays.toString(oneShot));
        assertTrue(byGreedy[0] ^ byGreedy[1], "the greedy order keeps one copy: " + Arrays.toString(greedy));
        DMatrixRMaj w = GreedyCost.secondWeights(g, block);
        double lossOneShot = residual(cov, w, byOneShot);
        double lossGreedy = residual(cov, w, byGreedy);
        assertTrue(lossGreedy < 0.2 * lossOneShot, lossGreedy + " against " + lossOneShot);
        // Its first step is the one-shot choice, at the one-shot cost.
        int first = 0;
        for (int j = 1; j < 6; j++) {
            first = greedy[j] < greedy[first] ? j : first;
        }
        assertEquals(oneShot[first], greedy[first], 1e-9 * oneShot[first]);
    }

    @Test
    void headsGoAsGroupsAndOnlyTheGivenStepsAreTaken() {
        int dh = 2;
        DMatrixRMaj cov = covariance(4, dh, 0.98);
        float[] v = weights(4 * dh, 3, 2 * dh);
        DMatrixRMaj w = new DMatrixRMaj(4 * dh, 3);
        for (int i = 0; i < v.length; i++) {
            w.data[i] = v[i];
        }
        double[] all = GreedyCost.scores(cov, w, dh, 4, 1);
        boolean[] kept = keptAfter(all, 2, dh);
        assertTrue(kept[0] ^ kept[dh], "one of the correlated heads stays: " + Arrays.toString(all));
        // Each head priced alone: the two correlated ones are the cheapest, and dropping both loses far more.
        DMatrixRMaj p = GreedyCost.regularisedInverse(cov);
        double[] alone = new double[4];
        for (int h = 0; h < 4; h++) {
            DMatrixRMaj pd = CommonOps_DDRM.extract(p, h * dh, h * dh + dh, h * dh, h * dh + dh);
            CommonOps_DDRM.invert(pd);
            DMatrixRMaj wd = CommonOps_DDRM.extract(w, h * dh, h * dh + dh, 0, 3);
            DMatrixRMaj sd = new DMatrixRMaj(dh, 3);
            CommonOps_DDRM.mult(pd, wd, sd);
            alone[h] = CommonOps_DDRM.elementSum(CommonOps_DDRM.elementMult(wd, sd, null));
        }
        boolean[] byAlone = keptAfter(alone, 2, dh);
        assertTrue(!byAlone[0] && !byAlone[dh], Arrays.toString(alone));
        assertTrue(residual(cov, w, kept) < 0.2 * residual(cov, w, byAlone));
        // Increasing along the order; past the steps given, nothing is priced.
        double[] sorted = all.clone();
        Arrays.sort(sorted);
        for (int k = 1; k < 4; k++) {
            assertTrue(sorted[k] > sorted[k - 1], Arrays.toString(all));
        }
        double[] one = GreedyCost.scores(cov, w, dh, 1, 1);
        assertEquals(3, Arrays.stream(one).filter(Double::isInfinite).count(), Arrays.toString(one));
    }

    @Test
    void aSweepRoundRanksGreedilyWithinTheBlockLimits() {
        GraphRows rows = new GraphRows(Graphs.rows(9, 400, 6), 6, null);
        org.odf2nna.settings.SweepSettings greedy = org.odf2nna.settings.SweepSettings.builder()
                .ranking(Ranking.GREEDY_COST).roundTo(org.odf2nna.settings.RoundTo.OFF).build();
        ModelProto model = GraphSweep.prune(BlockLimitsTest.twoBlocks(), BlockLimitsTest.FILE, rows, 0.3,
                GraphRun.of(greedy, 0.1)).model();
        List<DenseBlock> blocks = BlockFinder.find(model, BlockLimitsTest.FILE);
        assertEquals(4, blocks.get(1).sizes().width(), "half of the 8 copies in one round, as with the one-shot cost");
        assertTrue(blocks.get(0).sizes().width() < 40, "the FFN takes the rest: " + blocks.get(0).sizes().width());
    }
}

package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.settings.GraphRetraining;
import org.odf2nna.settings.Ranking;
import org.odf2nna.settings.SweepSettings;

/**
 * {@link Ranking#HEAD_LOSS} (issue 58): where the attention block's own cost and the network's loss disagree on which
 * head to drop, it drops the one the loss does not need.
 */
class HeadLossTest {

    private static final Path FILE = BlockFinderTest.FILE;
    private static final int T = 6;
    private static final int E = 8;
    private static final int DH = 4;

    private static GraphRows rows(int count, long seed) {
        return new GraphRows(Graphs.rows(seed, count, T * E), T * E, null);
    }

    private static final GraphRun REFIT_ONLY = GraphRun.of(SweepSettings.builder()
            .graphRetraining(GraphRetraining.SEQUENTIAL).build(), 0.1).measuredOn(300, 100_000);

    /**
     * Two heads, one attention, a residual, mean pooling and a linear classifier of 3 classes. Head 0 writes large
     * values into channels 0-3 of the attention's output, head 1 small ones into channels 4-7; the classifier reads
     * channels 4-7 only. The block's cost (its output's reconstruction error) keeps head 0 and drops head 1; the
     * network's answers need head 1 and not head 0.
     */
    static ModelProto disagreeing() {
        return AttentionHeadsTest.fusedQkv((w, b) -> { },
                (g, qk) -> g.node("Mul", "scores", qk, g.constant("scale", 0.5f)), g -> { }, HeadLossTest::readout);
    }

    /** Rows: the heads' channels (head 0: 0-3, head 1: 4-7); columns: the attention's output channels. */
    private static float[][] readout(Random r) {
        float[] proj = new float[E * E];
        for (int i = 0; i < E; i++) {
            for (int o = 0; o < E; o++) {
                boolean own = i / DH == o / DH;
                proj[i * E + o] = own ? (float) r.nextGaussian() * (i < DH ? 4f : 0.4f) : 0f;
            }
        }
        float[] head = new float[E * 3];
        for (int i = DH * 3; i < head.length; i++) {
            head[i] = (float) r.nextGaussian() * 8f;
        }
        return new float[][] {proj, head};
    }

    private static ModelProto canonical(ModelProto model) {
        return AttentionRewrite.rewrite(model, FILE, GraphFeed.of(model, FILE), rows(4, 11), Device.CPU).model();
    }

    private static DenseBlock attention(ModelProto canonical) {
        return BlockFinder.find(new GraphView(canonical, FILE)).stream().filter(DenseBlock::heads).findFirst()
                .orElseThrow();
    }

    @Test
    void theBlockCostKeepsTheLoudHeadAndTheHeadLossTheOneTheAnswersNeed() {
        ModelProto model = disagreeing();
        ModelProto start = canonical(model);
        String name = attention(start).place().firstNode();
        GivenUnitsRound.Original from = new GivenUnitsRound.Original(model, FILE, GraphFeed.of(model, FILE));
        Map<String, int[]> cost = GivenUnitsRound.chosen(from, start, rows(300, 11), Map.of(name, 1), Ranking.COST,
                REFIT_ONLY);
        Map<String, int[]> loss = GivenUnitsRound.chosen(from, start, rows(300, 11), Map.of(name, 1), Ranking.HEAD_LOSS,
                REFIT_ONLY);
        assertArrayEquals(new int[] {0}, cost.get(name), "the block's cost keeps the loud head 0");
        assertArrayEquals(new int[] {1}, loss.get(name), "the network's loss keeps head 1, which the classifier reads");
    }

    @Test
    void theLossIncreaseOfTheUnreadHeadIsNearZeroAndOfTheReadOneIsNot() {
        ModelProto start = canonical(disagreeing());
        List<DenseBlock> blocks = BlockFinder.find(new GraphView(start, FILE));
        GraphFeed feed = GraphFeed.of(start, FILE);
        GraphRows rows = rows(300, 11);
        List<BlockStatistics.Moments> moments = BlockStatistics.measure(start, FILE, blocks, rows, feed, Device.CPU,
                REFIT_ONLY.samples());
        List<double[]> increases = HeadLoss.increases(start, FILE, blocks, moments, rows, feed, REFIT_ONLY);
        int b = blocks.indexOf(attention(start));
        for (int i = 0; i < blocks.size(); i++) {
            assertEquals(i == b, increases.get(i) != null, "only the attention's heads are priced");
        }
        double[] s = increases.get(b);
        assertTrue(Math.abs(s[0]) < 0.01, "dropping head 0 leaves the answers: " + s[0]);
        assertTrue(s[1] > 0.1, "dropping head 1 raises the loss: " + s[1]);
    }

    @Test
    void aSweepRoundWithHeadLossDropsTheUnreadHeadAndKeepsTheAnswers() {
        ModelProto model = disagreeing();
        GraphRows rows = rows(300, 11);
        GraphRows check = rows(100, 12);
        float[] original = Graphs.runY(model, GraphFeed.of(model, FILE), check);
        double[] moved = new double[2];
        int i = 0;
        for (Ranking ranking : List.of(Ranking.COST, Ranking.HEAD_LOSS)) {
            GraphRun settings = GraphRun.of(SweepSettings.builder().graphRetraining(GraphRetraining.SEQUENTIAL)
                    .ranking(ranking).build(), 0.1).measuredOn(300, 100_000);
            BlockPruner.Pruned pruned = GraphSweep.prune(model, FILE, GraphFeed.of(model, FILE), rows, 0.5, settings);
            ModelProto out = pruned.model();
            assertEquals(1, attention(canonical(out)).units(), ranking + " drops one head of two");
            moved[i++] = Graphs.maxDifference(original, Graphs.runY(out, GraphFeed.of(out, FILE), check));
        }
        assertTrue(moved[1] < 0.05, "head-loss's round leaves the answers: " + moved[1]);
        assertTrue(moved[0] > 10 * moved[1], "cost's round moves them more: " + moved[0] + " against " + moved[1]);
    }

    @Test
    void reorderedHandsTheBlocksCostsOutInTheLossOrder() {
        assertArrayEquals(new double[] {1, 5, 3}, HeadLoss.reordered(new double[] {5, 1, 3}, new double[] {-1, 9, 2}));
        assertArrayEquals(new double[] {5, 1}, HeadLoss.reordered(new double[] {5, 1}, null));
    }

    @Test
    void theLossIsTheSoftmaxCrossEntropyOrOfProbabilitiesAsTheyAre() {
        // Logits (0, ln 3): p = (1/4, 3/4); class 1 costs ln(4/3).
        assertEquals(Math.log(4.0 / 3), HeadLoss.loss(new float[] {0f, (float) Math.log(3)}, new float[] {1}, 1,
                false), 1e-6);
        assertEquals(-Math.log(0.25), HeadLoss.loss(new float[] {0.25f, 0.75f}, new float[] {0}, 1, false), 1e-6);
        assertEquals(4.0, HeadLoss.loss(new float[] {3f}, new float[] {1}, 1, true), 1e-9);
    }
}

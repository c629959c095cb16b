package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.graph.BlockPruner.Compensation;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/**
 * Layers whose channels several layers read, and a Concat's branches: a SqueezeNet Fire module (the squeeze
 * convolution read by both expand convolutions, whose outputs a Concat joins before the next layer).
 */
class ConcatStreamTest {

    private static final Path FILE = BlockFinderTest.FILE;
    private static final int IN = 2 * 4 * 4;
    private static final int ROWS = 100;
    /** The squeeze's channel 1 and the second expand's channel 1 (the Concat's channel 3 + 1) read nothing. */
    private static final int DEAD_SQUEEZE = 1;
    private static final int DEAD_JOINED = 3 + 1;

    /** Weights [out, in, 1, 1] random, with output channel {@code dead} all zero. */
    private static float[] weights(Random r, int out, int in, int dead) {
        float[] w = new float[out * in];
        for (int i = 0; i < w.length; i++) {
            w[i] = i / in == dead ? 0 : (float) (r.nextDouble() * 2 - 1);
        }
        return w;
    }

    /**
     * x [N, 2, 4, 4] → squeeze Conv (4) → Relu → expand1 Conv (3) → Relu, expand2 Conv (2) → BN → Relu → Concat (5)
     * → Conv (3) → y.
     */
    static ModelProto fire() {
        return fire(false);
    }

    /** {@link #fire()}, with every weight of the second expand zero where {@code deadBranch}: its channels constant. */
    static ModelProto fire(boolean deadBranch) {
        Graphs g = new Graphs(61);
        g.input("x", 2, 4, 4).output("y", 3, 4, 4);
        Random r = new Random(11);
        String s = g.node("Relu", "s", g.node("Conv", "sq", "x", g.init("ws", weights(r, 4, 2, DEAD_SQUEEZE), 4, 2, 1,
                1), g.init("bs", new float[] {0.1f, 0.6f, 0.2f, -0.1f}, 4)));
        String e1 = g.node("Relu", "e1", g.node("Conv", "x1", s, g.init("w1", weights(r, 3, 4, -1), 3, 4, 1, 1),
                g.init("b1", 0.2, 3)));
        String bn = g.node("BatchNormalization", "bn", g.node("Conv", "x2", s, g.init("w2", deadBranch ? new float[2 * 4] : weights(r, 2, 4, 1), 2, 4,
                1, 1), g.init("b2", new float[] {0.1f, 0.4f}, 2)), g.init("sc", new float[] {1f, 2f}, 2),
                g.init("sh", new float[] {0.1f, 0.3f}, 2), g.init("mu", new float[] {0f, 0.1f}, 2),
                g.init("var", new float[] {1f, 0.5f}, 2));
        String e2 = g.node("Relu", "e2", bn);
        String cat = g.node("Concat", "cat", List.of(Graphs.integer("axis", 1)), e1, e2);
        g.node("Conv", "y", cat, g.init("wf", 0.6, 3, 5, 1, 1), g.init("bf", 0.1, 3));
        return g.model(14);
    }

    private static float[] run(ModelProto model, float[] rows) {
        InputSignature input = GraphRows.dataInput(model, FILE);
        try (OnnxRunner r = OnnxRunner.open(model, input, Device.CPU, FILE)) {
            return r.run(rows, rows.length / IN, IN, List.of("y")).get("y");
        }
    }

    @Test
    void theSqueezeIsReadByBothExpandsAndTheConcatJoinsTheirChannels() {
        List<DenseBlock> blocks = BlockFinder.find(fire(), FILE);
        // The squeeze's stream: one block per expand; the Concat's stream: one block for the last layer.
        assertEquals(3, blocks.size());
        assertEquals(List.of(4, 4, 5), blocks.stream().map(x -> x.sizes().width()).toList());
        assertEquals(List.of(TiedChannels.SHARED, TiedChannels.SHARED, TiedChannels.CONCAT),
                blocks.stream().map(DenseBlock::activation).toList());
        assertEquals(2, blocks.get(2).sizes().inputs());
        // The Concat's stream carries both expands' filters and biases, the BN's four vectors and the last layer.
        assertEquals(3 * 4 + 3 + 2 * 4 + 2 + 4 * 2 + 3 * 5 + 3, blocks.get(2).sizes().parameters());
    }

    @Test
    void constantChannelsOfTheSqueezeAndOfTheSecondBranchGoWithoutChangingTheOutputs() {
        ModelProto model = fire();
        float[] rows = Graphs.rows(3, ROWS, IN);
        List<DenseBlock> blocks = BlockFinder.find(model, FILE);
        List<BlockStatistics.Moments> m = BlockStatistics.measure(model, FILE, blocks, new GraphRows(rows, IN, null),
                GraphRows.dataInput(model, FILE), Device.CPU, 100_000);
        assertEquals(0.0, m.get(0).std(DEAD_SQUEEZE));
        assertEquals(0.0, m.get(2).std(DEAD_JOINED));
        List<boolean[]> drop = new ArrayList<>();
        for (DenseBlock b : blocks) {
            boolean[] d = new boolean[b.sizes().width()];
            d[b.sizes().width() == 4 ? DEAD_SQUEEZE : DEAD_JOINED] = true;
            drop.add(d);
        }
        float[] before = run(model, rows);
        for (Compensation c : List.of(Compensation.MEAN, Compensation.LEAST_SQUARES)) {
            BlockPruner.Pruned p = BlockPruner.prune(model, FILE, blocks, m, drop, c);
            // The squeeze's channel: 2 + 1 in it, 3 + 2 in the expands; the branch's: its filter (3 inputs left after
            // the squeeze's cut) + 1 bias + 4 BN + 3 in the last layer.
            assertEquals(2 + 1 + 3 + 2 + 3 + 1 + 4 + 3, p.parameters());
            assertTrue(Graphs.maxDifference(before, run(p.model(), rows)) < 1e-4, c.toString());
            assertEquals(List.of(3, 3, 4), BlockFinder.find(p.model(), FILE).stream()
                    .map(x -> x.sizes().width()).toList());
        }
    }

    @Test
    void noBranchOfTheConcatIsPrunedToNothing() {
        // The second expand's channels are constant, so they rank first: it keeps one all the same (a Conv of no
        // output channels is what ONNX Runtime's blocked layout refuses to load).
        ModelProto model = fire(true);
        GraphRows rows = new GraphRows(Graphs.rows(8, 60, IN), IN, null);
        BlockPruner.Pruned p = GraphSweep.prune(model, FILE, rows, 0.95, GraphRun.of(
                org.odf2nna.settings.SweepSettings.builder().roundTo(org.odf2nna.settings.RoundTo.OFF).build(), 0.1));
        for (var init : p.model().getGraph().getInitializerList()) {
            if (init.getName().equals("w1") || init.getName().equals("w2")) {
                assertTrue(init.getDims(0) >= 1, init.getName() + " " + init.getDimsList());
            }
        }
        for (float v : run(p.model(), Graphs.rows(9, 10, IN))) {
            assertTrue(Float.isFinite(v));
        }
    }

    @Test
    void evolvesMasksHoldEachBranchOfTheConcatAsASegmentNoneOfWhichMayEmpty() {
        List<DenseBlock> blocks = BlockFinder.find(fire(), FILE);
        BlockMasks masks = BlockMasks.of(blocks);
        assertTrue(masks.names().stream().anyMatch(n -> n.endsWith(" branch 1")), masks.names().toString());
        int joined = -1;
        for (int b = 0; b < blocks.size(); b++) {
            if (blocks.get(b).sizes().width() == 5) {
                joined = masks.segmentOf()[b];
            }
        }
        assertTrue(joined >= 0, "the Concat's stream of 3 + 2 channels");
        assertEquals(3, masks.layout().size(joined));
        assertEquals(2, masks.layout().size(joined + 1));
        boolean[] bits = new boolean[masks.layout().length()];
        java.util.Arrays.fill(bits, true);
        int second = masks.layout().start(joined + 1);
        bits[second] = false;
        bits[second + 1] = false;
        org.odf2nna.evolve.Mask emptied = org.odf2nna.evolve.Mask.of(bits);
        assertTrue(!masks.layout().isValid(emptied), "a mask that empties the second expand is no mask");
        bits[second + 1] = true;
        List<boolean[]> drop = masks.dropped(org.odf2nna.evolve.Mask.of(bits));
        for (int b = 0; b < blocks.size(); b++) {
            if (masks.segmentOf()[b] == joined) {
                assertTrue(drop.get(b)[3] && !drop.get(b)[4] && !drop.get(b)[0], java.util.Arrays.toString(
                        drop.get(b)));
            }
        }
    }

    @Test
    void theSweepsPruneWritesAFireModuleOnnxRuntimeRuns() {
        ModelProto model = fire();
        GraphRows rows = new GraphRows(Graphs.rows(8, 60, IN), IN, null);
        BlockPruner.Pruned p = GraphSweep.prune(model, FILE, rows, 0.4,
                GraphRun.of(org.odf2nna.settings.SweepSettings.defaults(), 0.1));
        assertTrue(p.parameters() > 0);
        for (float v : run(p.model(), Graphs.rows(9, 10, IN))) {
            assertTrue(Float.isFinite(v));
        }
    }
}

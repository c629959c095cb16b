package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.graph.BlockPruner.Compensation;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.WeightStorage;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * Constants an exporter merged into one tensor read by several layers (torch.onnx.export of a freshly initialised
 * model, onnxsim, ONNX Runtime's basic level): each reader gets its own copy, the blocks are found as if nothing had
 * been merged, and what the pruning leaves equal is shared again in the written model.
 */
class SharedConstantsTest {

    private static final Path FILE = BlockFinderTest.FILE;
    private static final int IN = 2 * 6 * 6;
    private static final int ROWS = 150;
    /** Channel 1 of the first convolution reads nothing: its bias 0.7 through BatchNorm and Relu is constant. */
    private static final int DEAD = 1;

    /**
     * x [N, 2, 6, 6] → Conv 1x1 c1 (4, own bias) → BN1 → Relu → Conv 1x1 c2 (4, bias 'zeros') → BN2 → Relu → Conv 1x1
     * c3 (3) → y; both BatchNorms read the one 'ones' scale and variance and the one 'zeros' shift and mean, which is
     * also c2's bias: five readers of 'zeros', four of 'ones'.
     */
    static ModelProto merged() {
        Graphs g = new Graphs(41);
        g.input("x", 2, 6, 6).output("y", 3, 6, 6);
        Random r = new Random(3);
        float[] w1 = new float[4 * 2];
        for (int i = 0; i < w1.length; i++) {
            w1[i] = i / 2 == DEAD ? 0 : (float) (r.nextDouble() - 0.5);
        }
        String ones = g.init("ones", new float[] {1, 1, 1, 1}, 4);
        String zeros = g.init("zeros", new float[4], 4);
        String c1 = g.node("Conv", "c1", "x", g.init("w1", w1, 4, 2, 1, 1),
                g.init("b1", new float[] {0.1f, 0.7f, -0.2f, 0.3f}, 4));
        String h1 = g.node("Relu", "h1", g.node("BatchNormalization", "bn1", c1, ones, zeros, zeros, ones));
        String c2 = g.node("Conv", "c2", h1, g.init("w2", 0.6, 4, 4, 1, 1), zeros);
        String h2 = g.node("Relu", "h2", g.node("BatchNormalization", "bn2", c2, ones, zeros, zeros, ones));
        g.node("Conv", "y", h2, g.init("w3", 0.6, 3, 4, 1, 1), g.init("b3", 0.1, 3));
        return g.model(14);
    }

    private static float[] run(ModelProto model, float[] rows) {
        InputSignature input = GraphRows.dataInput(model, FILE);
        try (OnnxRunner r = OnnxRunner.open(model, input, Device.CPU, FILE)) {
            return r.run(rows, rows.length / IN, IN, List.of("y")).get("y");
        }
    }

    /** The model with the first block's channels in {@code drop} removed, as the sweep does it: copies, prune, merge. */
    private static ModelProto pruned(ModelProto model, float[] rows, boolean[] drop, Compensation compensation) {
        WeightStorage.Hoisted hoisted = WeightStorage.hoist(model);
        List<DenseBlock> blocks = BlockFinder.find(hoisted.model(), FILE);
        List<BlockStatistics.Moments> m = BlockStatistics.measure(hoisted.model(), FILE, blocks,
                new GraphRows(rows, IN, null), GraphRows.dataInput(model, FILE), Device.CPU, 100_000);
        boolean[] none = new boolean[blocks.get(1).sizes().width()];
        return hoisted.restore(BlockPruner.prune(hoisted.model(), FILE, blocks, m, List.of(drop, none),
                compensation).model());
    }

    private static NodeProto node(ModelProto model, String output) {
        return model.getGraph().getNodeList().stream().filter(n -> n.getOutput(0).equals(output)).findFirst()
                .orElseThrow();
    }

    @Test
    void layersThatShareTheirConstantsAreBlocksAsIfNothingWereMerged() {
        ModelProto model = merged();
        List<DenseBlock> blocks = BlockFinder.find(model, FILE);
        assertEquals(2, blocks.size());
        assertEquals(List.of(4, 4), List.of(blocks.get(0).sizes().width(), blocks.get(1).sizes().width()));
        // The first block carries w1, b1, its BatchNorm's four vectors, w2 and c2's bias: the copies are its own.
        assertEquals(4 * 2 + 4 + 16 + 16 + 4, blocks.get(0).sizes().parameters());
        // 'ones' is read four times and 'zeros' five: one copy per reader after the first.
        assertEquals(3 + 4, WeightStorage.hoist(model).copies());
    }

    @Test
    void nothingDroppedWritesTheSameOutputsAndTheSameSharing() {
        ModelProto model = merged();
        float[] rows = Graphs.rows(5, ROWS, IN);
        ModelProto same = pruned(model, rows, new boolean[4], Compensation.LEAST_SQUARES);
        assertTrue(Graphs.maxDifference(run(model, rows), run(same, rows)) < 1e-5);
        // Every copy held the original's values still: merged back, the file shares as the original did.
        assertEquals(model.getGraph().getInitializerCount(), same.getGraph().getInitializerCount());
        assertEquals(node(model, "bn2").getInputList(), node(same, "bn2").getInputList());
    }

    @Test
    void aConstantChannelDroppedFoldsItsMeanExactlyAndLeavesTheOtherLayersShared() {
        ModelProto model = merged();
        float[] rows = Graphs.rows(6, ROWS, IN);
        boolean[] drop = new boolean[4];
        drop[DEAD] = true;
        float[] before = run(model, rows);
        for (Compensation c : List.of(Compensation.MEAN, Compensation.LEAST_SQUARES)) {
            ModelProto after = pruned(model, rows, drop, c);
            assertTrue(Graphs.maxDifference(before, run(after, rows)) < 1e-4, c.toString());
            // BN1 lost a channel (its scale and variance, both ones, one tensor again; its shift and mean too); BN2,
            // untouched, shares its equal vectors again; c2's bias took the fold: a tensor of its own.
            List<String> bn1 = node(after, "bn1").getInputList();
            List<String> bn2 = node(after, "bn2").getInputList();
            assertEquals(List.of(bn1.get(1), bn1.get(2)), List.of(bn1.get(4), bn1.get(3)));
            assertEquals(List.of(bn2.get(1), bn2.get(2)), List.of(bn2.get(4), bn2.get(3)));
            assertTrue(!bn1.get(1).equals(bn2.get(1)) && !bn1.get(2).equals(bn2.get(2)), bn1 + " " + bn2);
            String c2Bias = node(after, "c2").getInput(2);
            assertTrue(!bn1.contains(c2Bias) && !bn2.contains(c2Bias), c2Bias);
            // Three tensors more than the original: BN2's ones and zeros apart from BN1's, and c2's bias.
            assertEquals(model.getGraph().getInitializerCount() + 3, after.getGraph().getInitializerCount());
        }
    }
}

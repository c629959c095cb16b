package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.InputException;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.settings.BlockLimits;
import org.odf2nna.settings.SweepSettings;

/**
 * No round guts a block (issue 58): a small block of near-copies of one unit, which the global ranking would empty,
 * loses at most half its units in a round and never goes below its floor; {@code --keep-block} leaves a block as it is.
 */
class BlockLimitsTest {

    static final Path FILE = Path.of("graph.onnx");

    /**
     * y = FFN 6-40-3 (independent units) + "pooler" 6-8-3, whose 8 hidden units are near copies of one: the least
     * squares refit makes up for all but one of them, so they rank first.
     */
    static ModelProto twoBlocks() {
        Graphs g = new Graphs(31);
        g.input("x", 6).output("y", 3);
        String big = g.node("Gemm", "ffn_out", g.node("Relu", "ffn_relu", g.node("Gemm", "ffn_in",
                List.of(Graphs.integer("transB", 1)), "x", g.init("w1", 0.6, 40, 6), g.init("b1", 0.3, 40))),
                g.init("w2", 0.5, 40, 3), g.init("b2", 0.1, 3));
        Random r = new Random(5);
        float[] one = new float[6];
        for (int i = 0; i < 6; i++) {
            one[i] = (float) r.nextGaussian();
        }
        float[] copies = new float[8 * 6];
        for (int u = 0; u < 8; u++) {
            for (int i = 0; i < 6; i++) {
                copies[u * 6 + i] = one[i] * (1 + 0.01f * u) + 0.001f * (float) r.nextGaussian();
            }
        }
        String small = g.node("Gemm", "pooler_out", g.node("Tanh", "pooler_tanh", g.node("Gemm", "pooler_in",
                List.of(Graphs.integer("transB", 1)), "x", g.init("ws1", copies, 8, 6), g.init("bs1", 0.05, 8))),
                g.init("ws2", 0.5, 8, 3), g.init("bs2", 0.1, 3));
        g.node("Add", "y", big, small);
        return g.model(14);
    }

    /** The pooler's width: the second block in graph order (the FFN is the first). */
    private static int smallWidth(ModelProto model) {
        return BlockFinder.find(model, FILE).get(1).sizes().width();
    }

    private static ModelProto pruned(SweepSettings settings) {
        GraphRows rows = new GraphRows(Graphs.rows(9, 400, 6), 6, null);
        // Widths not rounded: the pooler's 8 units are one multiple of the default 8 ({@link RoundToTest}).
        return GraphSweep.prune(twoBlocks(), FILE, rows, 0.3, GraphRun.of(settings.withRoundTo(
                org.odf2nna.settings.RoundTo.OFF), 0.1)).model();
    }

    @Test
    void theGlobalRankingAloneWouldEmptyTheSmallBlock() {
        SweepSettings unlimited = SweepSettings.builder().blockLimits(new BlockLimits(1, 0, 1, List.of())).build();
        assertEquals(1, smallWidth(pruned(unlimited)), "the copies all rank first");
    }

    @Test
    void aRoundTakesAtMostHalfABlockAndTheOthersGoOn() {
        ModelProto model = pruned(SweepSettings.defaults());
        assertEquals(4, smallWidth(model), "half of 8 in one round");
        int ffn = BlockFinder.find(model, FILE).get(0).sizes().width();
        assertTrue(ffn < 40, "the FFN takes the rest of the round's share: " + ffn);
    }

    @Test
    void aBlockNeverGoesBelowItsFloor() {
        // A round may take every unit but the floor: max(2, 50% of 8) = 4.
        SweepSettings floored = SweepSettings.builder().blockLimits(new BlockLimits(1, 0.5, 2, List.of())).build();
        assertEquals(4, smallWidth(pruned(floored)));
        BlockLimits limits = BlockLimits.DEFAULT;
        assertEquals(2, limits.floor(8, false));
        assertEquals(7, limits.floor(64, false) + 0, "10% of 64, rounded up");
        assertEquals(1, limits.floor(4, true), "heads keep one");
        assertEquals(0, limits.most(2, 2));
        assertEquals(1, limits.most(3, 2));
        assertEquals(32, limits.most(64, 7));
    }

    @Test
    void keptBlocksStayAsTheyAreByNumberOrNode() {
        List<DenseBlock> blocks = BlockFinder.find(twoBlocks(), FILE);
        assertEquals(List.of(40, 8), blocks.stream().map(x -> x.sizes().width()).toList());
        for (String name : List.of("2", blocks.get(1).place().firstNode(), blocks.get(1).place().secondNode())) {
            ModelProto model = pruned(SweepSettings.builder().keepBlocks(List.of(name)).build());
            assertEquals(8, smallWidth(model), name);
            assertTrue(BlockFinder.find(model, FILE).stream().anyMatch(b -> b.sizes().width() < 40), name);
        }
    }

    @Test
    void keepingTheAttentionsOfAGraphWithoutAnyKeepsNothingAndIsNoError() {
        List<DenseBlock> blocks = BlockFinder.find(twoBlocks(), FILE);
        assertEquals(java.util.Set.of(), KeptBlocks.resolve(blocks, List.of(KeptBlocks.ATTENTION), FILE));
        assertEquals(java.util.Set.of(1), KeptBlocks.resolve(blocks, List.of(KeptBlocks.ATTENTION, "2"), FILE));
    }

    @Test
    void anUnknownBlockIsRefusedNamingTheBlocks() {
        InputException e = assertThrows(InputException.class,
                () -> pruned(SweepSettings.builder().keepBlocks(List.of("encoder")).build()));
        assertEquals(InputException.Kind.USAGE, e.kind());
        String message = org.odf2nna.Setting.plain(e.getMessage());
        List<DenseBlock> blocks = BlockFinder.find(twoBlocks(), FILE);
        assertTrue(message.contains("encoder") && message.contains("1 " + blocks.get(0).place().firstNode())
                && message.contains("2 " + blocks.get(1).place().firstNode()) && !message.contains("\n"), message);
        InputException all = assertThrows(InputException.class,
                () -> pruned(SweepSettings.builder().keepBlocks(List.of("1", "2")).build()));
        assertTrue(org.odf2nna.Setting.plain(all.getMessage()).endsWith("keeps every block of the graph (2); nothing "
                + "is left to prune"), all.getMessage());
    }
}

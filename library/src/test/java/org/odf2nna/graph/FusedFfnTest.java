package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.graph.BlockPruner.Compensation;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.OperatorSetIdProto;

/**
 * The FFN of ONNX Runtime's transformer-optimizer output: MatMul → BiasGelu, FastGelu or Gelu (com.microsoft) →
 * MatMul → SkipLayerNormalization, whose fifth input is the second layer's bias.
 */
class FusedFfnTest {

    private static final Path FILE = BlockFinderTest.FILE;
    private static final int TOKENS = 3;
    private static final int D = 8;
    private static final int HIDDEN = 16;
    private static final int ROWS = 200;
    /** Units 0 and 1 read nothing: their activation is the GELU of their bias, the same on every row. */
    private static final int DEAD = 2;

    private static NodeProto contrib(String op, String out, String... inputs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setDomain(BlockFinder.CONTRIB).setName("/" + op)
                .addOutput(out);
        for (String in : inputs) {
            n.addInput(in);
        }
        if (op.equals("SkipLayerNormalization")) {
            n.addAttribute(org.odf2nna.onnx.proto.OnnxProto.AttributeProto.newBuilder().setName("epsilon")
                    .setType(org.odf2nna.onnx.proto.OnnxProto.AttributeProto.AttributeType.FLOAT).setF(1e-5f));
        }
        return n.build();
    }

    /** x [N, 3, 8] → MatMul [8, 16] → {@code gelu} (with the first bias) → MatMul [16, 8] → SkipLayerNorm(+x) → y. */
    static ModelProto ffn(String gelu) {
        Graphs g = new Graphs(61);
        g.input("x", TOKENS, D).output("y", TOKENS, D);
        float[] w1 = new float[D * HIDDEN];
        java.util.Random r = new java.util.Random(7);
        for (int i = 0; i < w1.length; i++) {
            w1[i] = i % HIDDEN < DEAD ? 0 : (float) (r.nextDouble() - 0.5);
        }
        String mm = g.node("MatMul", "mm1", "x", g.init("w1", w1, D, HIDDEN));
        String b1 = g.init("b1", 0.5, HIDDEN);
        String h;
        if (gelu.equals("Gelu")) {
            h = "h";
            g.raw(contrib("Gelu", h, g.node("Add", "mm1_b", mm, b1)));
        } else {
            h = "h";
            g.raw(contrib(gelu, h, mm, b1));
        }
        String mm2 = g.node("MatMul", "mm2", h, g.init("w2", 0.4, HIDDEN, D));
        g.raw(contrib("SkipLayerNormalization", "y", mm2, "x", g.init("gamma", 1.0, D), g.init("beta", 0.1, D),
                g.init("b2", 0.3, D)));
        return g.model(14).toBuilder().addOpsetImport(OperatorSetIdProto.newBuilder()
                .setDomain(BlockFinder.CONTRIB).setVersion(1)).build();
    }

    @Test
    void theFusedFfnIsABlockAndItsPruningRewritesTheSkipLayerNormsBias() {
        for (String gelu : List.of("BiasGelu", "FastGelu", "Gelu")) {
            ModelProto model = ffn(gelu);
            List<DenseBlock> blocks = BlockFinder.find(model, FILE);
            assertEquals(1, blocks.size(), gelu);
            DenseBlock b = blocks.get(0);
            assertEquals(List.of(HIDDEN, D, D), List.of(b.sizes().width(), b.sizes().inputs(), b.sizes().outputs()),
                    gelu);
            assertEquals("b2", b.rewrites().secondBias(), gelu);
            assertEquals(DenseBlock.BiasSite.SKIP_LAYER_NORM, b.rewrites().biasSite(), gelu);
            assertEquals(gelu.equals("FastGelu") ? "gelu (tanh)" : "gelu", b.activation(), gelu);
            assertEquals(2L * D * HIDDEN + HIDDEN + D, b.sizes().parameters(), gelu);
            assertEquals(gelu.equals("Gelu") ? List.of("bias Add") : List.of("bias in " + gelu), b.perUnitOps(), gelu);

            GraphRows rows = new GraphRows(Graphs.rows(8, ROWS, TOKENS * D), TOKENS * D, null);
            GraphFeed feed = GraphFeed.of(model, FILE);
            List<BlockStatistics.Moments> m = BlockStatistics.measure(model, FILE, blocks, rows, feed.data(),
                    Device.CPU, 100_000);
            boolean[] drop = new boolean[HIDDEN];
            Arrays.fill(drop, 0, DEAD, true);
            BlockPruner.Pruned p = BlockPruner.prune(model, FILE, blocks, m, List.of(drop), Compensation.MEAN);
            // Each dropped unit: a column of w1, a value of b1, a row of w2.
            assertEquals(DEAD * (D + 1 + D), p.parameters(), gelu);
            double moved = Graphs.maxDifference(Graphs.runY(model, feed, rows), Graphs.runY(p.model(), feed, rows));
            assertTrue(moved < 1e-4, gelu + ": outputs moved by " + moved);
            // The dropped units' constant GELU(b1) went into the SkipLayerNormalization's bias input.
            assertNotEquals(Arrays.toString(new GraphView(model, FILE).values("b2")),
                    Arrays.toString(new GraphView(p.model(), FILE).values("b2")), gelu);
            assertEquals(HIDDEN - DEAD, BlockFinder.find(p.model(), FILE).get(0).sizes().width(), gelu);
        }
    }

    @Test
    void aRefitAddsTheOriginalSkipBiasToWhatItFits() {
        ModelProto model = ffn("BiasGelu");
        List<DenseBlock> blocks = BlockFinder.find(model, FILE);
        GraphRows rows = new GraphRows(Graphs.rows(9, ROWS, TOKENS * D), TOKENS * D, null);
        GraphFeed feed = GraphFeed.of(model, FILE);
        List<BlockStatistics.Moments> m = BlockStatistics.measure(model, FILE, blocks, rows, feed.data(), Device.CPU,
                100_000);
        boolean[] drop = new boolean[HIDDEN];
        Arrays.fill(drop, 0, DEAD, true);
        BlockPruner.Pruned p = BlockPruner.prune(model, FILE, blocks, m, List.of(drop), Compensation.MEAN);
        ModelProto refitted = SequentialRefit.refit(model, p.model(), FILE, feed, rows, Device.CPU,
                GraphRun.DEFAULT_SAMPLES);
        // The kept units are unchanged and the dropped ones constant: the refit recovers the original exactly.
        double moved = Graphs.maxDifference(Graphs.runY(model, feed, rows), Graphs.runY(refitted, feed, rows));
        assertTrue(moved < 1e-3, "outputs moved by " + moved);
    }
}

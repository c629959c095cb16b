package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.graph.BlockPruner.Compensation;
import org.odf2nna.onnx.NodeAttributes;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.OperatorSetIdProto;

/** Heads of ONNX Runtime's fused attention operators ({@code com.microsoft} Attention and MultiHeadAttention). */
class ContribAttentionTest {

    private static final Path FILE = BlockFinderTest.FILE;
    private static final int TOKENS = 4;
    private static final int D = 8;
    private static final int IN = TOKENS * D;
    private static final int ROWS = 120;
    /** Head 1's values are a constant: its V columns read nothing, so its output is the V bias whatever it attends. */
    private static final int DEAD = 1;

    private static float[] weights(Random r, int in, int out, int[] deadColumns) {
        float[] w = new float[in * out];
        for (int i = 0; i < w.length; i++) {
            int column = i % out;
            boolean dead = column >= deadColumns[0] && column < deadColumns[1];
            w[i] = dead ? 0 : (float) (r.nextDouble() - 0.5);
        }
        return w;
    }

    private static NodeProto fused(String op, String out, List<String> inputs) {
        return NodeProto.newBuilder().setOpType(op).setDomain(ContribAttention.DOMAIN).setName("/" + op)
                .addAllInput(inputs).addOutput(out).addAttribute(Graphs.integer("num_heads", 2)).build();
    }

    private static ModelProto withContrib(Graphs g) {
        return g.model(14).toBuilder().addOpsetImport(OperatorSetIdProto.newBuilder()
                .setDomain(ContribAttention.DOMAIN).setVersion(1)).build();
    }

    /** x [N, 4, 8] → Attention (packed W [8, 24], b [24], 2 heads) → MatMul [8, 6] → Add → y. */
    static ModelProto packed() {
        Graphs g = new Graphs(51);
        g.input("x", TOKENS, D).output("y", TOKENS, 6);
        // V occupies columns 16..23; head 1's V is 20..23.
        g.init("w_qkv", weights(new Random(4), D, 3 * D, new int[] {2 * D + 4, 3 * D}), D, 3 * D);
        g.init("b_qkv", 0.3, 3 * D);
        g.raw(fused("Attention", "ctx", List.of("x", "w_qkv", "b_qkv")));
        g.node("Add", "y", g.node("MatMul", "proj", "ctx", g.init("w_o", 0.5, D, 6)), g.init("b_o", 0.1, 6));
        return withContrib(g);
    }

    /** x → three MatMuls (V with a bias Add) → MultiHeadAttention (2 heads) → MatMul [8, 6] → Add → y. */
    static ModelProto projected() {
        Graphs g = new Graphs(52);
        g.input("x", TOKENS, D).output("y", TOKENS, 6);
        Random r = new Random(5);
        String q = g.node("MatMul", "q", "x", g.init("w_q", weights(r, D, D, new int[] {0, 0}), D, D));
        String k = g.node("MatMul", "k", "x", g.init("w_k", weights(r, D, D, new int[] {0, 0}), D, D));
        String v = g.node("Add", "v", g.node("MatMul", "v_mm", "x", g.init("w_v", weights(r, D, D, new int[] {4, 8}),
                D, D)), g.init("b_v", 0.4, D));
        g.raw(fused("MultiHeadAttention", "ctx", List.of(q, k, v)));
        g.node("Add", "y", g.node("MatMul", "proj", "ctx", g.init("w_o", 0.5, D, 6)), g.init("b_o", 0.1, 6));
        return withContrib(g);
    }

    private static float[] run(ModelProto model, float[] rows) {
        return Graphs.runY(model, GraphFeed.of(model, FILE), new GraphRows(rows, IN, null));
    }

    @Test
    void aFusedAttentionsHeadsAreUnitsAndAConstantHeadGoesExactly() {
        // Q, K and V lose the head's 4 columns of 8 inputs each, the output projection 4 rows of 6; the packed bias
        // 3 × 4 values, the MultiHeadAttention's V bias 4.
        long[] removed = {3 * 4 * 8 + 4 * 6 + 12, 3 * 4 * 8 + 4 * 6 + 4};
        List<ModelProto> models = List.of(packed(), projected());
        for (int k = 0; k < 2; k++) {
            ModelProto model = models.get(k);
            List<DenseBlock> blocks = BlockFinder.find(model, FILE);
            assertEquals(1, blocks.size());
            DenseBlock b = blocks.get(0);
            assertTrue(b.heads());
            assertEquals(List.of(8, 4, 2), List.of(b.sizes().width(), b.sizes().unitSize(), b.units()));
            assertEquals("ctx", b.place().hidden());
            float[] rows = Graphs.rows(6, ROWS, IN);
            List<BlockStatistics.Moments> m = BlockStatistics.measure(model, FILE, blocks,
                    new GraphRows(rows, IN, null), GraphRows.dataInput(model, FILE), Device.CPU, 100_000);
            for (int c = DEAD * 4; c < DEAD * 4 + 4; c++) {
                assertEquals(0, m.get(0).std(c), 1e-5, "channel " + c + " of the constant head");
            }
            boolean[] drop = new boolean[8];
            java.util.Arrays.fill(drop, DEAD * 4, DEAD * 4 + 4, true);
            BlockPruner.Pruned p = BlockPruner.prune(model, FILE, blocks, m, List.of(drop), Compensation.MEAN);
            assertEquals(removed[k], p.parameters());
            float[] before = run(model, rows);
            float[] after = run(p.model(), rows);
            double diff = 0;
            for (int i = 0; i < before.length; i++) {
                diff = Math.max(diff, Math.abs(before[i] - after[i]));
            }
            assertTrue(diff < 1e-4, "outputs moved by " + diff);
            NodeProto node = p.model().getGraph().getNodeList().stream()
                    .filter(n -> n.getDomain().equals(ContribAttention.DOMAIN)).findFirst().orElseThrow();
            assertEquals(1, NodeAttributes.intAttribute(node, "num_heads", 0));
            DenseBlock left = BlockFinder.find(p.model(), FILE).get(0);
            assertEquals(List.of(4, 1), List.of(left.sizes().width(), left.units()));
        }
    }

    @Test
    void aFusedAttentionWithPastStateIsNotABlock() {
        ModelProto model = packed();
        var graph = model.getGraph().toBuilder();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            if (graph.getNode(i).getOpType().equals("Attention")) {
                graph.setNode(i, graph.getNode(i).toBuilder().addInput("").addInput("past"));
            }
        }
        assertEquals(List.of(), BlockFinder.find(model.toBuilder().setGraph(graph).build(), FILE));
    }
}

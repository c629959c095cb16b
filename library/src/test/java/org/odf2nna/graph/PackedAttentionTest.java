package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.graph.BlockPruner.Compensation;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.report.SweepReport;
import org.odf2nna.settings.GraphRetraining;
import org.odf2nna.settings.SweepSettings;

/**
 * {@code nn.MultiheadAttention} as torch 2's exporter writes it (torchvision's vit_b_16, opset 14): one packed
 * in_proj MatMul [E, 3E] and its bias Add, the result unflattened to [T, N, 3, E] (a Reshape whose shape is computed
 * from the projection's Shape), Unsqueeze, Transpose [3, 1, 2, 0, 4], Squeeze, and Q, K and V taken by a Gather of a
 * scalar index each; each Reshaped to [T, N·H, dh], transposed and reshaped to [N, H, T, dh]; Q and Kᵀ each
 * multiplied by √(1/√dh), a scale computed at run time from Q's Shape (Slice, Cast, Sqrt, Div, Cast, Sqrt); Softmax;
 * ·V; the context transposed [2, 0, 1, 3] and reshaped to [T·N, E] for the out_proj Gemm (transB), reshaped back to
 * [T, N, E] with a size read from the Gemm's Shape. The attention search reads it: the packed weight's columns become
 * the heads' Q, K and V, the out_proj's rows their outputs.
 */
class PackedAttentionTest {

    private static final Path FILE = BlockFinderTest.FILE;
    private static final int T = 6;
    private static final int E = 8;
    private static final int H = 2;
    private static final int DH = 4;

    /**
     * The attention on rows of T·E values reshaped to [N, T, E] and transposed to [T, N, E], a residual, a mean over
     * tokens and a classifier of 3. {@code edit} changes the packed in_proj weight [E, 3E] and bias (column
     * s·E + h·dh + d is head h's channel d of Q (s 0), K (1) or V (2), as torch lays in_proj_weight out) before it is
     * written;
     * {@code v} is applied to V after its Gather (the identity for the exporter's graph).
     */
    static ModelProto torchPacked(BiConsumer<float[], float[]> edit, java.util.function.BiFunction<Graphs, String,
            String> v) {
        Graphs g = new Graphs(5);
        g.input("x", T * E).output("y", 3);
        String x3 = g.node("Reshape", "x3", "x", g.int64("tokens_shape", -1, T, E));
        String xt = g.node("Transpose", "xt", List.of(Graphs.ints("perm", 1, 0, 2)), x3);
        Random r = new Random(3);
        float[] w = new float[E * 3 * E];
        float[] b = new float[3 * E];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian() * 0.5f;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) r.nextGaussian() * 0.1f;
        }
        edit.accept(w, b);
        String proj = g.node("Add", "proj", g.init("in_proj_bias", b, 3 * E),
                g.node("MatMul", "in_proj", xt, g.init("in_proj_weight", w, E, 3 * E)));
        // proj.unflatten(-1, (3, E)): the leading sizes read from the projection's shape.
        String lead = g.node("Slice", "lead", g.node("Shape", "proj_shape", proj), g.int64("lead_start", 0),
                g.int64("lead_end", -1));
        String unflat = g.node("Concat", "unflat_shape", List.of(Graphs.integer("axis", 0)), lead,
                g.int64("three_e", 3, E));
        String packed = g.node("Reshape", "unflat", proj, unflat);
        // .unsqueeze(0).transpose(0, -2).squeeze(-2): [3, T, N, E]
        String u = g.node("Unsqueeze", "u", packed, g.int64("axis0", 0));
        String tr = g.node("Transpose", "tr", List.of(Graphs.ints("perm", 3, 1, 2, 0, 4)), u);
        String sq = g.node("Squeeze", "sq", tr, g.int64("axis3", 3));
        String[] qkv = new String[3];
        for (int s = 0; s < 3; s++) {
            String index = scalarIndex(g, "index" + s, s);
            String part = g.node("Gather", "part" + s, List.of(Graphs.integer("axis", 0)), sq, index);
            if (s == 2) {
                part = v.apply(g, part);
            }
            String heads = g.node("Reshape", "heads" + s, part, g.int64("heads_shape" + s, T, -1, DH));
            String t = g.node("Transpose", "heads_t" + s, List.of(Graphs.ints("perm", 1, 0, 2)), heads);
            qkv[s] = g.node("Reshape", "bhtd" + s, t, g.int64("bhtd_shape" + s, -1, H, T, DH));
        }
        // scaled_dot_product_attention's scale, √(1/√dh) on each side, dh read from Q's shape at run time.
        String dh = g.node("Slice", "dh", g.node("Shape", "q_shape", qkv[0]), g.int64("last", -1),
                g.int64("end", Long.MAX_VALUE));
        String dhf = g.node("Cast", "dh_float", List.of(Graphs.integer("to", TensorProto.DataType.FLOAT_VALUE)), dh);
        String inv = g.node("Div", "inv_sqrt_dh", g.constant("one", 1f), g.node("Sqrt", "sqrt_dh", dhf));
        String scale = g.node("Cast", "scale", List.of(Graphs.integer("to", TensorProto.DataType.FLOAT_VALUE)), inv);
        String qs = g.node("Mul", "q_scaled", qkv[0], g.node("Sqrt", "sqrt_scale_q", scale));
        String kt = g.node("Transpose", "kt", List.of(Graphs.ints("perm", 0, 1, 3, 2)), qkv[1]);
        String ks = g.node("Mul", "k_scaled", kt, g.node("Sqrt", "sqrt_scale_k", scale));
        String p = g.node("Softmax", "p", List.of(Graphs.integer("axis", -1)), g.node("MatMul", "qk", qs, ks));
        String ctx = g.node("Transpose", "ctx_t", List.of(Graphs.ints("perm", 2, 0, 1, 3)),
                g.node("MatMul", "ctx", p, qkv[2]));
        String flat = g.node("Reshape", "ctx_flat", ctx, g.int64("flat_shape", -1, E));
        String o = g.node("Gemm", "out_proj", List.of(Graphs.integer("transB", 1)), flat,
                g.init("out_proj_weight", 0.5, E, E), g.init("out_proj_bias", 0.1, E));
        // view(tgt_len, bsz, E): E read from the Gemm's shape.
        String width = g.node("Unsqueeze", "width", g.node("Gather", "width_scalar",
                List.of(Graphs.integer("axis", 0)), g.node("Shape", "o_shape", o), scalarIndex(g, "one_index", 1)),
                g.int64("axis0_w", 0));
        String back = g.node("Reshape", "back", o, g.node("Concat", "back_shape", List.of(Graphs.integer("axis", 0)),
                g.int64("t_minus1", T, -1), width));
        String attended = g.node("Transpose", "attended", List.of(Graphs.ints("perm", 1, 0, 2)), back);
        String res = g.node("Add", "res", x3, attended);
        String pooled = g.node("ReduceMean", "pooled", List.of(Graphs.ints("axes", 1), Graphs.integer("keepdims", 0)),
                res);
        g.node("Add", "y", g.node("MatMul", "head", pooled, g.init("head.weight", 0.5, E, 3)),
                g.init("head.bias", 0.1, 3));
        return g.model(14);
    }

    /** A scalar int64 as a Constant node, as the exporter writes a Gather's index. */
    private static String scalarIndex(Graphs g, String name, long value) {
        g.raw(NodeProto.newBuilder().setOpType("Constant").setName(name).addOutput(name).addAttribute(
                AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR)
                        .setT(TensorProto.newBuilder().setDataType(TensorProto.DataType.INT64_VALUE)
                                .addInt64Data(value))).build());
        return name;
    }

    private static ModelProto exported(BiConsumer<float[], float[]> edit) {
        return torchPacked(edit, (g, v) -> v);
    }

    @Test
    void thePackedProjectionsHeadsAreFoundAndTheRewriteComputesTheSame() {
        ModelProto model = exported((w, b) -> { });
        AttentionRewrite.Result r = AttentionHeadsTest.canonical(model);
        assertEquals(1, r.found(), r.notes().toString());
        assertEquals(1, r.rewritten(), r.notes().toString());
        GraphRows rows = AttentionHeadsTest.rows(50);
        double moved = Graphs.maxDifference(AttentionHeadsTest.run(model, rows), AttentionHeadsTest.run(r.model(),
                rows));
        assertTrue(moved < 1e-5, "moved " + moved);
        DenseBlock heads = BlockFinder.find(new GraphView(r.model(), FILE)).stream().filter(DenseBlock::heads)
                .findFirst().orElseThrow();
        assertEquals(H, heads.units());
        assertEquals(DH, heads.sizes().unitSize());
        // The packed weight [E, 3E] and bias [3E], the out_proj [E, E] and its bias: every one in the block.
        assertEquals(3 * E * E + 3 * E + E * E + E, heads.sizes().parameters());
        // As inspect sees it, from the file as stored.
        org.odf2nna.report.GraphBlocks described = GraphSweep.describe(model, FILE);
        assertEquals(1, described.blocks().stream().filter(bl -> bl.units().equals("heads")).count(),
                described.blocks().toString());
    }

    @Test
    void aPackedHeadWithZeroValuesGoesWithTheOutputsUnmoved() {
        ModelProto model = exported(AttentionHeadsTest.zeroValues());
        ModelProto canonical = AttentionHeadsTest.canonical(model).model();
        GraphView g = new GraphView(canonical, FILE);
        DenseBlock heads = BlockFinder.find(g).stream().filter(DenseBlock::heads).findFirst().orElseThrow();
        BlockStatistics.Moments m = BlockStatistics.measure(canonical, FILE, List.of(heads),
                AttentionHeadsTest.rows(300), GraphFeed.of(canonical, FILE), Device.CPU, 100_000).get(0);
        double[] s = HeadUnits.scores(g, heads, m, org.odf2nna.settings.Ranking.COST, UnitCosts.NONE);
        assertTrue(s[1] < 1e-5 * s[0] && s[0] > 1e-3, java.util.Arrays.toString(s));
        BlockPruner.Pruned pruned = AttentionHeadsTest.dropHead(canonical, 1, Compensation.MEAN);
        // Head 1's Q, K and V columns of the packed weight and bias, and its out_proj rows, are gone.
        assertEquals(3 * (E * DH + DH) + DH * E, pruned.parameters());
        GraphRows rows = AttentionHeadsTest.rows(50);
        double moved = Graphs.maxDifference(AttentionHeadsTest.run(model, rows),
                AttentionHeadsTest.run(pruned.model(), rows));
        assertTrue(moved < 1e-5, "moved " + moved);
        DenseBlock after = BlockFinder.find(new GraphView(pruned.model(), FILE)).stream().filter(DenseBlock::heads)
                .findFirst().orElseThrow();
        assertEquals(1, after.units());
    }

    @Test
    void aSweepPrunesThePackedAttentionAndItsRoundsRetrainEndToEnd() {
        ModelProto model = exported(AttentionHeadsTest.zeroValues());
        GraphRows rows = AttentionHeadsTest.rows(300);
        // 30% of the block's parameters: the dead head goes first, and alone; ONNX Runtime runs what is written.
        BlockPruner.Pruned some = GraphSweep.prune(model, FILE, rows, 0.3,
                GraphRun.of(SweepSettings.defaults(), 0.1).measuredOn(300, 100_000));
        assertEquals(3 * (E * DH + DH) + DH * E, some.parameters());
        GraphRows check = AttentionHeadsTest.rows(50);
        assertTrue(Graphs.maxDifference(AttentionHeadsTest.run(model, check),
                AttentionHeadsTest.run(some.model(), check)) < 1e-5);
        // The rounds' end-to-end retraining translates the rewritten attention into TensorFlow.
        GraphRows unlabelled = AttentionHeadsTest.rows(600);
        int[] labels = GraphSweep.predict(model, FILE, GraphRows.dataInput(model, FILE), unlabelled, Device.CPU);
        GraphRows train = new GraphRows(unlabelled.features(), T * E, labels);
        SweepReport report = GraphSweep.sweep(model, FILE, train, train, null, GraphRun.of(SweepSettings
                .builder().maxDrop(20.0).graphRetraining(GraphRetraining.DEFAULT).build(), 0.3)
                .measuredOn(300, 100_000), org.odf2nna.Progress.NONE).report();
        List<SweepReport.Round> rounds = report.outcome().rounds();
        assertTrue(!rounds.isEmpty() && rounds.stream().allMatch(rr -> rr.retrainedEpoch() != null), rounds.toString());
        assertTrue(report.notes().stream().anyMatch(n -> n.contains("1 of 1 multi-head attention(s) rewritten")),
                report.notes().toString());
    }

    @Test
    void theTranslationCorpusTorch2EncoderLayersHaveTheirHeadsFound() throws Exception {
        // nn.TransformerEncoderLayer as torch 2.13 exports it: the same packed in_proj, Gathers and run-time scales.
        for (String name : List.of("vit_cls_op14", "vit_cls_constants_op17", "deit_two_tokens_op18")) {
            Path file = Path.of("library/src/test/resources/corpus/translation/" + name + ".onnx");
            ModelProto stored = ModelProto.parseFrom(java.nio.file.Files.readAllBytes(file));
            org.odf2nna.report.GraphBlocks described = GraphSweep.describe(stored, file);
            List<org.odf2nna.report.GraphBlocks.Block> heads = described.blocks().stream()
                    .filter(b -> b.units().equals("heads")).toList();
            assertEquals(2, heads.size(), name + ": " + described.blocks());
            for (org.odf2nna.report.GraphBlocks.Block b : heads) {
                assertEquals(4 * 32 * 32 + 4 * 32, b.parameters(), name);
            }
        }
    }

    @Test
    void aPackedSplitThatDoesMoreThanMoveValuesIsRefusedInOneLineNamingTheNode() {
        // V's Gather read through an Abs: V no longer only picks the packed projection's columns.
        ModelProto model = torchPacked((w, b) -> { }, (g, v) -> g.node("Abs", "v_abs", v));
        AttentionRewrite.Result r = AttentionHeadsTest.canonical(model);
        assertEquals(0, r.rewritten());
        List<String> notes = r.notes().stream().filter(n -> n.contains("Softmax")).toList();
        assertEquals(1, notes.size(), r.notes().toString());
        assertTrue(notes.get(0).contains("V reaches Abs '") && notes.get(0).endsWith("; not a block"), notes.get(0));
        assertTrue(!notes.get(0).contains("\n"), notes.get(0));
    }
}

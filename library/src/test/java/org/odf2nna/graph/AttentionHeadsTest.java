package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.graph.BlockPruner.Compensation;
import org.odf2nna.onnx.WeightStorage;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.SweepReport;

/** Attention heads as units: the exporters' attention rewritten in the canonical form, heads scored and dropped. */
class AttentionHeadsTest {

    private static final Path FILE = BlockFinderTest.FILE;
    private static final int T = 6;
    private static final int E = 8;
    private static final int H = 2;
    private static final int DH = 4;
    private static final Path VIT = Path.of(System.getProperty("odf2nna.shared", "../shared"))
            .resolve("models/graphs/vit_mnist_d48x3_gelu.onnx").toAbsolutePath().normalize();

    /**
     * A hand-written fused-qkv attention, as timm-style code exports it: rows of T·E values reshaped to [N, T, E], one
     * qkv projection, Reshape [0, 0, 3, H, dh], Transpose, Split, Squeeze, Q·Kᵀ times 0.5, Softmax, ·V, Transpose,
     * Reshape, output projection, a residual, a mean over tokens and a classifier. {@code edit} changes the qkv weight
     * [E, 3·E] and bias (column s·E + h·dh + d is head h's channel d of Q (s 0), K (1) or V (2)) before it is written.
     */
    private static ModelProto fusedQkv(java.util.function.BiConsumer<float[], float[]> edit) {
        return fusedQkv(edit, (g, qk) -> g.node("Mul", "scores", qk, g.constant("scale", 0.5f)), g -> { });
    }

    /**
     * {@link #fusedQkv(java.util.function.BiConsumer)} with the scores {@code Q·Kᵀ} (a MatMul's output, [N, H, T, T])
     * made into what the Softmax reads by {@code scores} (scaled and perhaps masked), {@code inputs} adding any graph
     * inputs beside x before the nodes.
     */
    static ModelProto fusedQkv(java.util.function.BiConsumer<float[], float[]> edit,
            java.util.function.BiFunction<Graphs, String, String> scores, java.util.function.Consumer<Graphs> inputs) {
        return fusedQkv(edit, scores, inputs, null);
    }

    /**
     * {@link #fusedQkv(java.util.function.BiConsumer, java.util.function.BiFunction, java.util.function.Consumer)}
     * with the output projection's and the classifier's weights ({@code E×E} and {@code E×3}) drawn by {@code readout}
     * from the generator that drew the QKV weights, after them; null: every weight 0.5.
     */
    static ModelProto fusedQkv(java.util.function.BiConsumer<float[], float[]> edit,
            java.util.function.BiFunction<Graphs, String, String> scores, java.util.function.Consumer<Graphs> inputs,
            java.util.function.Function<Random, float[][]> readout) {
        return fusedQkv(edit, scores, inputs, readout, 1);
    }

    /**
     * The same over {@code windows} windows of T tokens per row, which stand in the batch axis as swin's do
     * ([rows·windows, T, E]); the classifier reads the windows' pooled values side by side.
     */
    static ModelProto fusedQkv(java.util.function.BiConsumer<float[], float[]> edit,
            java.util.function.BiFunction<Graphs, String, String> scores, java.util.function.Consumer<Graphs> inputs,
            java.util.function.Function<Random, float[][]> readout, int windows) {
        Graphs g = new Graphs(5);
        g.input("x", windows * T * E).output("y", 3);
        inputs.accept(g);
        String x3 = g.node("Reshape", "x3", "x", g.int64("tokens_shape", -1, T, E));
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
        float[][] projectionAndHead = readout == null ? null : readout.apply(r);
        String qkv = g.node("Add", "qkv", g.init("qkv.bias", b, 3 * E),
                g.node("MatMul", "qkv_mm", x3, g.init("qkv.weight", w, E, 3 * E)));
        String split5 = g.node("Reshape", "qkv5", qkv, g.int64("qkv_shape", 0, 0, 3, H, DH));
        String perm = g.node("Transpose", "qkv_t", List.of(Graphs.ints("perm", 2, 0, 3, 1, 4)), split5);
        org.odf2nna.onnx.proto.OnnxProto.NodeProto.Builder split = org.odf2nna.onnx.proto.OnnxProto.NodeProto
                .newBuilder().setOpType("Split").setName("split").addInput(perm).addInput(g.int64("parts", 1, 1, 1))
                .addOutput("s0").addOutput("s1").addOutput("s2").addAttribute(Graphs.integer("axis", 0));
        g.raw(split.build());
        String axes = g.int64("squeeze_axes", 0);
        String q = g.node("Squeeze", "q", "s0", axes);
        String k = g.node("Squeeze", "k", "s1", axes);
        String v = g.node("Squeeze", "v", "s2", axes);
        String kt = g.node("Transpose", "kt", List.of(Graphs.ints("perm", 0, 1, 3, 2)), k);
        String p = g.node("Softmax", "p", List.of(Graphs.integer("axis", -1)), scores.apply(g, g.node("MatMul", "qk", q,
                kt)));
        String ctx = g.node("Transpose", "ctx_t", List.of(Graphs.ints("perm", 0, 2, 1, 3)), g.node("MatMul", "ctx",
                p, v));
        String merged = g.node("Reshape", "merged", ctx, g.int64("merge_shape", 0, 0, E));
        String o = g.node("Add", "o", g.node("MatMul", "o_mm", merged, projectionAndHead == null
                ? g.init("proj.weight", 0.5, E, E) : g.init("proj.weight", projectionAndHead[0], E, E)),
                g.init("proj.bias", 0.1, E));
        String res = g.node("Add", "res", x3, o);
        String pooled = g.node("ReduceMean", "pooled", List.of(Graphs.ints("axes", 1), Graphs.integer("keepdims", 0)),
                res);
        if (windows > 1) {
            pooled = g.node("Reshape", "pooled_rows", pooled, g.int64("rows_shape", -1, windows * E));
        }
        g.node("Add", "y", g.node("MatMul", "head", pooled, projectionAndHead == null
                ? g.init("head.weight", 0.5, windows * E, 3)
                : g.init("head.weight", projectionAndHead[1], windows * E, 3)), g.init("head.bias", 0.1, 3));
        return g.model(13);
    }

    static GraphRows rows(int count) {
        return new GraphRows(Graphs.rows(11, count, T * E), T * E, null);
    }

    static float[] run(ModelProto model, GraphRows rows) {
        return Graphs.runY(model, GraphFeed.of(model, FILE), rows);
    }

    static AttentionRewrite.Result canonical(ModelProto model) {
        return AttentionRewrite.rewrite(model, FILE, GraphFeed.of(model, FILE), rows(4), Device.CPU);
    }

    @Test
    void fusedQkvAttentionIsRewrittenAndComputesTheSame() {
        ModelProto model = fusedQkv((w, b) -> { });
        AttentionRewrite.Result r = canonical(model);
        assertEquals(1, r.found(), r.notes().toString());
        assertEquals(1, r.rewritten(), r.notes().toString());
        GraphRows rows = rows(50);
        assertTrue(Graphs.maxDifference(run(model, rows), run(r.model(), rows)) < 1e-5);
        List<DenseBlock> blocks = BlockFinder.find(new GraphView(r.model(), FILE));
        DenseBlock heads = blocks.stream().filter(DenseBlock::heads).findFirst().orElseThrow();
        assertEquals(H, heads.units());
        assertEquals(DH, heads.sizes().unitSize());
        assertEquals(4 * E * E + 4 * E, heads.sizes().parameters());
        assertEquals("2h", HeadUnits.width(heads));
        // Rewriting the canonical form again finds nothing new to rewrite.
        assertEquals(0, canonical(r.model()).found());
    }

    @Test
    void keepingAttentionKeepsEveryAttentionBlockAndNoOther() {
        List<DenseBlock> blocks = BlockFinder.find(new GraphView(canonical(fusedQkv((w, b) -> { })).model(), FILE));
        java.util.Set<Integer> heads = new java.util.TreeSet<>();
        for (int i = 0; i < blocks.size(); i++) {
            if (blocks.get(i).heads()) {
                heads.add(i);
            }
        }
        assertTrue(!heads.isEmpty());
        if (heads.size() < blocks.size()) {
            assertEquals(heads, KeptBlocks.resolve(blocks, List.of(KeptBlocks.ATTENTION), FILE));
        }
    }

    /** Drops head {@code drop} of the rewritten model with its statistics on 300 rows. */
    static BlockPruner.Pruned dropHead(ModelProto canonical, int drop, Compensation compensation) {
        GraphView g = new GraphView(canonical, FILE);
        List<DenseBlock> blocks = BlockFinder.find(g);
        List<BlockStatistics.Moments> moments = BlockStatistics.measure(canonical, FILE, blocks, rows(300),
                GraphFeed.of(canonical, FILE), Device.CPU, 100_000);
        List<boolean[]> mask = new ArrayList<>();
        for (DenseBlock b : blocks) {
            boolean[] m = new boolean[b.sizes().width()];
            if (b.heads()) {
                java.util.Arrays.fill(m, drop * DH, drop * DH + DH, true);
            }
            mask.add(m);
        }
        return BlockPruner.prune(canonical, FILE, blocks, moments, mask, compensation);
    }

    @Test
    void aHeadWithZeroValuesIsDroppedExactlyAndScoresLowest() {
        // Head 1's V columns and biases zero: its output is 0 on every row.
        ModelProto model = zeroValueHead();
        ModelProto canonical = canonical(model).model();
        GraphView g = new GraphView(canonical, FILE);
        DenseBlock heads = BlockFinder.find(g).stream().filter(DenseBlock::heads).findFirst().orElseThrow();
        BlockStatistics.Moments m = BlockStatistics.measure(canonical, FILE, List.of(heads), rows(300),
                GraphFeed.of(canonical, FILE), Device.CPU, 100_000).get(0);
        double[] s = HeadUnits.scores(g, heads, m, org.odf2nna.settings.Ranking.COST, UnitCosts.NONE);
        assertTrue(s[1] < 1e-5 * s[0] && s[0] > 1e-3, java.util.Arrays.toString(s));
        BlockPruner.Pruned pruned = dropHead(canonical, 1, Compensation.MEAN);
        assertEquals(3 * (E * DH + DH) + DH * E, pruned.parameters());
        GraphRows rows = rows(50);
        assertTrue(Graphs.maxDifference(run(model, rows), run(pruned.model(), rows)) < 1e-5);
        DenseBlock after = BlockFinder.find(new GraphView(pruned.model(), FILE)).stream().filter(DenseBlock::heads)
                .findFirst().orElseThrow();
        assertEquals(1, after.units());
    }

    private static ModelProto zeroValueHead() {
        return fusedQkv(zeroValues());
    }

    /** Head 1's V columns and biases zero: its output is 0 on every row. */
    static java.util.function.BiConsumer<float[], float[]> zeroValues() {
        return (w, b) -> {
            for (int i = 0; i < E; i++) {
                for (int d = 0; d < DH; d++) {
                    w[i * 3 * E + 2 * E + DH + d] = 0;
                }
            }
            for (int d = 0; d < DH; d++) {
                b[2 * E + DH + d] = 0;
            }
        };
    }

    @Test
    void theSweepsPruningStepDropsTheDeadHeadFirstAndNeverTheLastHead() {
        ModelProto model = zeroValueHead();
        GraphRun settings = GraphRun.of(org.odf2nna.settings.SweepSettings.defaults(), 0.1).measuredOn(300, 100_000);
        GraphRows rows = rows(300);
        // 30% of the block's 288 parameters: the dead head (140) goes first, and alone.
        BlockPruner.Pruned some = GraphSweep.prune(model, FILE, rows, 0.3, settings);
        assertEquals(140, some.parameters());
        GraphRows check = rows(50);
        assertTrue(Graphs.maxDifference(run(model, check), run(some.model(), check)) < 1e-5);
        // 90% asks for more than one head can give: the last head stays.
        BlockPruner.Pruned most = GraphSweep.prune(model, FILE, rows, 0.9, settings);
        DenseBlock left = BlockFinder.find(new GraphView(most.model(), FILE)).get(0);
        assertEquals(1, left.units());
        assertEquals("1h", HeadUnits.width(left));
    }

    /**
     * The default ranking (auto) on a graph with attention heads whose rounds retrain end to end is cost-taylor: the
     * report names it, and the rounds were retrained; with the sequential refit alone it is the cost.
     */
    @Test
    void theDefaultRankingOfATransformerThatRetrainsIsCostTaylor() {
        ModelProto model = zeroValueHead();
        GraphRows unlabelled = rows(600);
        int[] labels = GraphSweep.predict(model, FILE, GraphRows.dataInput(model, FILE), unlabelled, Device.CPU);
        GraphRows train = new GraphRows(unlabelled.features(), T * E, labels);
        GraphRows validation = new GraphRows(train.features(), T * E, labels);
        org.odf2nna.settings.SweepSettings settings = org.odf2nna.settings.SweepSettings.builder().maxDrop(20.0)
                .build();
        SweepReport report = GraphSweep.sweep(model, FILE, train, validation, null,
                GraphRun.of(settings, 0.3).measuredOn(300, 100_000), org.odf2nna.Progress.NONE).report();
        assertEquals("cost-taylor", report.method().ranking());
        List<SweepReport.Round> rounds = report.outcome().rounds();
        assertTrue(rounds.stream().allMatch(r -> r.retrainedEpoch() != null), rounds.toString());
        SweepReport sequential = GraphSweep.sweep(model, FILE, train, validation, null, GraphRun.of(
                org.odf2nna.settings.SweepSettings.builder().maxDrop(20.0).graphRetraining(
                org.odf2nna.settings.GraphRetraining.SEQUENTIAL).build(), 0.3).measuredOn(300, 100_000),
                org.odf2nna.Progress.NONE).report();
        assertEquals("cost", sequential.method().ranking());
        // An operator the translation lacks (an Einsum after the classifier): no gradients, the cost, one note.
        ModelProto einsum = withEinsumAtTheEnd(model);
        SweepReport fallback = GraphSweep.sweep(einsum, FILE, train, validation, null,
                GraphRun.of(settings, 0.3).measuredOn(300, 100_000), org.odf2nna.Progress.NONE).report();
        assertEquals("cost", fallback.method().ranking());
        List<String> notes = fallback.notes().stream().filter(n -> n.contains("operator Einsum")).toList();
        assertEquals(1, notes.size(), fallback.notes().toString());
        assertTrue(notes.get(0).endsWith("; the rounds rank by cost and keep the sequential block refit"),
                notes.get(0));
    }

    /** {@code model} with its output {@code y} passed through an identity Einsum, which the translation lacks. */
    private static ModelProto withEinsumAtTheEnd(ModelProto model) {
        var graph = model.getGraph().toBuilder();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            var node = graph.getNode(i);
            for (int k = 0; k < node.getOutputCount(); k++) {
                if (node.getOutput(k).equals("y")) {
                    graph.setNode(i, node.toBuilder().setOutput(k, "y_before"));
                }
            }
        }
        graph.addNode(org.odf2nna.onnx.proto.OnnxProto.NodeProto.newBuilder().setOpType("Einsum").setName("same")
                .addInput("y_before").addOutput("y").addAttribute(org.odf2nna.onnx.proto.OnnxProto.AttributeProto
                .newBuilder().setName("equation").setType(org.odf2nna.onnx.proto.OnnxProto.AttributeProto
                .AttributeType.STRING).setS(com.google.protobuf.ByteString.copyFromUtf8("ij->ij"))));
        return model.toBuilder().setGraph(graph).build();
    }

    @Test
    void aDuplicateHeadIsRecoveredByTheLeastSquaresRefit() {
        // Head 1 computes what head 0 does (same Q, K, V columns and biases): its output equals head 0's.
        ModelProto model = fusedQkv((w, b) -> {
            for (int s = 0; s < 3; s++) {
                for (int d = 0; d < DH; d++) {
                    for (int i = 0; i < E; i++) {
                        w[i * 3 * E + s * E + DH + d] = w[i * 3 * E + s * E + d];
                    }
                    b[s * E + DH + d] = b[s * E + d];
                }
            }
        });
        ModelProto canonical = canonical(model).model();
        GraphRows rows = rows(50);
        float[] before = run(model, rows);
        double meanOnly = Graphs.maxDifference(before, run(dropHead(canonical, 1, Compensation.MEAN).model(), rows));
        double refitted = Graphs.maxDifference(before, run(dropHead(canonical, 1, Compensation.LEAST_SQUARES).model(), rows));
        assertTrue(meanOnly > 1e-2, "dropping a live head with its mean alone moves the output: " + meanOnly);
        assertTrue(refitted < 1e-3, "the refit gives head 0 head 1's output rows: " + refitted);
    }

    @Test
    void theSharedVitsAttentionsAreRewrittenToTheSameFunction() throws Exception {
        Assumptions.assumeTrue(Files.exists(VIT), "../shared is absent: " + VIT.toAbsolutePath().normalize());
        ModelProto stored = ModelProto.parseFrom(Files.readAllBytes(VIT));
        ModelProto model = WeightStorage.hoist(stored).model();
        GraphFeed feed = GraphFeed.of(model, VIT);
        float[] v = Graphs.rows(2, 20, 784);
        for (int i = 0; i < v.length; i++) {
            v[i] = (v[i] + 1) * 127.5f;
        }
        GraphRows rows = new GraphRows(v, 784, null);
        AttentionRewrite.Result r = AttentionRewrite.rewrite(feed.fixed(model), VIT, feed, rows, Device.CPU);
        assertEquals(3, r.found(), r.notes().toString());
        assertEquals(3, r.rewritten(), r.notes().toString());
        String out = model.getGraph().getOutput(0).getName();
        float[][] y = new float[2][];
        ModelProto[] both = {model, r.model()};
        for (int k = 0; k < 2; k++) {
            ModelProto runnable = BlockStatistics.relaxed(both[k].toBuilder(), feed.data().name()).build();
            try (GraphFeed.Session s = feed.open(runnable, Device.CPU, VIT)) {
                y[k] = s.run(rows, 0, rows.count(), List.of(out)).get(out);
            }
        }
        double worst = 0;
        for (int i = 0; i < y[0].length; i++) {
            worst = Math.max(worst, Math.abs(y[0][i] - y[1][i]) / Math.max(1, Math.abs(y[0][i])));
        }
        assertTrue(worst < 1e-5, "largest move " + worst);
        List<DenseBlock> blocks = BlockFinder.find(new GraphView(r.model(), VIT));
        assertEquals(6, blocks.size());
        List<DenseBlock> heads = blocks.stream().filter(DenseBlock::heads).toList();
        assertEquals(3, heads.size());
        for (DenseBlock b : heads) {
            assertEquals(3, b.units());
            assertEquals(16, b.sizes().unitSize());
            assertEquals(4 * 48 * 48 + 4 * 48, b.sizes().parameters());
        }
        org.odf2nna.report.GraphBlocks described = GraphSweep.describe(stored, VIT);
        assertEquals(6, described.blocks().size());
    }
}

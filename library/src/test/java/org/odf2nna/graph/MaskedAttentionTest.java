package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.graph.BlockPruner.Compensation;
import org.odf2nna.onnx.WeightStorage;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.settings.ModelInputs;

/**
 * Attentions with a mask before the Softmax (an Add of a causal constant, a Where as torch writes masked_fill from a
 * second input): rewritten in the canonical form with the same mask, their heads units; masks that hold one slice per
 * head or are computed from K are left alone with a note.
 */
class MaskedAttentionTest {

    private static final Path FILE = BlockFinderTest.FILE;
    private static final int T = 6;
    private static final int E = 8;
    private static final int H = 2;
    private static final int DH = 4;
    /** The translation corpus's text classifier (scripts/corpus/export_corpus.py; CorpusTranslationTest's corpus). */
    private static final Path TEXT = Path.of("library/src/test/resources/corpus/translation/text_classifier_op14.onnx");

    /** 0 on and below the diagonal, -10⁴ above it, shaped [1, 1, T, T] (or [1, heads, T, T], head 1 unmasked). */
    private static float[] causal(int heads) {
        float[] m = new float[heads * T * T];
        for (int i = 0; i < T; i++) {
            for (int j = i + 1; j < T; j++) {
                m[i * T + j] = -1e4f;
            }
        }
        return m;
    }

    /** The scores scaled by 0.5, then the causal mask added (the mask the Add's first operand). */
    private static BiFunction<Graphs, String, String> causalAdd(int heads) {
        return (g, qk) -> g.node("Add", "masked", g.init("causal", causal(heads), 1, heads, T, T),
                g.node("Mul", "scaled", qk, g.constant("scale", 0.5f)));
    }

    /**
     * torch's masked_fill from a second input {@code keep} [N, T] (1 a token, 0 padding): Where(keep == 0 on
     * [N, 1, 1, T], -10⁹, scores), then the scale 0.5 (after the mask, so the fill is scaled too).
     */
    private static BiFunction<Graphs, String, String> paddingWhere() {
        return (g, qk) -> {
            String keep4 = g.node("Unsqueeze", "keep4", "keep", g.int64("keep_axes", 1, 2));
            String pad = g.node("Equal", "pad", keep4, g.constant("zero", 0f));
            String filled = g.node("Where", "filled", pad, g.constant("fill", -1e9f), qk);
            return g.node("Mul", "scaled", filled, g.constant("scale", 0.5f));
        };
    }

    private static Consumer<Graphs> keepInput() {
        return g -> g.input("keep", T);
    }

    /** Rows of x, and of keep when the model reads it: row r pads its last r % 3 tokens. */
    private static GraphRows rows(ModelProto model, int count) {
        int width = (int) model.getGraph().getInputList().stream().filter(i -> i.getName().equals("x")).findFirst()
                .orElseThrow().getType().getTensorType().getShape().getDim(1).getDimValue();
        float[] x = Graphs.rows(11, count, width);
        if (model.getGraph().getInputList().stream().noneMatch(i -> i.getName().equals("keep"))) {
            return new GraphRows(x, width, null);
        }
        float[] keep = new float[count * T];
        for (int r = 0; r < count; r++) {
            for (int j = 0; j < T - r % 3; j++) {
                keep[r * T + j] = 1;
            }
        }
        return new GraphRows(x, T * E, null, Map.of("keep", keep));
    }

    /** The feed of x's rows, and of keep's beside them when the model reads it (as --prune-input x would say). */
    private static GraphFeed feed(ModelProto model) {
        return GraphFeed.resolve(model, FILE, new ModelInputs(null, "x", List.of()), List.of());
    }

    private static float[] run(ModelProto model, GraphRows rows) {
        return Graphs.runY(model, feed(model), rows);
    }

    private static AttentionRewrite.Result canonical(ModelProto model) {
        return AttentionRewrite.rewrite(model, FILE, feed(model), rows(model, 4), Device.CPU);
    }

    /**
     * Rewrites {@code model}, checks the canonical form computes what it did and has one attention block of H heads
     * whose nodes hold the mask node {@code maskOp}, then drops head 1 (a constant: its values zero) with its mean.
     */
    private static ModelProto rewritesAndDropsTheConstantHead(ModelProto model, String maskOp) {
        AttentionRewrite.Result r = canonical(model);
        assertEquals(1, r.found(), r.notes().toString());
        assertEquals(1, r.rewritten(), r.notes().toString());
        GraphRows rows = rows(model, 50);
        float[] before = run(model, rows);
        assertTrue(Graphs.maxDifference(before, run(r.model(), rows)) < 1e-5);
        GraphView g = new GraphView(r.model(), FILE);
        List<DenseBlock> blocks = BlockFinder.find(g);
        DenseBlock heads = blocks.stream().filter(DenseBlock::heads).findFirst().orElseThrow();
        assertEquals(H, heads.units());
        assertEquals(DH, heads.sizes().unitSize());
        assertTrue(heads.place().nodes().stream().anyMatch(n -> n.contains("mask_" + maskOp)),
                heads.place().nodes().toString());
        // The canonical form is found as it is: rewriting it again finds nothing new.
        assertEquals(0, canonical(r.model()).found());
        List<BlockStatistics.Moments> moments = BlockStatistics.measure(r.model(), FILE, blocks, rows(model, 300),
                feed(r.model()), Device.CPU, 100_000);
        List<boolean[]> drop = new ArrayList<>();
        for (DenseBlock b : blocks) {
            boolean[] m = new boolean[b.sizes().width()];
            if (b.heads()) {
                Arrays.fill(m, DH, 2 * DH, true);
            }
            drop.add(m);
        }
        BlockPruner.Pruned pruned = BlockPruner.prune(r.model(), FILE, blocks, moments, drop, Compensation.MEAN);
        assertTrue(Graphs.maxDifference(before, run(pruned.model(), rows)) < 1e-4);
        DenseBlock after = BlockFinder.find(new GraphView(pruned.model(), FILE)).stream().filter(DenseBlock::heads)
                .findFirst().orElseThrow();
        assertEquals(1, after.units());
        return pruned.model();
    }

    @Test
    void aCausalConstantAddedToTheScoresIsKeptAndAHeadGoes() {
        ModelProto model = AttentionHeadsTest.fusedQkv(AttentionHeadsTest.zeroValues(), causalAdd(1), g -> { });
        rewritesAndDropsTheConstantHead(model, "add");
    }

    @Test
    void aMaskedFillFromASecondInputIsKeptAndAHeadGoes() {
        ModelProto model = AttentionHeadsTest.fusedQkv(AttentionHeadsTest.zeroValues(), paddingWhere(), keepInput());
        // The padding matters: without it the outputs differ.
        GraphRows rows = rows(model, 12);
        float[] masked = run(model, rows);
        Arrays.fill(rows.side("keep"), 1);
        assertTrue(Graphs.maxDifference(masked, run(model, rows)) > 1e-3);
        rewritesAndDropsTheConstantHead(model, "where");
    }

    @Test
    void aSoftMaskAddedBeforeADivisionIsDividedToo() {
        // Scores + M, then / 2: the canonical form scales first, so it must add M / 2 (M moderate, so it shows).
        float[] soft = Graphs.rows(7, 1, T * T);
        BiFunction<Graphs, String, String> addThenDivide = (g, qk) -> g.node("Div", "scaled",
                g.node("Add", "masked", qk, g.init("soft", soft, T, T)), g.constant("two", 2f));
        ModelProto model = AttentionHeadsTest.fusedQkv(AttentionHeadsTest.zeroValues(), addThenDivide, g -> { });
        rewritesAndDropsTheConstantHead(model, "add");
    }

    @Test
    void aConstantWithOneSlicePerHeadGoesWithItsHead() {
        // swin's relative-position bias as the exporter folds it: an initializer [1, heads, T, T] added to the scores.
        ModelProto model = AttentionHeadsTest.fusedQkv(AttentionHeadsTest.zeroValues(), causalAdd(H), g -> { });
        ModelProto pruned = rewritesAndDropsTheConstantHead(model, "add");
        DenseBlock heads = BlockFinder.find(new GraphView(canonical(model).model(), FILE)).stream()
                .filter(DenseBlock::heads).findFirst().orElseThrow();
        assertTrue(heads.rewrites().slots().stream().anyMatch(s -> s.tensor().equals("causal") && s.axis() == 1));
        assertEquals(heads.rewrites().slots().stream().mapToLong(DenseBlock.UnitSlot::elements).sum(),
                heads.parametersPerUnit() * H, "each head carries its slices, the bias's included");
        var bias = pruned.getGraph().getInitializerList().stream().filter(t -> t.getName().equals("causal"))
                .findFirst().orElseThrow();
        assertEquals(List.of(1L, 1L, (long) T, (long) T), bias.getDimsList(), "head 1's slice of the bias went");
    }

    @Test
    void windowsStandingInTheBatchAxisKeepTheirHeadsApart() {
        // swin's windowed attention: each row's 3 windows of T tokens are the batch of the attention, and each head
        // has its own bias constant; the heads are told apart on a row all the same, and head 1 goes.
        ModelProto model = AttentionHeadsTest.fusedQkv(AttentionHeadsTest.zeroValues(), causalAdd(H), g -> { }, null,
                3);
        rewritesAndDropsTheConstantHead(model, "add");
    }

    @Test
    void aShiftedWindowMaskAddedPerWindowAfterAPerHeadBiasIsKeptAndAHeadGoes() {
        // swin's shifted block as torch.onnx.export writes it: the scores, scaled, plus a per-head bias constant, then
        // viewed as [rows, windows, heads, T, T], a window mask [1, windows, 1, T, T] added, and viewed back: both
        // views name the head count in their shapes, which the canonical form does not.
        int windows = 3;
        float[] shift = new float[windows * T * T];
        for (int w = 0; w < windows; w++) {
            for (int k = 0; k < T * T; k++) {
                shift[w * T * T + k] = (k + w) % 3 == 0 ? -100f : 0f;
            }
        }
        BiFunction<Graphs, String, String> shifted = (g, qk) -> {
            String biased = g.node("Add", "biased", g.node("Mul", "scaled", qk, g.constant("scale", 0.5f)),
                    g.init("bias", Graphs.rows(13, 1, H * T * T), 1, H, T, T));
            String viewed = g.node("Reshape", "view5", biased, g.int64("view_shape", -1, windows, H, T, T));
            String masked = g.node("Add", "shifted", viewed, g.init("shift", shift, 1, windows, 1, T, T));
            return g.node("Reshape", "back4", masked, g.int64("back_shape", -1, H, T, T));
        };
        ModelProto model = AttentionHeadsTest.fusedQkv(AttentionHeadsTest.zeroValues(), shifted, g -> { }, null,
                windows);
        // The window mask matters: without it the outputs differ.
        ModelProto unmasked = model.toBuilder().setGraph(model.getGraph().toBuilder().clearInitializer()
                .addAllInitializer(model.getGraph().getInitializerList().stream().map(t -> t.getName().equals("shift")
                        ? org.odf2nna.onnx.OnnxValues.newTensor("shift", org.odf2nna.onnx.OnnxValues.FLOAT,
                        new float[shift.length], new long[] {1, windows, 1, T, T}) : t).toList())).build();
        GraphRows rows = rows(model, 12);
        assertTrue(Graphs.maxDifference(run(model, rows), run(unmasked, rows)) > 1e-3);
        ModelProto pruned = rewritesAndDropsTheConstantHead(model, "add");
        var bias = pruned.getGraph().getInitializerList().stream().filter(t -> t.getName().equals("bias"))
                .findFirst().orElseThrow();
        assertEquals(List.of(1L, 1L, (long) T, (long) T), bias.getDimsList());
    }

    @Test
    void aMaskWithOneSlicePerHeadComputedAtRunTimeIsLeftAloneWithANote() {
        BiFunction<Graphs, String, String> computed = (g, qk) -> g.node("Add", "masked",
                g.node("Mul", "per_head", g.init("causal", causal(H), 1, H, T, T), g.constant("one", 1f)),
                g.node("Mul", "scaled", qk, g.constant("scale", 0.5f)));
        ModelProto model = AttentionHeadsTest.fusedQkv((w, b) -> { }, computed, g -> { });
        AttentionRewrite.Result r = canonical(model);
        assertEquals(1, r.found());
        assertEquals(0, r.rewritten());
        assertTrue(r.notes().toString().contains("one mask per head"), r.notes().toString());
        assertTrue(BlockFinder.find(new GraphView(r.model(), FILE)).stream().noneMatch(DenseBlock::heads));
    }

    @Test
    void aMaskComputedFromTheKeysValuesIsLeftAloneWithANote() {
        BiFunction<Graphs, String, String> fromKeys = (g, qk) -> g.node("Add", "masked",
                g.node("Mul", "scaled", qk, g.constant("scale", 0.5f)),
                g.node("ReduceMean", "mask", List.of(Graphs.ints("axes", 1, 3)), "k"));
        ModelProto model = AttentionHeadsTest.fusedQkv((w, b) -> { }, fromKeys, g -> { });
        AttentionRewrite.Result r = canonical(model);
        assertEquals(0, r.found(), r.notes().toString());
        assertTrue(r.notes().toString().contains("computed from the values of the attention's own Q, K or V"),
                r.notes().toString());
    }

    /**
     * An attention as torch 1.13's nn.MultiheadAttention computes it with a key_padding_mask, batch first: scores
     * [N·H, T, T]; the padding from input keep [N, T] (0 pads) reshaped to [N, 1, 1, T], expanded to [N, H, 1, T] and
     * reshaped to [N·H, 1, T], its length read from K's shape; -inf where it pads, added to the scores.
     */
    private static ModelProto torchPadding(BiConsumer<float[], float[]> edit) {
        Graphs g = new Graphs(5);
        g.input("x", T * E).input("keep", T).output("y", 3);
        String x3 = g.node("Reshape", "x3", "x", g.int64("tokens_shape", -1, T, E));
        float[] w = Graphs.rows(3, E, 3 * E);
        float[] b = Graphs.rows(4, 1, 3 * E);
        edit.accept(w, b);
        String qkv = g.node("Add", "qkv", g.init("qkv.bias", b, 3 * E),
                g.node("MatMul", "qkv_mm", x3, g.init("qkv.weight", w, E, 3 * E)));
        String[] parts = new String[3];
        for (int s = 0; s < 3; s++) {
            String part = g.node("Slice", "part" + s, qkv, g.int64("start" + s, s * E), g.int64("end" + s, s * E + E),
                    g.int64("axis" + s, 2));
            String heads = g.node("Transpose", "heads" + s, List.of(Graphs.ints("perm", 0, 2, 1, 3)),
                    g.node("Reshape", "split" + s, part, g.int64("split_shape" + s, 0, 0, H, DH)));
            parts[s] = g.node("Reshape", "merged" + s, heads, g.int64("bh_shape" + s, -1, T, DH));
        }
        String kt = g.node("Transpose", "kt", List.of(Graphs.ints("perm", 0, 2, 1)), parts[1]);
        String scores = g.node("MatMul", "qk", g.node("Div", "q_scaled", parts[0], g.constant("sqrt_dh", 2f)), kt);
        String length = g.node("Slice", "length", g.node("Shape", "k_shape", parts[1]), g.int64("one", 1),
                g.int64("two", 2));
        String pad = g.node("Equal", "pad", "keep", g.constant("zero", 0f));
        String pad4 = g.node("Unsqueeze", "pad4", pad, g.int64("pad_axes", 1, 2));
        String expanded = g.node("Expand", "expanded", pad4, g.node("Concat", "expand_shape",
                List.of(Graphs.integer("axis", 0)), g.int64("expand_lead", 1, H, 1), length));
        String perHead = g.node("Reshape", "per_head", expanded, g.node("Concat", "mask_shape",
                List.of(Graphs.integer("axis", 0)), g.int64("mask_lead", -1, 1), length));
        String mask = g.node("Where", "mask", perHead, g.constant("minus_inf", Float.NEGATIVE_INFINITY),
                g.constant("nothing", 0f));
        String p = g.node("Softmax", "p", List.of(Graphs.integer("axis", -1)), g.node("Add", "masked", scores, mask));
        String ctx = g.node("MatMul", "ctx", p, parts[2]);
        String back = g.node("Transpose", "ctx_t", List.of(Graphs.ints("perm", 0, 2, 1, 3)),
                g.node("Reshape", "ctx4", ctx, g.int64("ctx_shape", -1, H, T, DH)));
        String merged = g.node("Reshape", "merged", back, g.int64("merge_shape", 0, 0, E));
        String o = g.node("Add", "o", g.node("MatMul", "o_mm", merged, g.init("proj.weight", 0.5, E, E)),
                g.init("proj.bias", 0.1, E));
        String pooled = g.node("ReduceMean", "pooled", List.of(Graphs.ints("axes", 1), Graphs.integer("keepdims", 0)),
                g.node("Add", "res", x3, o));
        g.node("Add", "y", g.node("MatMul", "head", pooled, g.init("head.weight", 0.5, E, 3)),
                g.init("head.bias", 0.1, 3));
        return g.model(14);
    }

    @Test
    void torchsKeyPaddingMaskIsTakenOnceForAllHeadsAndItsLengthFromZeros() {
        ModelProto model = torchPadding(AttentionHeadsTest.zeroValues());
        GraphRows rows = rows(model, 12);
        float[] masked = run(model, rows);
        Arrays.fill(rows.side("keep"), 1);
        assertTrue(Graphs.maxDifference(masked, run(model, rows)) > 1e-3);
        rewritesAndDropsTheConstantHead(model, "add");
        // The projection the mask read the shape of is gone: its weight no longer in the graph.
        ModelProto canonical = canonical(model).model();
        assertTrue(canonical.getGraph().getInitializerList().stream().noneMatch(t -> t.getName().equals("qkv.weight")));
        assertTrue(canonical.getGraph().getNodeList().stream().anyMatch(n -> n.getOpType().equals("ConstantOfShape")));
    }

    @Test
    void theCorpusTextClassifiersMaskedAttentionIsNotABlockAndSaysWhy() throws Exception {
        assertTrue(Files.isRegularFile(TEXT), TEXT.toAbsolutePath().toString());
        ModelProto model = WeightStorage.hoist(ModelProto.parseFrom(Files.readAllBytes(TEXT))).model();
        AttentionTrace.Found found = AttentionTrace.find(new GraphView(model, TEXT));
        assertEquals(0, found.traced().size());
        assertEquals(1, found.notes().size(), found.notes().toString());
        assertTrue(found.notes().get(0).contains("scales by scalar constants"), found.notes().toString());
    }
}

package org.odf2nna.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.graph.Graphs;
import org.odf2nna.onnx.TestModels;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.tf.ops.Translators;
import org.odf2nna.tf.ops.UnsupportedOperatorException;

/**
 * ONNX Runtime's fused attention operators ({@code com.microsoft} Attention and MultiHeadAttention) translated to
 * TensorFlow: the graphs of {@code ContribAttentionTest} (x [N, 4, 8], 2 heads of 4, output projection [8, 6]) and
 * variants (4 heads, a scale, a packed bias, keys and values from fewer tokens than the queries) against ONNX Runtime
 * within 1e-4; what is not translated refused in one line; end-to-end retraining of such graphs.
 */
class ContribOpsTest {

    private static final String MS = "com.microsoft";
    private static final int TOKENS = 4;
    private static final int D = 8;
    private static final int IN = TOKENS * D;
    private static final int ROWS = 64;

    private static NodeProto fused(String op, List<String> inputs, AttributeProto... attributes) {
        return NodeProto.newBuilder().setOpType(op).setDomain(MS).setName("/" + op).addAllInput(inputs)
                .addOutput("ctx").addAllAttribute(Arrays.asList(attributes)).build();
    }

    private static AttributeProto scale(float v) {
        return AttributeProto.newBuilder().setName("scale").setType(AttributeProto.AttributeType.FLOAT).setF(v)
                .build();
    }

    /** x → Attention (packed W [8, 24], bias [24]) → ctx. */
    private static Graphs packed(AttributeProto... attributes) {
        Graphs g = new Graphs(51);
        g.input("x", TOKENS, D);
        g.raw(fused("Attention", List.of("x", g.init("w_qkv", 0.6, D, 3 * D), g.init("b_qkv", 0.3, 3 * D)),
                attributes));
        return g;
    }

    /** x → three MatMuls (V with a bias Add) → MultiHeadAttention → ctx, as ContribAttentionTest.projected(). */
    private static Graphs projected(AttributeProto... attributes) {
        Graphs g = new Graphs(52);
        g.input("x", TOKENS, D);
        String q = g.node("MatMul", "q", "x", g.init("w_q", 0.6, D, D));
        String k = g.node("MatMul", "k", "x", g.init("w_k", 0.6, D, D));
        String v = g.node("Add", "v", g.node("MatMul", "v_mm", "x", g.init("w_v", 0.6, D, D)), g.init("b_v", 0.4, D));
        g.raw(fused("MultiHeadAttention", List.of(q, k, v), attributes));
        return g;
    }

    /** Cross attention: keys and values from the first 3 tokens, a packed bias [24], scale 0.3. */
    private static Graphs cross() {
        Graphs g = new Graphs(53);
        g.input("x", TOKENS, D);
        String first = g.node("Slice", "first", "x", g.int64("st", 0), g.int64("en", 3), g.int64("ax", 1));
        String q = g.node("MatMul", "q", "x", g.init("w_q", 0.6, D, D));
        String k = g.node("MatMul", "k", first, g.init("w_k", 0.6, D, D));
        String v = g.node("MatMul", "v", first, g.init("w_v", 0.6, D, D));
        g.raw(fused("MultiHeadAttention", List.of(q, k, v, g.init("b_qkv", 0.3, 3 * D)),
                Graphs.integer("num_heads", 2), scale(0.3f)));
        return g;
    }

    /** ctx → MatMul [8, 6] → Add → y [N, 4, 6], the block's output projection. */
    private static ModelProto projection(Graphs g) {
        g.output("y", TOKENS, 6);
        g.node("Add", "y", g.node("MatMul", "proj", "ctx", g.init("w_o", 0.5, D, 6)), g.init("b_o", 0.1, 6));
        return withContrib(g.model(14));
    }

    /** ctx → output projection → mean over the tokens → Softmax: a classifier of 6 classes. */
    private static ModelProto classifier(Graphs g) {
        g.output("y", 6);
        String o = g.node("Add", "o", g.node("MatMul", "proj", "ctx", g.init("w_o", 1.5, D, 6)),
                g.init("b_o", 0.1, 6));
        String mean = g.node("ReduceMean", "mean", List.of(Graphs.ints("axes", 1), Graphs.integer("keepdims", 0)), o);
        g.node("Softmax", "y", List.of(Graphs.integer("axis", -1)), mean);
        return withContrib(g.model(14));
    }

    private static ModelProto withContrib(ModelProto m) {
        return m.toBuilder().addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(MS).setVersion(1)).build();
    }

    private static AttributeProto heads(int n) {
        return Graphs.integer("num_heads", n);
    }

    @Test
    void bothFusedAttentionsTranslateWithinATenThousandthOfOnnxRuntime() {
        assertEquals(Set.of("Attention", "MultiHeadAttention"), Translators.names(MS));
        Map<String, ModelProto> models = new TreeMap<>();
        models.put("Attention, 2 heads", projection(packed(heads(2))));
        // ONNX Runtime's CPU Attention reads the bias unconditionally (it crashes without one): every model has one.
        models.put("Attention, 4 heads, equal qkv_hidden_sizes, scale 0.5",
                projection(packed(heads(4), Graphs.ints("qkv_hidden_sizes", 8, 8, 8), scale(0.5f))));
        models.put("MultiHeadAttention, 2 heads", projection(projected(heads(2))));
        models.put("MultiHeadAttention, cross, packed bias, scale 0.3", projection(cross()));
        float[] rows = TestModels.randomRows(3, ROWS, IN);
        List<String> failed = new ArrayList<>();
        for (Map.Entry<String, ModelProto> e : models.entrySet()) {
            TranslationCheck c = TranslationCheck.compare(e.getValue(), rows, ROWS, Device.CPU);
            assertEquals(ROWS, c.rows());
            if (!c.within(1e-4)) {
                failed.add(e.getKey() + ": " + c.describe());
            }
        }
        assertEquals(List.of(), failed);
    }

    /** The one-line refusal of {@code model}'s translation. */
    private static String refusal(ModelProto model) {
        UnsupportedOperatorException e = assertThrows(UnsupportedOperatorException.class,
                () -> OnnxTfGraph.translate(model, Set.of()).close());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    /** {@code model} with its fused node rewritten. */
    private static ModelProto edited(ModelProto model, UnaryOperator<NodeProto.Builder> edit) {
        var graph = model.getGraph().toBuilder();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            if (graph.getNode(i).getDomain().equals(MS)) {
                graph.setNode(i, edit.apply(graph.getNode(i).toBuilder()));
            }
        }
        graph.addInitializer(TensorProto.newBuilder().setName("mask").setDataType(TensorProto.DataType.INT32_VALUE)
                .addDims(1).addInt32Data(1));
        return model.toBuilder().setGraph(graph).build();
    }

    @Test
    void masksStateCausalAttentionUnequalSizesAndPackedInputsAreRefusedInOneLineNamingNodeOperatorAndWhat() {
        ModelProto attention = projection(packed(heads(2)));
        ModelProto mha = projection(projected(heads(2)));
        String a = "node '/Attention' (Attention): ";
        String m = "node '/MultiHeadAttention' (MultiHeadAttention): ";
        assertEquals(a + "input 3 (mask_index) is not translated: only attention without masks, attention bias or "
                + "past state is", refusal(edited(attention, n -> n.addInput("mask"))));
        assertEquals(a + "input 4 (past) is not translated: only attention without masks, attention bias or past "
                + "state is", refusal(edited(attention, n -> n.addInput("").addInput("mask"))));
        assertEquals(a + "output 1 (present) is not translated: only the attention's output is",
                refusal(edited(attention, n -> n.addOutput("present"))));
        assertEquals(a + "unidirectional=1 (causal attention) is not translated",
                refusal(edited(attention, n -> n.addAttribute(Graphs.integer("unidirectional", 1)))));
        assertEquals(a + "unequal qkv_hidden_sizes [8, 8, 4] are not translated",
                refusal(edited(attention, n -> n.addAttribute(Graphs.ints("qkv_hidden_sizes", 8, 8, 4)))));
        assertEquals(m + "a packed Q|K|V query (no key input) is not translated",
                refusal(edited(mha, n -> n.setInput(1, "").setInput(2, ""))));
        assertEquals(m + "input 4 (key_padding_mask) is not translated: only attention without masks, attention "
                + "bias or past state is", refusal(edited(mha, n -> n.addInput("").addInput("mask"))));
        assertEquals(m + "output 1 (present_key) is not translated: only the attention's output is",
                refusal(edited(mha, n -> n.addOutput("pk"))));
        assertEquals(m + "unidirectional=1 (causal attention) is not translated",
                refusal(edited(mha, n -> n.addAttribute(Graphs.integer("unidirectional", 1)))));
        // Another operator of the domain: named with its domain, the domain's operators listed.
        assertEquals("node '/Attention': operator com.microsoft.FastGelu (opset 1) is not translated; supported in "
                + "domain 'com.microsoft': Attention, MultiHeadAttention",
                refusal(edited(attention, n -> n.setOpType("FastGelu"))));
    }

    @Test
    void graphsWithFusedAttentionsRetrainEndToEndTowardsTheOriginal() {
        int n = 600;
        float[] rows = TestModels.randomRows(2, n, IN);
        float[] test = TestModels.randomRows(9, 400, IN);
        Map<String, ModelProto> originals = Map.of("w_qkv", classifier(packed(heads(2))),
                "w_q", classifier(projected(heads(2))));
        for (Map.Entry<String, ModelProto> e : originals.entrySet()) {
            ModelProto original = e.getValue();
            ModelProto pruned = GraphRetrainerTest.damaged(original, e.getKey(), 0.8);
            Set<String> trainable = Set.of(e.getKey(), "w_o", "b_o");
            GraphRetrainer.Retrained r = GraphRetrainer.retrain(original, pruned, trainable, rows, null, n,
                    GraphRetrainerTest.settings(15, 5), (epoch, total) -> { });
            assertTrue(r.check() != null && r.check().within(1e-4), e.getKey() + ": " + r.check());
            double before = GraphRetrainerSharedTest.agreement(original, pruned, test, 400);
            double after = GraphRetrainerSharedTest.agreement(original, r.model(), test, 400);
            assertTrue(r.bestEpoch() > 0 && after > before + 0.05, e.getKey() + ": " + before + " -> " + after
                    + " (best epoch " + r.bestEpoch() + ")");
        }
    }
}

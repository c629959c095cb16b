package org.odf2nna.tf.ops;

import static org.odf2nna.tf.ops.TranslationContext.attrFloat;
import static org.odf2nna.tf.ops.TranslationContext.attrInt;
import static org.odf2nna.tf.ops.TranslationContext.attrInts;
import static org.odf2nna.tf.ops.TranslationContext.has;
import static org.odf2nna.tf.ops.TranslationContext.unsupported;

import java.util.Arrays;
import java.util.List;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * ONNX Runtime's fused attention operators (domain {@code com.microsoft}, as its transformer optimizer writes them):
 * {@code Attention} (input [B, S, Hin] times a packed Q|K|V weight [Hin, 3H] plus bias [3H]) and
 * {@code MultiHeadAttention} (Q, K and V already projected, an optional packed bias [H + H + Hv]); both
 * {@link HeadAttention}. Masks, past and present state, causal attention and packed Q|K|V or K|V inputs are refused
 * in one line naming what: without them a head is what the graph pruning takes it to be.
 */
final class ContribOps {

    /** ONNX Runtime's operator domain. */
    static final String DOMAIN = "com.microsoft";

    /** Attention's optional inputs from 3 on that are not translated, by position. */
    private static final List<String> ATTENTION_EXTRAS = List.of("mask_index", "past", "attention_bias",
            "past_sequence_length");
    /** MultiHeadAttention's optional inputs from 4 on that are not translated, by position. */
    private static final List<String> MHA_EXTRAS = List.of("key_padding_mask", "attention_bias", "past_key",
            "past_value", "past_sequence_length", "cache_indirection");
    private static final List<String> ATTENTION_OUTPUTS = List.of("output", "present");
    private static final List<String> MHA_OUTPUTS = List.of("output", "present_key", "present_value", "qk");

    private ContribOps() {
    }

    static void register(Translators.Registry r) {
        r.add(DOMAIN, "Attention", 1, ContribOps::attention);
        r.add(DOMAIN, "MultiHeadAttention", 1, ContribOps::multiHead);
    }

    /** Attention: x·W (+ b) split into Q, K and V of H channels each. */
    private static Operand<TFloat32> attention(TranslationContext ctx, NodeProto node) {
        refuseExtras(node, 3, ATTENTION_EXTRAS, ATTENTION_OUTPUTS);
        refuseFlag(node, "unidirectional", "causal attention");
        refuseFlag(node, "do_rotary", "rotary embedding");
        long[] sizes = attrInts(node, "qkv_hidden_sizes");
        if (sizes != null && Arrays.stream(sizes).distinct().count() > 1) {
            throw unsupported(node, "unequal qkv_hidden_sizes " + Arrays.toString(sizes) + " are not translated");
        }
        Ops tf = ctx.tf();
        Operand<TFloat32> x = ctx.f(node, 0);
        rank3(ctx, node, x, "input");
        Operand<TFloat32> w = ctx.f(node, 1);
        Shape ws = w.shape();
        if (ws.numDimensions() != 2 || ws.get(0) < 0 || ws.get(1) < 0 || ws.get(1) % 3 != 0) {
            throw unsupported(node, "weights of shape " + ws + " are not translated (they need [input hidden, 3H])");
        }
        int hidden = (int) (ws.get(1) / 3);
        int heads = heads(node, hidden);
        // One matrix product over the flattened batch and sequence, as MatMul's translation does.
        Operand<TFloat32> qkv = tf.linalg.matMul(tf.reshape(x, tf.constant(new int[] {-1, (int) ws.get(0)})), w);
        if (has(node, 2)) {
            qkv = tf.math.add(qkv, ctx.f(node, 2));
        }
        List<Output<TFloat32>> parts = tf.splitV(qkv, tf.constant(new int[] {hidden, hidden, hidden}),
                tf.constant(1), 3L).output();
        Operand<TInt32> shape = tf.concat(List.of(HeadAttention.lead(tf, x), tf.constant(new int[] {hidden})),
                tf.constant(0));
        Operand<TFloat32> q = tf.reshape(parts.get(0), shape);
        return HeadAttention.attend(tf, q, tf.reshape(parts.get(1), shape), tf.reshape(parts.get(2), shape), heads,
                hidden, scale(tf, node, q, heads));
    }

    /** MultiHeadAttention: query [B, S, H], key [B, L, H], value [B, L, Hv], the bias added to each. */
    private static Operand<TFloat32> multiHead(TranslationContext ctx, NodeProto node) {
        refuseExtras(node, 4, MHA_EXTRAS, MHA_OUTPUTS);
        if (!has(node, 1)) {
            throw unsupported(node, "a packed Q|K|V query (no key input) is not translated");
        }
        if (!has(node, 2)) {
            throw unsupported(node, "a packed K|V key (no value input) is not translated");
        }
        refuseFlag(node, "unidirectional", "causal attention");
        Ops tf = ctx.tf();
        Operand<TFloat32> q = ctx.f(node, 0);
        Operand<TFloat32> k = ctx.f(node, 1);
        Operand<TFloat32> v = ctx.f(node, 2);
        rank3(ctx, node, q, "query");
        rank3(ctx, node, k, "key (a past key or packed K|V has rank 4 or 5)");
        rank3(ctx, node, v, "value");
        int hidden = (int) q.shape().get(2);
        int vHidden = (int) v.shape().get(2);
        int heads = heads(node, Math.max(hidden, 0));
        if (vHidden > 0 && vHidden % heads != 0) {
            throw unsupported(node, "value hidden size " + vHidden + " is not a multiple of num_heads " + heads);
        }
        if (has(node, 3)) {
            if (hidden < 0 || vHidden < 0) {
                throw unsupported(node, "a packed bias needs the query's and value's hidden sizes known while "
                        + "building");
            }
            List<Output<TFloat32>> b = ctx.tf().splitV(ctx.f(node, 3),
                    tf.constant(new int[] {hidden, hidden, vHidden}), tf.constant(0), 3L).output();
            q = tf.math.add(q, b.get(0));
            k = tf.math.add(k, b.get(1));
            v = tf.math.add(v, b.get(2));
        }
        return HeadAttention.attend(tf, q, k, v, heads, vHidden, scale(tf, node, q, heads));
    }

    /** The scores' scale: the node's {@code scale} attribute, or 1/√dh where it is absent or 0 (as ORT reads it). */
    private static Operand<TFloat32> scale(Ops tf, NodeProto node, Operand<TFloat32> q, int heads) {
        float scale = attrFloat(node, "scale", 0f);
        return scale != 0f ? tf.constant(scale) : HeadAttention.defaultScale(tf, q, heads);
    }

    /** num_heads, which must divide {@code hidden} (0: not known while building). */
    private static int heads(NodeProto node, int hidden) {
        long heads = attrInt(node, "num_heads", 0);
        if (heads < 1 || (hidden > 0 && hidden % heads != 0)) {
            throw unsupported(node, "num_heads " + heads + " does not divide the hidden size " + hidden);
        }
        return (int) heads;
    }

    private static void rank3(TranslationContext ctx, NodeProto node, Operand<?> x, String what) {
        int r = ctx.rank(node, x);
        if (r != 3) {
            throw unsupported(node, what + " of rank " + r + " is not translated (it needs [batch, sequence, "
                    + "hidden])");
        }
    }

    private static void refuseFlag(NodeProto node, String attribute, String what) {
        if (attrInt(node, attribute, 0) != 0) {
            throw unsupported(node, attribute + "=1 (" + what + ") is not translated");
        }
    }

    /**
     * Refuses any optional input from {@code first} on (masks, attention bias, past state) and any output after the
     * first (present state): each changes what a head computes or needs state the retraining does not carry.
     */
    private static void refuseExtras(NodeProto node, int first, List<String> inputs, List<String> outputs) {
        for (int i = first; i < first + inputs.size(); i++) {
            if (has(node, i)) {
                throw unsupported(node, "input " + i + " (" + inputs.get(i - first) + ") is not translated: only "
                        + "attention without masks, attention bias or past state is");
            }
        }
        if (node.getInputCount() > first + inputs.size()) {
            throw unsupported(node, node.getInputCount() + " inputs; the operator has " + (first + inputs.size()));
        }
        for (int o = 1; o < node.getOutputCount(); o++) {
            if (!node.getOutput(o).isEmpty()) {
                throw unsupported(node, "output " + o + " (" + (o < outputs.size() ? outputs.get(o) : "?")
                        + ") is not translated: only the attention's output is");
            }
        }
    }
}

package org.odf2nna.graph;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.odf2nna.onnx.OnnxValues;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * The canonical multi-head attention this project prunes heads in: separate Q, K and V projections of one input
 * {@code X} of rank 3 (each a MatMul with an optional bias Add), each split into heads by a Reshape to
 * {@code [0, 0, -1, dh]} and a Transpose to {@code [batch, heads, tokens, dh]} (K to {@code [batch, heads, dh,
 * tokens]}), the scores {@code Q·Kᵀ} times a scalar scale, masked where the exporter masked them (an Add of the mask,
 * or a Where choosing them or a fill, reading the exporter's own mask tensors, taken once for all heads), Softmax over
 * the last axis, times V, transposed back and merged by a Reshape to {@code [0, 0, -1]} (the hidden tensor, head h on
 * channels {@code h·dh .. h·dh+dh-1}), then the output projection (a MatMul with an optional bias Add). No constant
 * holds the head count, so dropping heads is slicing the projections' weights alone. Every op here is in the
 * TensorFlow translation ({@code org.odf2nna.tf.ops}).
 */
final class AttentionForm {

    private AttentionForm() {
    }

    /**
     * One attention's values in the canonical form.
     *
     * @param input    the tensor the projections read, rank 3
     * @param output   the tensor the output projection (with its bias) writes
     * @param seqAxis  the token axis of the input: 0 ({@code [tokens, batch, E]}, torch's default) or 1
     * @param headDim  channels per head
     * @param scoring  what happens to the scores before the Softmax
     * @param qkv      the Q, K and V projections, weights [E, heads·dh]
     * @param o        the output projection, weight [heads·dh, outputs]
     */
    record Attention(String input, String output, int seqAxis, int headDim, Scoring scoring, Qkv qkv,
            Projection o) {

        int heads() {
            return qkv.q().outputs() / headDim;
        }

        float scale() {
            return scoring.scale();
        }

        Mask mask() {
            return scoring.mask();
        }

        String windowMask() {
            return scoring.windowMask();
        }
    }

    /**
     * The scores' way to the Softmax.
     *
     * @param scale      what the scores are multiplied by
     * @param mask       the mask applied to the scaled scores, or null
     * @param windowMask a mask added to the masked scores viewed per window, {@code [batch, windows, heads, T, T]}
     *                   (swin's shifted-window mask, {@code [1, windows, 1, T, T]}), or null
     */
    record Scoring(float scale, Mask mask, String windowMask) {
    }

    /**
     * A mask on the scores before the Softmax, its tensors the graph's own (computed as the exporter wrote them).
     *
     * @param tensor      what an Add adds to the scores, or a Where's fill
     * @param condition   a Where's condition, or null for an Add
     * @param scoresFirst for a Where: whether the scores are its second input (chosen where the condition holds)
     * @param after       what multiplies the mask: the scales the exporter applied after masking
     * @param shapeReads  the exporter's projection outputs the mask's computation reads the shape of (torch's
     *                    key_padding_mask its length from K), with their columns: written as zeros of that shape
     * @param perHead     the mask's tensors laid out as torch's {@code [batch·heads, ., .]} with the same slice for
     *                    each head, with the exporter's head count; the others broadcast over the heads as they are
     */
    record Mask(String tensor, String condition, boolean scoresFirst, float after, Map<String, Integer> shapeReads,
            Map<String, Integer> perHead) {

        Mask {
            shapeReads = Map.copyOf(shapeReads);
            perHead = Map.copyOf(perHead);
        }

        Mask withPerHead(Map<String, Integer> tensors) {
            return new Mask(tensor, condition, scoresFirst, after, shapeReads, tensors);
        }

        /** The mask's tensors: what is added or filled in, and a Where's condition. */
        List<String> tensors() {
            return condition == null ? List.of(tensor) : List.of(tensor, condition);
        }
    }

    /** The Q, K and V projections, head h on columns h·dh .. h·dh+dh-1 of each. */
    record Qkv(Projection q, Projection k, Projection v) {
    }

    /**
     * A projection's weight [inputs, outputs] row-major and its bias (null when it has none).
     */
    record Projection(int inputs, int outputs, float[] weight, float[] bias) {
    }

    /** The nodes and initializers of one canonical attention. */
    record Emitted(List<NodeProto> nodes, List<TensorProto> initializers) {
    }

    /** Q and V head split: [A0, A1, H, dh] to [batch, H, tokens, dh]. */
    static long[] headsPerm(int seqAxis) {
        return seqAxis == 0 ? new long[] {1, 2, 0, 3} : new long[] {0, 2, 1, 3};
    }

    /** K head split, transposed for Q·Kᵀ: to [batch, H, dh, tokens]. */
    static long[] keysPerm(int seqAxis) {
        return seqAxis == 0 ? new long[] {1, 2, 3, 0} : new long[] {0, 2, 3, 1};
    }

    /** The context [batch, H, tokens, dh] back to the input's layout [A0, A1, H, dh]. */
    static long[] backPerm(int seqAxis) {
        return seqAxis == 0 ? new long[] {2, 0, 1, 3} : new long[] {0, 2, 1, 3};
    }

    /** The canonical nodes of {@code a}, every name starting with {@code prefix} (which the graph must not use). */
    static Emitted emit(Attention a, String prefix) {
        List<NodeProto> nodes = new ArrayList<>();
        List<TensorProto> inits = new ArrayList<>();
        String headsShape = prefix + "heads_shape";
        String mergeShape = prefix + "merge_shape";
        String scale = prefix + "scale";
        inits.add(int64(headsShape, new long[] {0, 0, -1, a.headDim()}));
        inits.add(int64(mergeShape, new long[] {0, 0, -1}));
        inits.add(OnnxValues.newTensor(scale, OnnxValues.FLOAT, new float[] {a.scale()}, new long[0]));
        String q = project(nodes, inits, a.input(), a.qkv().q(), prefix + "q", null);
        String k = project(nodes, inits, a.input(), a.qkv().k(), prefix + "k", null);
        String v = project(nodes, inits, a.input(), a.qkv().v(), prefix + "v", null);
        String qt = split(nodes, q, headsShape, headsPerm(a.seqAxis()), prefix + "q");
        String kt = split(nodes, k, headsShape, keysPerm(a.seqAxis()), prefix + "k");
        String vt = split(nodes, v, headsShape, headsPerm(a.seqAxis()), prefix + "v");
        nodes.add(node("MatMul", prefix + "scores_matmul", List.of(qt, kt), prefix + "scores_raw"));
        nodes.add(node("Mul", prefix + "scale_mul", List.of(prefix + "scores_raw", scale), prefix + "scores"));
        String scores = a.mask() == null ? prefix + "scores" : masked(nodes, inits, a.mask(), prefix);
        if (a.windowMask() != null) {
            scores = windowed(nodes, inits, scores, a.windowMask(), prefix + "window");
        }
        nodes.add(node("Softmax", prefix + "softmax", List.of(scores), prefix + "weights").toBuilder()
                .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT)
                        .setI(-1)).build());
        nodes.add(node("MatMul", prefix + "context_matmul", List.of(prefix + "weights", vt), prefix + "context"));
        nodes.add(transpose(prefix + "context_transpose", prefix + "context", backPerm(a.seqAxis()),
                prefix + "context_t"));
        nodes.add(node("Reshape", prefix + "merge", List.of(prefix + "context_t", mergeShape), prefix + "hidden"));
        project(nodes, inits, prefix + "hidden", a.o(), prefix + "o", a.output());
        return new Emitted(nodes, inits);
    }

    /** The scaled scores masked as the exporter masked them; returns the masked scores' name. */
    private static String masked(List<NodeProto> nodes, List<TensorProto> inits, Mask m, String prefix) {
        String value = headless(nodes, inits, m, m.tensor(), prefix + "mask");
        String condition = m.condition() == null ? null
                : headless(nodes, inits, m, m.condition(), prefix + "mask_condition");
        if (m.after() != 1) {
            inits.add(OnnxValues.newTensor(prefix + "mask_scale", OnnxValues.FLOAT, new float[] {m.after()},
                    new long[0]));
            nodes.add(node("Mul", prefix + "mask_scale_mul", List.of(value, prefix + "mask_scale"),
                    prefix + "mask_scaled"));
            value = prefix + "mask_scaled";
        }
        String scores = prefix + "scores";
        String out = prefix + "scores_masked";
        if (condition == null) {
            nodes.add(node("Add", prefix + "mask_add", List.of(scores, value), out));
        } else {
            List<String> in = m.scoresFirst() ? List.of(condition, scores, value) : List.of(condition, value, scores);
            nodes.add(node("Where", prefix + "mask_where", in, out));
        }
        return out;
    }

    /**
     * {@code scores} [windows·batch, heads, T, T] viewed as [batch, windows, heads, T, T] (the windows' count read from
     * the mask's shape, the heads' from the scores': no constant holds either), the window mask added, and viewed back.
     */
    private static String windowed(List<NodeProto> nodes, List<TensorProto> inits, String scores, String mask,
            String name) {
        inits.add(int64(name + "_lead", new long[] {-1}));
        inits.add(int64(name + "_one", new long[] {1}));
        inits.add(int64(name + "_four", new long[] {4}));
        inits.add(int64(name + "_from", new long[] {-4}));
        inits.add(int64(name + "_to", new long[] {-3}));
        nodes.add(node("Shape", name + "_scores_shape", List.of(scores), name + "_dims"));
        nodes.add(node("Slice", name + "_tail", List.of(name + "_dims", name + "_one", name + "_four"),
                name + "_heads_tt"));
        nodes.add(node("Shape", name + "_mask_shape", List.of(mask), name + "_mask_dims"));
        nodes.add(node("Slice", name + "_count", List.of(name + "_mask_dims", name + "_from", name + "_to"),
                name + "_windows"));
        nodes.add(concat(name + "_concat", List.of(name + "_lead", name + "_windows", name + "_heads_tt"),
                name + "_view_shape"));
        nodes.add(node("Reshape", name + "_view", List.of(scores, name + "_view_shape"), name + "_viewed"));
        nodes.add(node("Add", name + "_add", List.of(name + "_viewed", mask), name + "_masked"));
        nodes.add(node("Reshape", name + "_back", List.of(name + "_masked", name + "_dims"), name + "_scores"));
        return name + "_scores";
    }

    /**
     * Torch's per-head mask {@code [batch·heads, a, b]} (the same slice for each head) as {@code [batch, 1, a, b]}:
     * reshaped to {@code [-1, heads, a, b]} (a and b read from its shape) and head 0's slice taken, so it broadcasts
     * over however many heads are left. The exporter's computation goes on writing its original head count. A tensor
     * that broadcasts over the heads as it is stays as it is.
     */
    private static String headless(List<NodeProto> nodes, List<TensorProto> inits, Mask m, String mask, String name) {
        Integer heads = m.perHead().get(mask);
        if (heads == null) {
            return mask;
        }
        inits.add(int64(name + "_lead", new long[] {-1, heads}));
        inits.add(int64(name + "_one", new long[] {1}));
        inits.add(int64(name + "_zero", new long[] {0}));
        inits.add(int64(name + "_three", new long[] {3}));
        nodes.add(node("Shape", name + "_shape", List.of(mask), name + "_dims"));
        nodes.add(node("Slice", name + "_tail", List.of(name + "_dims", name + "_one", name + "_three"),
                name + "_ab"));
        nodes.add(concat(name + "_concat", List.of(name + "_lead", name + "_ab"), name + "_split_shape"));
        nodes.add(node("Reshape", name + "_split", List.of(mask, name + "_split_shape"), name + "_heads"));
        nodes.add(node("Slice", name + "_first", List.of(name + "_heads", name + "_zero", name + "_one",
                name + "_one"), name + "_headless"));
        return name + "_headless";
    }

    /**
     * What stands for a projection output the mask reads the shape of: zeros of that shape ({@code input}'s shape but
     * for its last axis, {@code columns}), so that no weight stays alive for the mask.
     */
    static List<NodeProto> standIn(String input, int columns, String output, String name, List<TensorProto> inits) {
        inits.add(int64(name + "_zero", new long[] {0}));
        inits.add(int64(name + "_last", new long[] {-1}));
        inits.add(int64(name + "_columns", new long[] {columns}));
        List<NodeProto> nodes = new ArrayList<>();
        nodes.add(node("Shape", name + "_shape", List.of(input), name + "_dims"));
        nodes.add(node("Slice", name + "_lead", List.of(name + "_dims", name + "_zero", name + "_last"),
                name + "_lead_dims"));
        nodes.add(concat(name + "_concat", List.of(name + "_lead_dims", name + "_columns"), name + "_out_dims"));
        nodes.add(node("ConstantOfShape", name + "_zeros", List.of(name + "_out_dims"), output));
        return nodes;
    }

    /** MatMul by the projection's weight and Add of its bias; returns the output's name. */
    private static String project(List<NodeProto> nodes, List<TensorProto> inits, String in, Projection p,
            String name, String output) {
        String w = name + ".weight";
        inits.add(OnnxValues.newTensor(w, OnnxValues.FLOAT, p.weight(), new long[] {p.inputs(), p.outputs()}));
        String out = output != null ? output : name;
        if (p.bias() == null) {
            nodes.add(node("MatMul", name + "_matmul", List.of(in, w), out));
            return out;
        }
        String b = name + ".bias";
        inits.add(OnnxValues.newTensor(b, OnnxValues.FLOAT, p.bias(), new long[] {p.outputs()}));
        nodes.add(node("MatMul", name + "_matmul", List.of(in, w), name + "_mm"));
        nodes.add(node("Add", name + "_bias", List.of(name + "_mm", b), out));
        return out;
    }

    private static String split(List<NodeProto> nodes, String x, String shape, long[] perm, String name) {
        nodes.add(node("Reshape", name + "_split", List.of(x, shape), name + "_heads"));
        nodes.add(transpose(name + "_transpose", name + "_heads", perm, name + "_t"));
        return name + "_t";
    }

    private static NodeProto transpose(String name, String in, long[] perm, String out) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName("perm").setType(AttributeProto.AttributeType.INTS);
        for (long p : perm) {
            a.addInts(p);
        }
        return node("Transpose", name, List.of(in), out).toBuilder().addAttribute(a).build();
    }

    /** A Concat of shape vectors (axis 0). */
    private static NodeProto concat(String name, List<String> inputs, String output) {
        return node("Concat", name, inputs, output).toBuilder().addAttribute(AttributeProto.newBuilder()
                .setName("axis").setType(AttributeProto.AttributeType.INT).setI(0)).build();
    }

    private static NodeProto node(String op, String name, List<String> inputs, String output) {
        return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(output).build();
    }

    static TensorProto int64(String name, long[] values) {
        return OnnxValues.int64Vector(name, values);
    }

    /** An INT64 tensor's values (int64_data or raw), or null for another type. */
    static long[] int64Values(TensorProto t) {
        if (t == null || t.getDataType() != TensorProto.DataType.INT64_VALUE) {
            return null;
        }
        if (t.hasRawData()) {
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            long[] v = new long[b.remaining() / 8];
            for (int i = 0; i < v.length; i++) {
                v[i] = b.getLong();
            }
            return v;
        }
        return t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
    }
}

package org.odf2nna.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.odf2nna.graph.DenseBlock.BiasSite;
import org.odf2nna.graph.DenseBlock.Kind;
import org.odf2nna.graph.DenseBlock.UnitSlot;
import org.odf2nna.onnx.NodeAttributes;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * Finds the attention blocks of a graph in the canonical form ({@link AttentionForm}; {@link AttentionRewrite} brings
 * the exporters' patterns to it). An attention block is a {@link DenseBlock} whose hidden tensor is the output
 * projection's input (the heads' outputs side by side), whose units are heads of {@code dh} adjacent channels
 * ({@link DenseBlock#unitSize()}), and whose per-unit constants are the Q, K and V projections' columns and the output
 * projection's rows: dropping a head slices them all, and the output projection is the second layer whose bias takes a
 * dropped head's mean and whose kept rows are refitted, as for a dense block.
 */
final class AttentionFinder {

    /** How attention blocks name their "activation" in reports. */
    static final String ACTIVATION = "attention";

    private AttentionFinder() {
    }

    /** A projection found in the canonical form: its MatMul, weight, optional bias Add and bias. */
    record Proj(int matmul, String input, String weight, int add, String bias, String output) {
    }

    /** The canonical attention blocks of {@code g} in graph order, numbered from {@code firstIndex}. */
    static List<DenseBlock> find(GraphView g, int firstIndex) {
        List<DenseBlock> blocks = new ArrayList<>();
        for (int i = 0; i < g.nodes.size(); i++) {
            if (g.nodes.get(i).getOpType().equals("Softmax")) {
                DenseBlock b = block(g, i, firstIndex + blocks.size());
                if (b != null) {
                    blocks.add(b);
                }
            }
        }
        return blocks;
    }

    private static DenseBlock block(GraphView g, int softmax, int index) {
        NodeProto sm = g.nodes.get(softmax);
        if (NodeAttributes.intAttribute(sm, "axis", -1) != -1) {
            return null;
        }
        List<NodeProto> window = windowed(g, sm.getInput(0));
        String masked = window.isEmpty() ? sm.getInput(0) : window.get(2).getInput(0);
        NodeProto mask = mask(g, masked);
        String scaled = mask == null ? masked : mask.getInput(scoresAt(g, mask));
        NodeProto mul = g.producer(scaled, "Mul");
        if (mul == null || Float.isNaN(g.scalar(mul.getInput(1))) || mask != null && g.consumers(scaled).size() != 1) {
            return null;
        }
        NodeProto scores = g.producer(mul.getInput(0), "MatMul");
        NodeProto context = onlyReader(g, sm.getOutput(0), "MatMul");
        if (scores == null || context == null || !context.getInput(0).equals(sm.getOutput(0))) {
            return null;
        }
        int seq = -1;
        long[][] split = new long[3][];
        Proj[] p = new Proj[3];
        String[] heads = {scores.getInput(0), scores.getInput(1), context.getInput(1)};
        long dh = -1;
        for (int k = 0; k < 3; k++) {
            NodeProto t = g.producer(heads[k], "Transpose");
            NodeProto r = t == null ? null : g.producer(t.getInput(0), "Reshape");
            long[] shape = r == null ? null : AttentionForm.int64Values(g.constant(r.getInput(1)));
            if (shape == null || shape.length != 4 || shape[0] != 0 || shape[1] != 0 || shape[2] != -1
                    || g.consumers(heads[k]).size() != 1 || g.consumers(t.getInput(0)).size() != 1) {
                return null;
            }
            dh = k == 0 ? shape[3] : dh;
            split[k] = NodeAttributes.intsAttribute(t, "perm").stream().mapToLong(Long::longValue).toArray();
            p[k] = projection(g, r.getInput(0), true);
            if (p[k] == null || shape[3] != dh) {
                return null;
            }
        }
        for (int s = 0; s < 2 && seq < 0; s++) {
            if (Arrays.equals(split[0], AttentionForm.headsPerm(s)) && Arrays.equals(split[1], AttentionForm.keysPerm(s))
                    && Arrays.equals(split[2], AttentionForm.headsPerm(s))) {
                seq = s;
            }
        }
        NodeProto back = onlyReader(g, context.getOutput(0), "Transpose");
        NodeProto merge = back == null ? null : onlyReader(g, back.getOutput(0), "Reshape");
        if (seq < 0 || merge == null || !Arrays.equals(AttentionForm.backPerm(seq),
                NodeAttributes.intsAttribute(back, "perm").stream().mapToLong(Long::longValue).toArray())
                || !Arrays.equals(new long[] {0, 0, -1}, AttentionForm.int64Values(g.constant(merge.getInput(1))))) {
            return null;
        }
        String hidden = merge.getOutput(0);
        List<Integer> readers = g.consumers(hidden);
        Proj o = readers.size() == 1 ? projection(g, hidden, false) : null;
        if (o == null || !p[0].input().equals(p[1].input()) || !p[0].input().equals(p[2].input())) {
            return null;
        }
        List<NodeProto> core = new ArrayList<>(List.of(sm, mul, scores, context, back, merge));
        core.addAll(window);
        List<String> headMasks = new ArrayList<>();
        if (mask != null) {
            core.add(mask);
            headMasks = headMasks(g, mask, g.dims(o.weight())[0] / dh);
            if (headMasks == null) {
                return null;
            }
        }
        return describe(g, new Found(index, p, o, (int) dh, hidden, core, headMasks));
    }

    /** What {@link #block} found, for {@link #describe}. */
    private record Found(int index, Proj[] qkv, Proj o, int headDim, String hidden, List<NodeProto> core,
            List<String> headMasks) {
    }

    /**
     * The mask node's constants with one slice per head on the scores' head axis (swin's relative-position bias, an
     * initializer [1, heads, tokens, tokens]): slices of the block as its heads go. Null when a constant has another
     * size there than 1 or {@code heads} (not this block).
     */
    private static List<String> headMasks(GraphView g, NodeProto mask, long heads) {
        List<String> out = new ArrayList<>();
        for (String in : mask.getInputList()) {
            long[] d = g.isConstant(in) ? g.dims(in) : new long[0];
            if (d.length < 3 || d[d.length - 3] == 1) {
                continue;
            }
            if (d.length > 4 || d[d.length - 3] != heads || !g.isInitializer(in)) {
                return null;
            }
            out.add(in);
        }
        return out;
    }

    private static DenseBlock describe(GraphView g, Found f) {
        Proj[] p = f.qkv();
        Proj o = f.o();
        long[] wo = g.dims(o.weight());
        int width = (int) wo[0];
        List<UnitSlot> slots = new ArrayList<>();
        List<String> nodes = new ArrayList<>();
        for (Proj x : p) {
            long[] d = g.dims(x.weight());
            if (d[1] != width || x.bias() != null && g.elements(x.bias()) != width) {
                return null;
            }
            slots.add(new UnitSlot(x.weight(), 1, g.elements(x.weight())));
            if (x.bias() != null) {
                slots.add(new UnitSlot(x.bias(), g.dims(x.bias()).length - 1, width));
            }
            nodes.add(GraphView.nodeName(g.nodes.get(x.matmul())));
        }
        for (String m : f.headMasks()) {
            slots.add(new UnitSlot(m, g.dims(m).length - 3, g.elements(m)));
        }
        f.core().forEach(n -> nodes.add(GraphView.nodeName(n)));
        slots.add(new UnitSlot(o.weight(), 0, g.elements(o.weight())));
        UnitSlot second = slots.get(slots.size() - 1);
        nodes.add(GraphView.nodeName(g.nodes.get(o.matmul())));
        if (o.bias() != null) {
            nodes.add(GraphView.nodeName(g.nodes.get(o.add())));
        }
        Set<String> seen = new HashSet<>();
        long parameters = o.bias() == null ? 0 : g.elements(o.bias());
        for (UnitSlot s : slots) {
            if (!g.isInitializer(s.tensor()) || g.consumers(s.tensor()).size() != 1 || !seen.add(s.tensor())) {
                return null;
            }
            parameters += s.elements();
        }
        if (o.bias() != null && (!g.isInitializer(o.bias()) || g.consumers(o.bias()).size() != 1)) {
            return null;
        }
        int heads = width / f.headDim();
        String shape = heads + (heads == 1 ? " head" : " heads") + " of " + f.headDim();
        return new DenseBlock(f.index(), Kind.MATMUL, new DenseBlock.Place(nodes.get(0),
                GraphView.nodeName(g.nodes.get(o.matmul())), nodes, f.hidden(), o.output(), residual(g, o.output())),
                new DenseBlock.Sizes((int) g.dims(p[0].weight())[0], width, (int) wo[1], parameters, f.headDim()),
                ACTIVATION, List.of(shape), new DenseBlock.Rewrites(slots, second, o.bias(), BiasSite.ADD, List.of()),
                null);
    }

    /**
     * The canonical form's mask node before the Softmax ({@link AttentionForm#emit}): an Add to the scaled scores, or a
     * Where choosing them or a fill; null when the Softmax reads no such node.
     */
    private static NodeProto mask(GraphView g, String softmaxInput) {
        int p = g.producer(softmaxInput);
        NodeProto n = p < 0 ? null : g.nodes.get(p);
        boolean add = n != null && n.getOpType().equals("Add") && n.getInputCount() == 2;
        boolean where = n != null && n.getOpType().equals("Where") && n.getInputCount() == 3;
        if (!(add || where) || scoresAt(g, n) < 0) {
            return null;
        }
        return n;
    }

    /**
     * The canonical form's window mask ({@link AttentionForm#emit}): the Softmax's input a Reshape, to the shape of the
     * masked scores, of an Add of the window mask to a Reshape of those scores. {back, add, view, the Shape node}, or
     * empty where the Softmax reads no such pair.
     */
    private static List<NodeProto> windowed(GraphView g, String softmaxInput) {
        NodeProto back = g.producer(softmaxInput, "Reshape");
        NodeProto add = back == null ? null : g.producer(back.getInput(0), "Add");
        NodeProto view = add == null ? null : g.producer(add.getInput(0), "Reshape");
        NodeProto dims = back == null ? null : g.producer(back.getInput(1), "Shape");
        if (view == null || dims == null || !dims.getInput(0).equals(view.getInput(0))
                || g.consumers(back.getInput(0)).size() != 1 || g.consumers(add.getInput(0)).size() != 1) {
            return List.of();
        }
        return List.of(back, add, view, dims);
    }

    /** Which input of a mask node the scaled scores are (a Mul by a scalar of a MatMul's output), or -1. */
    private static int scoresAt(GraphView g, NodeProto mask) {
        for (int k = mask.getOpType().equals("Add") ? 0 : 1; k < mask.getInputCount(); k++) {
            NodeProto mul = g.producer(mask.getInput(k), "Mul");
            if (mul != null && !Float.isNaN(g.scalar(mul.getInput(1)))
                    && g.producer(mul.getInput(0), "MatMul") != null) {
                return k;
            }
        }
        return -1;
    }

    /** The MatMul by a constant [in, out] weight reading {@code x} (its only reader), with its bias Add if any. */
    static Proj projection(GraphView g, String x, boolean backwards) {
        int mm;
        String out;
        if (backwards) {
            // x is the projection's output: after the bias Add, or the MatMul's own.
            NodeProto add = g.producer(x, "Add");
            if (add != null && g.isConstant(add.getInput(1))) {
                NodeProto m = g.producer(add.getInput(0), "MatMul");
                if (m == null || g.consumers(add.getInput(0)).size() != 1) {
                    return null;
                }
                return proj(g, g.producer(add.getInput(0)), g.producer(x), add.getInput(1), x);
            }
            mm = g.producer(x, "MatMul") == null ? -1 : g.producer(x);
            return mm < 0 ? null : proj(g, mm, -1, null, x);
        }
        List<Integer> readers = g.consumers(x);
        mm = readers.get(0);
        if (!g.nodes.get(mm).getOpType().equals("MatMul") || !g.nodes.get(mm).getInput(0).equals(x)) {
            return null;
        }
        out = g.nodes.get(mm).getOutput(0);
        List<Integer> next = g.consumers(out);
        if (next.size() == 1 && !g.isGraphOutput(out)) {
            NodeProto add = g.nodes.get(next.get(0));
            if (add.getOpType().equals("Add") && add.getInput(0).equals(out) && g.isConstant(add.getInput(1))) {
                return proj(g, mm, next.get(0), add.getInput(1), add.getOutput(0));
            }
        }
        return proj(g, mm, -1, null, out);
    }

    private static Proj proj(GraphView g, int mm, int add, String bias, String output) {
        NodeProto m = g.nodes.get(mm);
        String w = m.getInput(1);
        if (!g.isConstant(w) || g.dims(w).length != 2) {
            return null;
        }
        return new Proj(mm, m.getInput(0), w, add, bias, output);
    }

    private static NodeProto onlyReader(GraphView g, String tensor, String op) {
        List<Integer> readers = g.consumers(tensor);
        if (readers.size() != 1 || g.isGraphOutput(tensor)) {
            return null;
        }
        NodeProto n = g.nodes.get(readers.get(0));
        return n.getOpType().equals(op) ? n : null;
    }

    /** The other input of the Add that alone reads {@code output}, when it is a tensor (a residual), else null. */
    static String residual(GraphView g, String output) {
        NodeProto add = onlyReader(g, output, "Add");
        if (add == null || add.getInputCount() != 2) {
            return null;
        }
        String other = add.getInput(0).equals(output) ? add.getInput(1) : add.getInput(0);
        return g.constant(other) == null && !other.equals(output) ? other : null;
    }
}

package org.odf2nna.graph;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.odf2nna.graph.DenseBlock.BiasSite;
import org.odf2nna.graph.DenseBlock.Kind;
import org.odf2nna.graph.DenseBlock.UnitSlot;
import org.odf2nna.onnx.NodeAttributes;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * Attention blocks in ONNX Runtime's fused operators, as its transformer optimizer writes them (domain
 * {@code com.microsoft}): {@code Attention} (one packed Q|K|V weight [in, 3H] and bias [3H] inside the node) and
 * {@code MultiHeadAttention} (Q, K and V projected by MatMuls before it, an optional packed bias [3H]). Both output
 * the heads side by side, read by the output projection: the block's hidden tensor, whose units are heads of
 * {@code H / num_heads} adjacent channels, as for the canonical form ({@link AttentionFinder}). Dropping a head slices
 * each of the packed constants' three segments (see {@link BlockPruner}) and lowers the node's {@code num_heads}; the
 * scale stays 1/√dh, dh unchanged. A node with past state, a present output, a packed-QKV query or unequal
 * {@code qkv_hidden_sizes} is left alone.
 */
final class ContribAttention {

    /** ONNX Runtime's operator domain. */
    static final String DOMAIN = "com.microsoft";

    private ContribAttention() {
    }

    /** The fused attention blocks of {@code g} in graph order, numbered from {@code firstIndex}. */
    static List<DenseBlock> find(GraphView g, int firstIndex) {
        List<DenseBlock> blocks = new ArrayList<>();
        for (int i = 0; i < g.nodes.size(); i++) {
            NodeProto n = g.nodes.get(i);
            if (!n.getDomain().equals(DOMAIN) || !stateless(n)) {
                continue;
            }
            Found f = switch (n.getOpType()) {
                case "Attention" -> packed(g, i);
                case "MultiHeadAttention" -> projected(g, i);
                default -> null;
            };
            DenseBlock b = f == null ? null : block(g, n, f, firstIndex + blocks.size());
            if (b != null) {
                blocks.add(b);
            }
        }
        return blocks;
    }

    /** What one node's block holds: its per-head constants before the output projection, and its width. */
    private record Found(List<UnitSlot> slots, List<String> nodes, int inputs, int width) {
    }

    /** No past state in, no present state out: what a head is is then the node's alone. */
    private static boolean stateless(NodeProto n) {
        int firstPast = n.getOpType().equals("Attention") ? 4 : 6;
        for (int k = firstPast; k < n.getInputCount(); k++) {
            if (!n.getInput(k).isEmpty()) {
                return false;
            }
        }
        for (int k = 1; k < n.getOutputCount(); k++) {
            if (!n.getOutput(k).isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /** {@code Attention}: input, weight [in, 3H], bias [3H]. */
    private static Found packed(GraphView g, int i) {
        NodeProto n = g.nodes.get(i);
        List<Long> sizes = NodeAttributes.intsAttribute(n, "qkv_hidden_sizes");
        if (n.getInputCount() < 2 || !g.isConstant(n.getInput(1)) || g.dims(n.getInput(1)).length != 2
                || sizes.stream().distinct().count() > 1) {
            return null;
        }
        long[] d = g.dims(n.getInput(1));
        if (d[1] % 3 != 0) {
            return null;
        }
        int width = (int) (d[1] / 3);
        List<UnitSlot> slots = new ArrayList<>();
        slots.add(new UnitSlot(n.getInput(1), 1, g.elements(n.getInput(1))));
        if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
            if (!g.isConstant(n.getInput(2)) || g.elements(n.getInput(2)) != 3L * width) {
                return null;
            }
            slots.add(new UnitSlot(n.getInput(2), 0, 3L * width));
        }
        return new Found(slots, List.of(GraphView.nodeName(n)), (int) d[0], width);
    }

    /** {@code MultiHeadAttention}: query, key and value each a MatMul by a constant [in, H], an optional bias [3H]. */
    private static Found projected(GraphView g, int i) {
        NodeProto n = g.nodes.get(i);
        if (n.getInputCount() < 3 || n.getInput(1).isEmpty() || n.getInput(2).isEmpty()) {
            return null;
        }
        List<UnitSlot> slots = new ArrayList<>();
        List<String> nodes = new ArrayList<>();
        int width = -1;
        int inputs = -1;
        for (int k = 0; k < 3; k++) {
            AttentionFinder.Proj p = g.consumers(n.getInput(k)).size() == 1
                    ? AttentionFinder.projection(g, n.getInput(k), true) : null;
            if (p == null || (width >= 0 && g.dims(p.weight())[1] != width)) {
                return null;
            }
            width = (int) g.dims(p.weight())[1];
            inputs = (int) g.dims(p.weight())[0];
            slots.add(new UnitSlot(p.weight(), 1, g.elements(p.weight())));
            if (p.bias() != null) {
                if (g.elements(p.bias()) != width) {
                    return null;
                }
                slots.add(new UnitSlot(p.bias(), g.dims(p.bias()).length - 1, width));
                nodes.add(GraphView.nodeName(g.nodes.get(p.add())));
            }
            nodes.add(GraphView.nodeName(g.nodes.get(p.matmul())));
        }
        if (n.getInputCount() > 3 && !n.getInput(3).isEmpty()) {
            if (!g.isConstant(n.getInput(3)) || g.elements(n.getInput(3)) != 3L * width) {
                return null;
            }
            slots.add(new UnitSlot(n.getInput(3), 0, 3L * width));
        }
        nodes.add(GraphView.nodeName(n));
        return new Found(slots, nodes, inputs, width);
    }

    /** The block of one fused node, its output read by an output projection alone; null when it is not one. */
    private static DenseBlock block(GraphView g, NodeProto n, Found f, int index) {
        long heads = NodeAttributes.intAttribute(n, "num_heads", 0);
        String hidden = n.getOutput(0);
        if (heads < 1 || f.width() % heads != 0 || g.consumers(hidden).size() != 1 || g.isGraphOutput(hidden)) {
            return null;
        }
        AttentionFinder.Proj o = AttentionFinder.projection(g, hidden, false);
        if (o == null || g.dims(o.weight())[0] != f.width()) {
            return null;
        }
        List<UnitSlot> slots = new ArrayList<>(f.slots());
        slots.add(new UnitSlot(o.weight(), 0, g.elements(o.weight())));
        Set<String> seen = new HashSet<>();
        long parameters = 0;
        for (UnitSlot s : slots) {
            if (!g.isInitializer(s.tensor()) || g.consumers(s.tensor()).size() != 1 || !seen.add(s.tensor())) {
                return null;
            }
            parameters += s.elements();
        }
        if (o.bias() != null) {
            if (!g.isInitializer(o.bias()) || g.consumers(o.bias()).size() != 1) {
                return null;
            }
            parameters += g.elements(o.bias());
        }
        List<String> nodes = new ArrayList<>(f.nodes());
        nodes.add(GraphView.nodeName(g.nodes.get(o.matmul())));
        int dh = (int) (f.width() / heads);
        String shape = heads + (heads == 1 ? " head" : " heads") + " of " + dh + " (" + DOMAIN + "." + n.getOpType()
                + ")";
        return new DenseBlock(index, Kind.MATMUL, new DenseBlock.Place(nodes.get(0),
                GraphView.nodeName(g.nodes.get(o.matmul())), nodes, hidden, o.output(),
                AttentionFinder.residual(g, o.output())),
                new DenseBlock.Sizes(f.inputs(), f.width(), (int) g.dims(o.weight())[1], parameters, dh),
                AttentionFinder.ACTIVATION, List.of(shape), new DenseBlock.Rewrites(slots, slots.get(slots.size() - 1),
                o.bias(), BiasSite.ADD, List.of(GraphView.nodeName(n))), null);
    }
}

package org.odf2nna.graph;

import static org.odf2nna.graph.BlockFinder.MAX_REGION;
import static org.odf2nna.graph.BlockFinder.linear;
import static org.odf2nna.graph.BlockFinder.longs;
import static org.odf2nna.graph.BlockFinder.unitOp;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.odf2nna.graph.BlockFinder.Linear;
import org.odf2nna.graph.BlockFinder.UnitOp;
import org.odf2nna.graph.DenseBlock.BiasSite;
import org.odf2nna.graph.DenseBlock.Kind;
import org.odf2nna.graph.DenseBlock.UnitSlot;
import org.odf2nna.onnx.NodeAttributes;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * What the walk from a first layer's output gathers up to the second layer: the nodes between them (each acting
 * on every unit alone), the tensors they write, the constants with a slice per unit, and the second layer.
 * Its own room because it follows one walk node by node, where {@link BlockFinder} decides where walks start and
 * makes the blocks of what they gather.
 */
final class BlockRegion {

    final Kind kind;
    final int width;
    final TreeSet<Integer> nodes = new TreeSet<>();
    final Set<String> tensors = new LinkedHashSet<>();
    final List<UnitSlot> slots = new ArrayList<>();
    final List<String> groups = new ArrayList<>();
    /** Where each walked tensor holds its units: the channel axis, or the last axis once pooled and flattened. */
    final java.util.Map<String, Kind> layout = new java.util.HashMap<>();
    /** Walked tensors of one value per channel ([N, C, 1, 1]): what a Flatten or Squeeze takes to [N, C]. */
    final Set<String> pooled = new HashSet<>();
    int second = -1;
    String hidden;
    boolean nonlinear;
    /** Why the walk found no block: the first node it could not take, or what closed no block. */
    String why;

    private BlockRegion(GraphView g, Linear l1) {
        kind = l1.kind();
        width = l1.outputs();
        slots.add(new UnitSlot(l1.weight(), l1.outAxis(), g.elements(l1.weight())));
        if (l1.bias() != null && l1.site() != BiasSite.ADD) {
            slots.add(new UnitSlot(l1.bias(), 0, width));
        }
    }

    /** The region after layer {@code first}, or null when no second layer closes it behind a nonlinearity. */
    static BlockRegion walk(GraphView g, int first, Linear l1) {
        BlockRegion r = explore(g, first, l1);
        return r.why == null ? r : null;
    }

    /** The walk from layer {@code first}: a region, or one whose {@link #why} says what stopped it. */
    static BlockRegion explore(GraphView g, int first, Linear l1) {
        BlockRegion r = new BlockRegion(g, l1);
        String start = g.nodes.get(first).getOutput(0);
        r.tensors.add(start);
        r.layout.put(start, l1.kind());
        Deque<String> queue = new ArrayDeque<>();
        queue.add(start);
        while (!queue.isEmpty() && r.why == null) {
            String x = queue.poll();
            if (g.isGraphOutput(x)) {
                r.why = "'" + x + "', on the way, is a graph output";
                return r;
            }
            for (int c : g.consumers(x)) {
                if (!r.nodes.contains(c) && c != r.second && !r.take(g, c, x, queue)) {
                    if (r.why == null) {
                        NodeProto n = g.nodes.get(c);
                        r.why = "its units reach " + n.getOpType() + " '" + GraphView.nodeName(n) + "', which "
                                + (linear(g, c) != null ? "is a second layer of a block already met, or reads "
                                + "them as other than its inputs" : "does not act on each unit alone");
                    }
                    return r;
                }
            }
        }
        if (r.why == null && r.second < 0) {
            r.why = "no second layer (a MatMul, Gemm or group-1 Conv) reads its units";
        } else if (r.why == null && !r.nonlinear) {
            r.why = "nothing nonlinear lies between it and the second layer";
        }
        return r;
    }

    /**
     * Node {@code c}, which reads {@code x}: the second layer, or a per-unit node whose output is walked next.
     * False when it is neither (or a second candidate for the second layer): no block.
     */
    private boolean take(GraphView g, int c, String x, Deque<String> queue) {
        NodeProto n = g.nodes.get(c);
        Kind at = layout.get(x);
        Linear l2 = linear(g, c);
        if (l2 != null && l2.kind() == at && n.getInput(0).equals(x) && l2.inputs() == width
                && !nodes.isEmpty()) {
            if (second >= 0) {
                why = "two layers read its units ('" + GraphView.nodeName(g.nodes.get(second)) + "' and '"
                        + GraphView.nodeName(n) + "')";
                return false;
            }
            second = c;
            hidden = x;
            return true;
        }
        for (String in : n.getInputList()) {
            if (layout.containsKey(in) && layout.get(in) != at) {
                return false; // a unit's value pooled and not at once: no per-unit operation
            }
        }
        UnitOp op = unitOp(g, n, width, at);
        Kind next = at;
        if (op == null) {
            next = reshaped(g, n, x, at);
            op = next == null ? null : new UnitOp(List.of(), n.getOpType().contains("Max"), null,
                    n.getOpType());
        }
        if (op == null || nodes.size() >= MAX_REGION) {
            return false;
        }
        nodes.add(c);
        slots.addAll(op.slots());
        nonlinear |= op.nonlinear();
        if (op.group() != null) {
            groups.add(op.group());
        }
        for (int k = 0; k < n.getOutputCount(); k++) {
            String out = n.getOutput(k);
            if (out.isEmpty()) {
                continue;
            }
            if (k > 0) {
                if (!g.consumers(out).isEmpty() || g.isGraphOutput(out)) {
                    return false;
                }
                continue;
            }
            tensors.add(out);
            layout.put(out, next);
            if (next == Kind.CONV && (pooled.contains(x) && !n.getOpType().contains("Pool")
                    || Set.of("GlobalAveragePool", "GlobalMaxPool").contains(n.getOpType())
                    || n.getOpType().equals("ReduceMean"))) {
                pooled.add(out);
            }
            queue.add(out);
        }
        return true;
    }

    /**
     * The layout after a node that acts on each channel alone by pooling or reshaping it ({@code x} in layout
     * {@code at}), or null when {@code n} is no such node. Spatial poolings keep the channel axis (MaxPool,
     * AveragePool, LpPool, GlobalAveragePool, GlobalMaxPool, ReduceMean over H and W kept); a Flatten (axis 1), a
     * Squeeze of H and W or a Reshape to [N, -1] of a pooled tensor ([N, C, 1, 1]), or a ReduceMean over H and W
     * not kept, puts the channels on the last axis, where a Gemm or MatMul reads them: torchvision's classifier
     * heads (Conv 1x1, activation, pooling, Flatten, Linear).
     */
    private Kind reshaped(GraphView g, NodeProto n, String x, Kind at) {
        String op = n.getOpType();
        if (!n.getDomain().isEmpty() || at != Kind.CONV || !n.getInput(0).equals(x)) {
            return null;
        }
        if (Set.of("MaxPool", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool").contains(op)) {
            return Kind.CONV;
        }
        if (op.equals("ReduceMean")) {
            Set<Long> axes = spatialAxes(g, n, n.getInputCount() > 1 ? n.getInput(1) : null);
            return !Set.of(2L, 3L).equals(axes) ? null
                    : NodeAttributes.intAttribute(n, "keepdims", 1) != 0 ? Kind.CONV : Kind.MATMUL;
        }
        if (!pooled.contains(x)) {
            return null;
        }
        if (op.equals("Flatten")) {
            return NodeAttributes.intAttribute(n, "axis", 1) == 1 ? Kind.MATMUL : null;
        }
        if (op.equals("Squeeze")) {
            Set<Long> axes = spatialAxes(g, n, n.getInputCount() > 1 ? n.getInput(1) : null);
            return Set.of(2L, 3L).equals(axes) ? Kind.MATMUL : null;
        }
        if (op.equals("Reshape") && n.getInputCount() == 2 && g.constant(n.getInput(1)) != null) {
            long[] shape = longs(g.constant(n.getInput(1)));
            return shape != null && shape.length == 2 && shape[1] == -1 && shape[0] != -1 ? Kind.MATMUL : null;
        }
        return null;
    }

    /** A node's axes (its input {@code input} where given, else its {@code axes} attribute), made positive for 4-D. */
    private static Set<Long> spatialAxes(GraphView g, NodeProto n, String input) {
        long[] axes = input != null && !input.isEmpty() ? longs(g.constant(input))
                : NodeAttributes.intsAttribute(n, "axes").stream().mapToLong(Long::longValue).toArray();
        Set<Long> set = new HashSet<>();
        for (long a : axes == null ? new long[0] : axes) {
            set.add(a < 0 ? a + 4 : a);
        }
        return set;
    }

    /**
     * Closed: the hidden tensor feeds the second layer alone, every other tensor only the block's own nodes, and
     * the block's nodes read only its tensors and constants.
     */
    boolean closed(GraphView g) {
        if (g.consumers(hidden).size() != 1) {
            why = "its hidden tensor '" + hidden + "' is read by " + g.consumers(hidden).size() + " nodes";
            return false;
        }
        for (String t : tensors) {
            if (t.equals(hidden)) {
                continue;
            }
            for (int c : g.consumers(t)) {
                if (!nodes.contains(c)) {
                    why = "'" + t + "', between it and the second layer, is also read by "
                            + g.nodes.get(c).getOpType() + " '" + GraphView.nodeName(g.nodes.get(c)) + "'";
                    return false;
                }
            }
        }
        for (int r : nodes) {
            for (String in : g.nodes.get(r).getInputList()) {
                if (!in.isEmpty() && !tensors.contains(in) && g.constant(in) == null) {
                    why = "node '" + GraphView.nodeName(g.nodes.get(r)) + "' between it and the second layer "
                            + "also reads '" + in + "', from outside the block";
                    return false;
                }
            }
        }
        return true;
    }
}

package org.odf2nna.onnx.cleaning;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * The tensors one layout Transpose puts into another layout, and everything that computes on them before they are
 * transposed back: grown from one Transpose (the entry) over its readers and, from each node taken in, over that
 * node's other tensor inputs, until every tensor in the region is written by an entry (a Transpose with the same
 * {@code perm}) or by an operation that does not care about the layout, and read only by such operations or by a
 * Transpose (an exit). Such an operation acts on each element alone (Relu, Clip, Sigmoid, HardSigmoid, ...), or on
 * two tensors of the region elementwise (Add, Mul, ... with broadcasting), or on a constant that can be permuted with
 * it (Mul by a [1, 1, 1, C] scale), or along axes that can be renamed (a Pad by constant pads, a ReduceMean over
 * constant axes that keeps them, or drops them and is reshaped straight back to the kept form). A reduction that
 * drops its axes and leaves the others in the order the entries' input has them (a global average pooling of NHWC
 * before a Dense head) ends the region like an exit.
 *
 * <p>Anything else met (a graph input or output, a Conv reading a region tensor, a Reshape, a constant that is not
 * FLOAT or has more axes than the region's tensors) means no region: {@link #grow} returns null and the graph stays
 * as it is.
 */
final class TransposeRegion {

    /** Operations on each element alone, one input and one output. */
    static final Set<String> UNARY = Set.of("Relu", "LeakyRelu", "Elu", "Selu", "Celu", "Sigmoid", "HardSigmoid",
            "HardSwish", "Tanh", "Softplus", "Softsign", "Gelu", "Mish", "Erf", "Exp", "Log", "Neg", "Abs", "Sqrt",
            "Reciprocal", "Floor", "Ceil", "Round", "Sign", "Identity", "Cast", "ThresholdedRelu");
    /** Elementwise operations on several inputs with broadcasting. */
    static final Set<String> ELEMENTWISE = Set.of("Add", "Sub", "Mul", "Div", "Max", "Min", "Sum", "Mean", "Pow",
            "PRelu");
    /** Reductions over axes; kept axes keep the layout. */
    static final Set<String> REDUCE = Set.of("ReduceMean", "ReduceMax", "ReduceMin", "ReduceSum");

    /** Entries' {@code perm}: a region tensor's axis k is axis {@code perm[k]} of the tensor the entry read. */
    final int[] perm;
    final List<NodeProto> entries = new ArrayList<>();
    final List<NodeProto> exits = new ArrayList<>();
    /** The operations taken in, in the order met (a Reshape after a ReduceMean that drops its axes among them). */
    final List<NodeProto> nodes = new ArrayList<>();
    /** Reductions that drop their axes and leave the rest in the order the entries' input has them: exits too. */
    final List<NodeProto> reductionExits = new ArrayList<>();
    /** Every tensor in the region's layout. */
    final Set<String> tensors = new LinkedHashSet<>();
    private final Set<NodeProto> met = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Deque<String> todo = new ArrayDeque<>();
    private final EditableGraph graph;

    private TransposeRegion(EditableGraph graph, int[] perm) {
        this.graph = graph;
        this.perm = perm;
    }

    /** The region that {@code entry} (a Transpose) starts, or null when there is none to rewrite. */
    static TransposeRegion grow(EditableGraph graph, NodeProto entry) {
        int[] perm = perm(entry);
        if (perm == null || entry.getInputCount() != 1 || entry.getOutputCount() != 1) {
            return null;
        }
        TransposeRegion region = new TransposeRegion(graph, perm);
        region.met.add(entry);
        region.entries.add(entry);
        region.add(entry.getOutput(0));
        while (!region.todo.isEmpty()) {
            if (!region.visit(region.todo.pop())) {
                return null;
            }
        }
        return region;
    }

    int rank() {
        return perm.length;
    }

    private void add(String tensor) {
        if (tensors.add(tensor)) {
            todo.push(tensor);
        }
    }

    /** Takes in what writes and what reads {@code tensor}; false when one of them cannot be. */
    private boolean visit(String tensor) {
        if (graph.pinned(tensor)) {
            return false;
        }
        NodeProto producer = graph.producer(tensor);
        if (producer == null || !EditableGraph.defaultDomain(producer)) {
            return false;
        }
        if (!met.contains(producer)) {
            if (producer.getOpType().equals("Transpose") && java.util.Arrays.equals(perm(producer), perm)
                    && producer.getInputCount() == 1) {
                met.add(producer);
                entries.add(producer);
            } else if (!takeIn(producer)) {
                return false;
            }
        }
        for (NodeProto reader : graph.consumers(tensor)) {
            if (met.contains(reader)) {
                continue;
            }
            if (!EditableGraph.defaultDomain(reader)) {
                return false;
            }
            if (reader.getOpType().equals("Transpose")) {
                int[] q = perm(reader);
                if (q == null || q.length != rank() || reader.getInputCount() != 1
                        || (identity(composed(q)) && graph.pinned(reader.getOutput(0)))) {
                    return false;
                }
                met.add(reader);
                exits.add(reader);
            } else if (!takeIn(reader)) {
                return false;
            }
        }
        return true;
    }

    /** Takes in an operation that does not care about the layout: its tensor inputs and outputs join the region. */
    private boolean takeIn(NodeProto node) {
        String op = node.getOpType();
        boolean ok;
        if (UNARY.contains(op)) {
            ok = node.getInputCount() == 1 && node.getOutputCount() == 1 && graph.constant(node.getInput(0)) == null;
        } else if (op.equals("Clip")) {
            ok = node.getOutputCount() == 1 && graph.constant(node.getInput(0)) == null
                    && node.getInputList().subList(1, node.getInputCount()).stream()
                            .allMatch(i -> i.isEmpty() || graph.constant(i) != null);
        } else if (ELEMENTWISE.contains(op)) {
            ok = elementwise(node);
        } else if (op.equals("Pad")) {
            ok = pad(node);
        } else if (REDUCE.contains(op)) {
            return reduce(node);
        } else {
            return false;
        }
        if (!ok) {
            return false;
        }
        met.add(node);
        nodes.add(node);
        for (String in : node.getInputList()) {
            if (!in.isEmpty() && graph.constant(in) == null) {
                add(in);
            }
        }
        add(node.getOutput(0));
        return true;
    }

    /** Every input a tensor (taken into the region) or a constant that permutes with it; one tensor at least. */
    private boolean elementwise(NodeProto node) {
        if (node.getOutputCount() != 1) {
            return false;
        }
        int tensorInputs = 0;
        for (String in : node.getInputList()) {
            TensorProto c = in.isEmpty() ? null : graph.constant(in);
            if (in.isEmpty()) {
                return false;
            }
            if (c == null) {
                tensorInputs++;
            } else if (size(c) != 1 && (!graph.isFloatConstant(in) || c.getDimsCount() > rank())) {
                return false;
            }
        }
        return tensorInputs > 0;
    }

    /** A Pad (opset 11 on) by constant pads of the region's rank and a constant (or no) value, no axes. */
    private boolean pad(NodeProto node) {
        if (graph.opset < 11 || node.getOutputCount() != 1 || node.getInputCount() < 2 || node.getInputCount() > 3
                || graph.constant(node.getInput(0)) != null) {
            return false;
        }
        long[] pads = int64s(graph.constant(node.getInput(1)));
        return pads != null && pads.length == 2 * rank() && (node.getInputCount() < 3 || node.getInput(2).isEmpty()
                || graph.constant(node.getInput(2)) != null);
    }

    /**
     * A reduction over constant axes that keeps them, or drops them and is read by a Reshape alone that puts them
     * back as ones (the Reshape taken in too: together they are the reduction that keeps them).
     */
    private boolean reduce(NodeProto node) {
        long[] axes = axes(graph, node);
        if (axes == null || axes.length == 0 || node.getOutputCount() != 1
                || graph.constant(node.getInput(0)) != null) {
            return false;
        }
        String out = node.getOutput(0);
        if (keepdims(node)) {
            met.add(node);
            nodes.add(node);
            add(node.getInput(0));
            add(out);
            return true;
        }
        List<NodeProto> readers = graph.consumers(out);
        if (graph.pinned(out) || readers.size() != 1 || !readers.get(0).getOpType().equals("Reshape")
                || !readers.get(0).getInput(0).equals(out) || !backToKept(node, readers.get(0), axes)) {
            if (!keepsOrder(axes)) {
                return false;
            }
            // Its output has no layout left to change: the region ends here (a global pooling before the head).
            met.add(node);
            reductionExits.add(node);
            add(node.getInput(0));
            return true;
        }
        NodeProto reshape = readers.get(0);
        met.add(node);
        met.add(reshape);
        nodes.add(node);
        nodes.add(reshape);
        add(node.getInput(0));
        add(reshape.getOutput(0));
        return true;
    }

    /** Whether the axes a reduction over {@code axes} keeps are in the same order in the entries' input layout. */
    private boolean keepsOrder(long[] axes) {
        Set<Integer> reduced = new java.util.HashSet<>();
        for (long a : axes) {
            reduced.add((int) (a < 0 ? a + rank() : a));
        }
        int last = -1;
        for (int k = 0; k < rank(); k++) {
            if (!reduced.contains(k)) {
                if (perm[k] < last) {
                    return false;
                }
                last = perm[k];
            }
        }
        return true;
    }

    /**
     * Whether {@code reshape} gives the dropped axes back as ones: its constant shape has the region's rank, 1 on
     * each reduced axis, and on the others the sizes the reduction's input has there (one may be −1), so known.
     */
    private boolean backToKept(NodeProto reduce, NodeProto reshape, long[] axes) {
        long[] shape = reshape.getInputCount() == 2 ? int64s(graph.constant(reshape.getInput(1))) : null;
        if (shape == null || shape.length != rank()) {
            return false;
        }
        Set<Integer> reduced = new java.util.HashSet<>();
        for (long a : axes) {
            reduced.add((int) (a < 0 ? a + rank() : a));
        }
        int open = 0;
        for (int k = 0; k < rank(); k++) {
            if (reduced.contains(k)) {
                if (shape[k] != 1) {
                    return false;
                }
            } else if (shape[k] == -1) {
                open++;
            } else if (shape[k] <= 0 || shape[k] != size(reduce.getInput(0), k, 0)) {
                return false;
            }
        }
        return open <= 1;
    }

    /**
     * The size of axis {@code k} of a tensor in the region's layout where it follows for sure from what writes it: a
     * Conv's output channels from its weight, kept through the operations of the region; −1 otherwise.
     */
    private long size(String tensor, int k, int depth) {
        NodeProto p = graph.producer(tensor);
        if (p == null || depth > 64) {
            return -1;
        }
        if (entries.contains(p) || (p.getOpType().equals("Transpose") && java.util.Arrays.equals(perm(p), perm))) {
            NodeProto conv = graph.producer(p.getInput(0));
            String w = conv != null && conv.getOpType().equals("Conv") && conv.getInputCount() > 1
                    ? conv.getInput(1) : null;
            TensorProto weight = w == null ? null : graph.constant(w);
            return perm[k] == 1 && weight != null && weight.getDimsCount() == rank() ? weight.getDims(0) : -1;
        }
        String op = p.getOpType();
        if (UNARY.contains(op) || op.equals("Clip")) {
            return size(p.getInput(0), k, depth + 1);
        }
        if (ELEMENTWISE.contains(op)) {
            long found = -1;
            for (String in : p.getInputList()) {
                long s = graph.constant(in) != null ? -1 : size(in, k, depth + 1);
                if (s > 1) {
                    return s;
                }
                found = Math.max(found, s);
            }
            return found == 1 && p.getInputList().stream().allMatch(i -> graph.constant(i) == null) ? 1 : -1;
        }
        return -1;
    }

    // ---- reading nodes ----

    /** The perm of a Transpose that gives one (a permutation), composed with this region's; null otherwise. */
    int[] composed(int[] q) {
        int[] r = new int[q.length];
        for (int k = 0; k < q.length; k++) {
            r[k] = perm[q[k]];
        }
        return r;
    }

    static boolean identity(int[] p) {
        for (int k = 0; k < p.length; k++) {
            if (p[k] != k) {
                return false;
            }
        }
        return true;
    }

    /** A Transpose's {@code perm} when it is written and is a permutation; null otherwise. */
    static int[] perm(NodeProto transpose) {
        for (AttributeProto a : transpose.getAttributeList()) {
            if (a.getName().equals("perm")) {
                int n = a.getIntsCount();
                int[] p = new int[n];
                boolean[] seen = new boolean[n];
                for (int k = 0; k < n; k++) {
                    long v = a.getInts(k);
                    if (v < 0 || v >= n || seen[(int) v]) {
                        return null;
                    }
                    seen[(int) v] = true;
                    p[k] = (int) v;
                }
                return n == 0 ? null : p;
            }
        }
        return null;
    }

    static boolean keepdims(NodeProto node) {
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals("keepdims")) {
                return a.getI() != 0;
            }
        }
        return true;
    }

    /** A reduction's axes, from its {@code axes} input (a constant) or attribute; null when not constant. */
    static long[] axes(EditableGraph graph, NodeProto node) {
        if (node.getInputCount() >= 2 && !node.getInput(1).isEmpty()) {
            return int64s(graph.constant(node.getInput(1)));
        }
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals("axes")) {
                return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
            }
        }
        return new long[0];
    }

    /** An INT64 constant's values (typed or raw data), or null. */
    static long[] int64s(TensorProto t) {
        if (t == null || t.getDataType() != TensorProto.DataType.INT64_VALUE
                || t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            return null;
        }
        if (t.hasRawData()) {
            java.nio.ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN);
            long[] v = new long[b.remaining() / 8];
            b.asLongBuffer().get(v);
            return v;
        }
        return t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
    }

    private static long size(TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) {
            n *= d;
        }
        return n;
    }
}

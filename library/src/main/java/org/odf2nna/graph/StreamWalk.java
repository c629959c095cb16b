package org.odf2nna.graph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.odf2nna.graph.DenseBlock.Kind;
import org.odf2nna.graph.DenseBlock.UnitSlot;
import org.odf2nna.onnx.NodeAttributes;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * One stream's walk over the graph from a residual Add's output ({@link TiedChannels}): the tensors whose channel c is
 * one unit, the convolutions that write them and the layers that read them, the per-channel constants between, and
 * the blocks the stream becomes; or why the walk failed. Its own room because it follows one stream through the
 * operators, where {@link TiedChannels} chooses where to start walks and which streams to keep.
 */
final class StreamWalk {

    /** Poolings that read each channel alone. */
    private static final Set<String> SPATIAL = Set.of("MaxPool", "AveragePool", "LpPool");

    /** Binary operations that act on each channel alone when both operands are channels of one stream. */
    private static final Set<String> BINARY = Set.of("Add", "Sub", "Mul", "Div", "Max", "Min");

    final GraphView g;
    final Set<String> tensors = new LinkedHashSet<>();
    final Set<String> pooled = new HashSet<>();
    final Set<String> flat = new HashSet<>();
    final Set<Integer> ops = new TreeSet<>();
    final Set<Integer> producers = new TreeSet<>();
    final Set<Integer> consumers = new TreeSet<>();
    final List<UnitSlot> slots = new ArrayList<>();
    final List<String> groupNodes = new ArrayList<>();
    final Deque<String> todo = new ArrayDeque<>();
    /** A Concat's branch tensors: the first channel of the stream they hold and how many ({offset, span}). */
    final java.util.Map<String, int[]> spans = new java.util.HashMap<>();
    /** The span of the tensor being walked, or null for the stream's own channels. */
    int[] current;
    /** A Concat met from one of its inputs (the stream would be its output), or -1. */
    int concatAt = -1;
    int channels = -1;
    boolean failed;
    String why;

    StreamWalk(GraphView g) {
        this.g = g;
    }

    void walk(String start) {
        join(start);
        while (!todo.isEmpty() && !failed) {
            String t = todo.pop();
            if (g.isGraphOutput(t) || g.producer(t) < 0) {
                fail("'" + t + "' is a graph " + (g.isGraphOutput(t) ? "output" : "input"));
                return;
            }
            int p = g.producer(t);
            current = spans.get(t);
            BlockFinder.Linear l = BlockFinder.linear(g, p);
            if (l != null && l.kind() == Kind.CONV) {
                producer(p, l);
            } else {
                pass(p);
            }
            for (int c : g.consumers(t)) {
                current = spans.get(t);
                BlockFinder.Linear r = BlockFinder.linear(g, c);
                if (r != null && g.nodes.get(c).getInput(0).equals(t)
                        && (r.kind() == Kind.CONV || flat.contains(t))) {
                    if (current != null) {
                        fail("layer '" + GraphView.nodeName(g.nodes.get(c)) + "' reads one branch of a Concat");
                    }
                    consumer(c, r);
                } else {
                    pass(c);
                }
            }
        }
        // The first block slices the producers before the others fold: it must not be a producer itself.
        if (!failed && producers.containsAll(consumers)) {
            fail("every layer that reads it also writes it");
        }
        if (!failed) {
            ownConstants();
        }
    }

    /**
     * Whether every constant the stream slices is read by its own nodes alone: a bias an exporter shares between
     * layers (torch writes one initializer for equal ones) cannot lose a channel for one of them.
     */
    private void ownConstants() {
        Set<Integer> mine = union();
        List<String> sliced = new ArrayList<>();
        slots.forEach(s -> sliced.add(s.tensor()));
        for (int c : consumers) {
            BlockFinder.Linear l = BlockFinder.linear(g, c);
            sliced.add(l.weight());
            if (l.bias() != null) {
                sliced.add(l.bias());
                mine.add(l.biasNode());
            }
        }
        for (String t : sliced) {
            if (!g.isInitializer(t) || !mine.containsAll(g.consumers(t))) {
                fail("constant '" + t + "' is " + (g.isInitializer(t) ? "shared with a layer outside it"
                        : "not an initializer"));
                return;
            }
        }
    }

    /** Stops the walk, saying why (the first reason is kept). */
    private void fail(String reason) {
        if (!failed) {
            why = reason;
        }
        failed = true;
    }

    private void join(String t) {
        if (tensors.add(t)) {
            if (current != null) {
                spans.put(t, current);
            }
            todo.push(t);
        } else if (!java.util.Arrays.equals(spans.get(t), current)) {
            fail("'" + t + "' holds its channels at two places of it (a Concat reads it twice)");
        }
    }

    private void width(long c) {
        if (current != null) {
            if (c != current[1]) {
                fail("a Concat's branch of " + current[1] + " channels is read as " + c);
            }
            return;
        }
        if (channels < 0) {
            channels = (int) c;
        } else if (channels != c) {
            fail("its layers disagree on its channels (" + channels + " and " + c + ")");
        }
    }

    private void producer(int i, BlockFinder.Linear l) {
        if (producers.add(i)) {
            width(l.outputs());
            slots.add(slot(l.weight(), l.outAxis(), g.elements(l.weight())));
            if (l.bias() != null) {
                slots.add(slot(l.bias(), 0, g.elements(l.bias())));
            }
        }
    }

    /** A constant with a slice per channel of the tensor being walked: all the stream's, or a branch's. */
    private UnitSlot slot(String tensor, int axis, long elements) {
        return current == null ? new UnitSlot(tensor, axis, elements)
                : new UnitSlot(tensor, axis, elements, current[0], current[1]);
    }

    private void consumer(int i, BlockFinder.Linear l) {
        if (consumers.add(i)) {
            width(l.inputs());
        }
    }

    /** A node the stream passes through channel by channel; the walk fails on any other. */
    private void pass(int i) {
        if (!ops.add(i)) {
            return;
        }
        NodeProto n = g.nodes.get(i);
        String op = n.getOpType();
        if (!n.getDomain().isEmpty() || n.getOutputCount() != 1) {
            fail(unlike(n));
        } else if (BINARY.contains(op) && n.getInputCount() == 2) {
            for (String in : n.getInputList()) {
                operand(in);
            }
        } else if (BlockFinder.UNARY.contains(op)) {
            constantsFrom(n, 1);
            join(n.getInput(0));
        } else if (op.equals("BatchNormalization") && n.getInputCount() == 5) {
            for (int k = 1; k < 5; k++) {
                perChannel(n.getInput(k), 0, 1);
            }
            join(n.getInput(0));
        } else if (op.equals("Concat")) {
            concat(i, n);
            return;
        } else if (op.equals("Conv") && depthwise(n) && current == null) {
            perChannel(n.getInput(1), 0, 4);
            if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
                perChannel(n.getInput(2), 0, 1);
            }
            groupNodes.add(GraphView.nodeName(n));
            join(n.getInput(0));
        } else if (SPATIAL.contains(op)) {
            join(n.getInput(0));
        } else if (op.equals("GlobalAveragePool") || op.equals("GlobalMaxPool")) {
            pooled.add(n.getOutput(0));
            join(n.getInput(0));
        } else if (op.equals("ReduceMean")) {
            reduceMean(n);
        } else if (op.equals("Flatten") && pooled.contains(n.getInput(0))
                && NodeAttributes.intAttribute(n, "axis", 1) == 1) {
            flat.add(n.getOutput(0));
            join(n.getInput(0));
        } else {
            fail(unlike(n));
        }
        if (!failed) {
            join(n.getOutput(0));
        }
    }

    /**
     * A Concat of channels whose output is the stream: each input is a branch holding the channels from the sum of
     * the ones before it on, its producers' filters and constants cut by that part of the stream's mask. Met from
     * an input first, the walk stops ({@link #concatAt}): it is tried again from the Concat's output.
     */
    private void concat(int i, NodeProto n) {
        long axis = NodeAttributes.intAttribute(n, "axis", 0);
        String out = n.getOutput(0);
        if (axis != 1 && axis != -3) {
            fail(unlike(n));
            return;
        }
        if (!tensors.contains(out) || spans.containsKey(out)) {
            concatAt = i;
            fail("node '" + GraphView.nodeName(n) + "' (Concat) joins its channels to others again (one "
                    + "tensor at several places of nested Concats, as DenseNet's layers read them): left whole");
            return;
        }
        int offset = 0;
        for (String in : n.getInputList()) {
            int c = channelsOf(in, 0);
            if (g.constant(in) != null || c < 1) {
                fail("node '" + GraphView.nodeName(n) + "' (Concat): how many channels '" + in + "' holds is "
                        + "not known from the layer that writes it");
                return;
            }
            current = new int[] {offset, c};
            join(in);
            offset += c;
        }
        current = null;
        width(offset);
    }

    /** The channels of {@code t}, from the convolution that writes it through per-channel operations, or -1. */
    private int channelsOf(String t, int depth) {
        int p = g.producer(t);
        if (p < 0 || depth > BlockFinder.MAX_REGION) {
            return -1;
        }
        NodeProto n = g.nodes.get(p);
        BlockFinder.Linear l = BlockFinder.linear(g, p);
        if (l != null) {
            return l.kind() == Kind.CONV ? l.outputs() : -1;
        }
        String op = n.getOpType();
        if (op.equals("Concat")) {
            int sum = 0;
            for (String in : n.getInputList()) {
                int c = channelsOf(in, depth + 1);
                if (c < 1) {
                    return -1;
                }
                sum += c;
            }
            return sum;
        }
        if (op.equals("Conv") && depthwise(n)) {
            return (int) g.dims(n.getInput(1))[0];
        }
        if (BlockFinder.UNARY.contains(op) || SPATIAL.contains(op) || op.equals("BatchNormalization")
                || BINARY.contains(op)) {
            for (String in : n.getInputList()) {
                if (!in.isEmpty() && g.constant(in) == null) {
                    return channelsOf(in, depth + 1);
                }
            }
        }
        return -1;
    }

    private String unlike(NodeProto n) {
        String node = "node '" + GraphView.nodeName(n) + "' (" + n.getOpType() + ")";
        if (n.getOpType().equals("Shape")) {
            return node + " reads the shape for a reshape of the channels (a channel shuffle): they are left whole";
        }
        if (Set.of("Reshape", "Transpose").contains(n.getOpType())) {
            return node + " reorders or regroups the channels (a channel shuffle, or a reshape): they are left whole";
        }
        if (Set.of("Split", "Slice", "Gather").contains(n.getOpType())) {
            return node + " splits the channels: they are left whole";
        }
        if (Set.of("Conv", "Gemm", "MatMul").contains(n.getOpType())) {
            // A layer the walk could not cut at: its weight or bias is not a constant of its own (torch shares
            // equal biases through Identity), its groups are neither 1 nor depthwise, or it reads another axis.
            return node + " is a layer whose weight and bias are not constants of its own, or that reads the "
                    + "channels as other than its inputs";
        }
        return node + " does not act on each channel alone";
    }

    /** A Conv whose every channel reads only itself: group = channels, weight [C, 1, kh, kw]. */
    private boolean depthwise(NodeProto n) {
        if (n.getInputCount() < 2 || !g.isConstant(n.getInput(1))) {
            return false;
        }
        long[] d = g.dims(n.getInput(1));
        return d.length == 4 && d[1] == 1 && NodeAttributes.intAttribute(n, "group", 1) == d[0];
    }

    /** A spatial mean of NCHW (axes 2 and 3, never the channel axis): pooled, or flat without the kept axes. */
    private void reduceMean(NodeProto n) {
        long[] axes = n.getInputCount() > 1 ? BlockFinder.longs(g.constant(n.getInput(1)))
                : NodeAttributes.intsAttribute(n, "axes").stream().mapToLong(Long::longValue).toArray();
        Set<Long> set = new HashSet<>();
        for (long a : axes == null ? new long[0] : axes) {
            set.add(a < 0 ? a + 4 : a);
        }
        if (!set.equals(Set.of(2L, 3L))) {
            fail(unlike(n));
            return;
        }
        (NodeAttributes.intAttribute(n, "keepdims", 1) != 0 ? pooled : flat).add(n.getOutput(0));
        join(n.getInput(0));
    }

    private void operand(String in) {
        if (g.constant(in) == null) {
            join(in);
        } else if (g.elements(in) != 1) {
            long[] d = g.dims(in);
            // [C, 1, 1] or [1, C, 1, 1] against NCHW.
            int axis = d.length == 3 && d[1] == 1 && d[2] == 1 ? 0
                    : d.length == 4 && d[0] == 1 && d[2] == 1 && d[3] == 1 ? 1 : -1;
            if (axis < 0) {
                fail("constant '" + in + "' is not one value per channel");
                return;
            }
            perChannel(in, axis, d.length);
        }
    }

    /** A constant holding one slice per channel along {@code axis}, of rank {@code rank}. */
    private void perChannel(String tensor, int axis, int rank) {
        if (!g.isConstant(tensor) || g.dims(tensor).length != rank) {
            fail("'" + tensor + "' is not one constant value per channel");
            return;
        }
        width(g.dims(tensor)[axis]);
        if (slots.stream().noneMatch(s -> s.tensor().equals(tensor))) {
            slots.add(slot(tensor, axis, g.elements(tensor)));
        }
    }

    /** A unary op's other inputs (Clip's bounds): constants with one value. */
    private void constantsFrom(NodeProto n, int first) {
        for (int k = first; k < n.getInputCount(); k++) {
            String in = n.getInput(k);
            if (!in.isEmpty() && (g.constant(in) == null || g.elements(in) != 1)) {
                fail(unlike(n));
            }
        }
    }

    /**
     * The stream's blocks: one per consumer, in graph order but a consumer that is also a producer (a gate) last,
     * the first carrying the producers.
     */
    List<DenseBlock> blocks(int firstIndex, String name, String activation) {
        List<String> nodes = new ArrayList<>();
        for (int i : new TreeSet<>(union())) {
            nodes.add(GraphView.nodeName(g.nodes.get(i)));
        }
        List<String> described = new ArrayList<>();
        described.add(producers.size() + " producer(s): " + names(producers));
        described.add(consumers.size() + " consumer(s): " + names(consumers));
        List<DenseBlock> out = new ArrayList<>();
        String first = GraphView.nodeName(g.nodes.get(producers.iterator().next()));
        List<Integer> order = new ArrayList<>(consumers);
        order.sort(java.util.Comparator.comparing(producers::contains));
        for (int c : order) {
            boolean lead = out.isEmpty();
            NodeProto n = g.nodes.get(c);
            BlockFinder.Linear l = BlockFinder.linear(g, c);
            UnitSlot own = new UnitSlot(l.weight(), l.inAxis(), g.elements(l.weight()));
            List<UnitSlot> mine = new ArrayList<>(lead ? slots : List.of());
            mine.add(own);
            long parameters = mine.stream().mapToLong(UnitSlot::elements).sum()
                    + (l.bias() == null ? 0 : g.elements(l.bias()));
            String output = l.biasNode() >= 0 && l.site() == DenseBlock.BiasSite.ADD
                    ? g.nodes.get(l.biasNode()).getOutput(0) : n.getOutput(0);
            out.add(new DenseBlock(firstIndex + out.size(), l.kind(), new DenseBlock.Place(first,
                    GraphView.nodeName(n), lead ? nodes : List.of(GraphView.nodeName(n)), n.getInput(0), output,
                    null), new DenseBlock.Sizes(producers.size(), channels, l.outputs(), parameters, 1),
                    activation, lead ? described : List.of(), new DenseBlock.Rewrites(mine, own, l.bias(),
                    l.site(), lead ? groupNodes : List.of()), name));
        }
        return out;
    }

    private Set<Integer> union() {
        Set<Integer> all = new TreeSet<>(producers);
        all.addAll(ops);
        all.addAll(consumers);
        return all;
    }

    private String names(Set<Integer> nodes) {
        return String.join(", ", nodes.stream().map(i -> GraphView.nodeName(g.nodes.get(i))).toList());
    }
}

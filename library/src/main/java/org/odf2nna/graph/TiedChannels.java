package org.odf2nna.graph;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.odf2nna.graph.DenseBlock.Kind;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * Channels tied together by residual Adds: a dependency group, as DepGraph (Torch-Pruning) builds one. A residual
 * stream is the set of tensors whose channel c is one unit: the tensors an Add of two computed tensors joins, and
 * those every operation that acts on each channel alone passes them through (activations, a per-channel scale or
 * shift, BatchNormalization, a depthwise convolution, a squeeze-excite gate's Mul, a spatial mean, and a Flatten of
 * that mean). Its <em>producers</em> are the convolutions (group 1) that write it; its <em>consumers</em> are the
 * convolutions, Gemms and MatMuls that read it. Dropping channel c removes the producers' filter c, every per-channel
 * constant's slice c and each consumer's input c; each consumer gets the channel's mean at the point where it reads
 * the stream folded into its bias, and its kept inputs refitted by least squares.
 *
 * <p>A stream is one block per consumer ({@link DenseBlock#stream()} names the stream): the first carries the
 * producers' and the stream's own constants, each carries its consumer's input slice and is measured at its
 * consumer's input; a stream block's {@code inputs} counts the stream's producers. Anything else reading or writing a stream tensor (a graph input or output, a Reshape, a
 * LayerNormalization mixing channels, a convolution of other groups) leaves the stream untied: no block.
 */
final class TiedChannels {

    /** What the blocks of a stream say they compute. */
    static final String ACTIVATION = "tied by residual Add";

    /** What the blocks of a layer whose channels several layers read say they compute. */
    static final String SHARED = "read by several layers";

    /** What the blocks of a Concat's output say they compute: their channels are its branches'. */
    static final String CONCAT = "joined by Concat";

    private TiedChannels() {
    }

    /**
     * The blocks of every residual stream of {@code g}, numbered from {@code firstIndex}; none whose tensors meet the
     * hidden tensor of one of {@code blocks}.
     */
    static List<DenseBlock> find(GraphView g, List<DenseBlock> blocks, int firstIndex) {
        return scan(g, blocks, firstIndex).blocks();
    }

    /**
     * Why each residual Add of {@code g} whose channels are not tied is left so, one line each ({@code blocks}: the
     * graph's other blocks): what {@code inspect} says under the blocks.
     */
    static List<String> untied(GraphView g, List<DenseBlock> blocks) {
        return scan(g, blocks.stream().filter(b -> !b.tied()).toList(), 1).untied();
    }

    /** The streams found, and the residual Adds whose walk failed with why. */
    private record Scan(List<DenseBlock> blocks, List<String> untied) {
    }

    private static Scan scan(GraphView g, List<DenseBlock> blocks, int firstIndex) {
        Set<String> taken = new HashSet<>();
        for (DenseBlock b : blocks) {
            taken.add(b.place().hidden());
        }
        List<DenseBlock> out = new ArrayList<>();
        List<String> untied = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        int streams = 0;
        for (int i = 0; i < g.nodes.size(); i++) {
            NodeProto n = g.nodes.get(i);
            if (!n.getOpType().equals("Add") || !n.getDomain().isEmpty() || n.getInputCount() != 2
                    || g.constant(n.getInput(0)) != null || g.constant(n.getInput(1)) != null
                    || seen.contains(n.getOutput(0)) || fromInputsAlone(g, n.getInput(0))
                    || fromInputsAlone(g, n.getInput(1))) {
                continue; // an attention mask's Add adds what the inputs alone give: no residual stream
            }
            StreamWalk w = new StreamWalk(g);
            w.walk(n.getOutput(0));
            seen.addAll(w.tensors);
            String why = w.failed ? w.why : w.producers.isEmpty() ? "no convolution writes it"
                    : w.consumers.isEmpty() ? "no layer reads it" : w.channels < 2 ? "it has one channel"
                    : w.tensors.stream().anyMatch(taken::contains) ? "another block's hidden units are in it" : null;
            if (why != null) {
                untied.add("residual Add '" + GraphView.nodeName(n) + "': its channels are not pruned together ("
                        + why + ")");
                continue;
            }
            streams++;
            out.addAll(w.blocks(firstIndex + out.size(), "stream " + streams + " (" + n.getOutput(0) + ")",
                    ACTIVATION));
        }
        for (int i = 0; i < g.nodes.size(); i++) {
            StreamWalk w = shared(g, i, taken, seen);
            if (w != null) {
                seen.addAll(w.tensors);
                streams++;
                String output = g.nodes.get(i).getOutput(0);
                out.addAll(w.blocks(firstIndex + out.size(), "stream " + streams + " (" + output + ")",
                        w.spans.isEmpty() ? SHARED : CONCAT));
            }
        }
        return new Scan(out, untied);
    }

    /**
     * Why convolution {@code i}'s channels, read through a Concat or by several layers, are in no stream: what stopped
     * the walk from its output (or from the Concat's), or null when it made one or was not tried.
     */
    static String whyNotShared(GraphView g, int i) {
        BlockFinder.Linear l = BlockFinder.linear(g, i);
        if (l == null || l.kind() != Kind.CONV) {
            return null;
        }
        StreamWalk w = new StreamWalk(g);
        w.walk(g.nodes.get(i).getOutput(0));
        if (w.failed && w.concatAt >= 0) {
            String joined = g.nodes.get(w.concatAt).getOutput(0);
            w = new StreamWalk(g);
            w.walk(joined);
        }
        return w.failed ? w.why : null;
    }

    /**
     * The walk from convolution {@code i}'s output where its channels, through operations that act on each alone, are
     * read by two layers or more, each of which can take the cut (a SqueezeNet Fire module's squeeze convolution read
     * by both expand convolutions): the layer's channels are tied across its readers as a residual stream's are. Null
     * where {@code i} is no such layer, or its tensors are another stream's or hold another block's hidden units.
     */
    private static StreamWalk shared(GraphView g, int i, Set<String> taken, Set<String> seen) {
        BlockFinder.Linear l = BlockFinder.linear(g, i);
        String output = g.nodes.get(i).getOutput(0);
        if (l == null || l.kind() != Kind.CONV || seen.contains(output) || taken.contains(output)) {
            return null;
        }
        StreamWalk w = new StreamWalk(g);
        w.walk(output);
        if (w.failed && w.concatAt >= 0) {
            // Its channels go into a Concat: the stream is the Concat's output, the layer one of its branches.
            String joined = g.nodes.get(w.concatAt).getOutput(0);
            if (seen.contains(joined) || taken.contains(joined)) {
                return null;
            }
            w = new StreamWalk(g);
            w.walk(joined);
        }
        boolean fits = !w.failed && (w.consumers.size() >= 2 || w.producers.size() >= 2) && w.channels >= 2
                && w.tensors.stream().noneMatch(t -> taken.contains(t) || seen.contains(t));
        return fits ? w : null;
    }

    /** Operators whose output carries learned weights (a Gather carries them when it reads a constant table). */
    private static final Set<String> WEIGHTED = Set.of("MatMul", "Gemm", "Conv", "ConvTranspose", "Einsum",
            "MatMulInteger", "ConvInteger", "QLinearMatMul", "QLinearConv", "Attention", "LayerNormalization",
            "BatchNormalization");

    /**
     * Whether {@code tensor} is computed from graph inputs and constants alone, through no weighted layer: what an
     * attention mask is (Unsqueeze, Cast, Sub, Mul of the mask input), where a residual's operands both carry layers.
     */
    static boolean fromInputsAlone(GraphView g, String tensor) {
        java.util.ArrayDeque<String> open = new java.util.ArrayDeque<>(List.of(tensor));
        Set<String> seen = new HashSet<>();
        while (!open.isEmpty()) {
            String t = open.pop();
            int p = g.producer(t);
            if (p < 0 || !seen.add(t)) {
                continue; // a graph input or a constant
            }
            NodeProto n = g.nodes.get(p);
            if (WEIGHTED.contains(n.getOpType()) || n.getOpType().equals("Gather") && n.getInputCount() > 0
                    && g.isConstant(n.getInput(0))) {
                return false;
            }
            n.getInputList().stream().filter(i -> !i.isEmpty()).forEach(open::push);
        }
        return true;
    }

    /** The nodes of every stream of {@code blocks}: producers, the ops between and consumers. */
    static Set<String> nodes(List<DenseBlock> blocks) {
        Set<String> nodes = new HashSet<>();
        for (DenseBlock b : blocks) {
            if (b.tied()) {
                nodes.addAll(b.place().nodes());
            }
        }
        return nodes;
    }

    /**
     * Per block, the block whose units it shares: itself, or for a stream's block the stream's first in
     * {@code blocks} (whose drop mask and scores all of them share).
     */
    static int[] owners(List<DenseBlock> blocks) {
        int[] owner = new int[blocks.size()];
        for (int b = 0; b < owner.length; b++) {
            owner[b] = b;
            DenseBlock block = blocks.get(b);
            for (int k = 0; k < b && block.tied(); k++) {
                if (block.stream().equals(blocks.get(k).stream())) {
                    owner[b] = owner[k];
                    break;
                }
            }
        }
        return owner;
    }

    /**
     * The branches of the Concat whose output {@code stream} is: {offset: span} of the stream's channels, one per
     * branch convolution ({@link DenseBlock.UnitSlot}'s offset and span); empty for a stream of one tensor.
     */
    static java.util.SortedMap<Integer, Integer> concatBranches(List<DenseBlock> blocks, String stream) {
        java.util.SortedMap<Integer, Integer> spans = new java.util.TreeMap<>();
        for (DenseBlock block : blocks) {
            if (stream != null && stream.equals(block.stream())) {
                for (DenseBlock.UnitSlot slot : block.rewrites().slots()) {
                    if (slot.span() > 0) {
                        spans.put(slot.offset(), slot.span());
                    }
                }
            }
        }
        return spans;
    }

    /** Whether block {@code b} of {@code blocks} is the first of its stream (the one that carries the producers). */
    static boolean lead(List<DenseBlock> blocks, int b) {
        String stream = blocks.get(b).stream();
        if (stream == null) {
            return false;
        }
        for (int k = 0; k < b; k++) {
            if (stream.equals(blocks.get(k).stream())) {
                return false;
            }
        }
        return true;
    }
}

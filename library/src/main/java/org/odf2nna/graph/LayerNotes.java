package org.odf2nna.graph;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.odf2nna.onnx.NodeAttributes;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * Why a layer (a MatMul, Gemm or Conv with a constant weight) is in no block, one line each, as {@code inspect} lists
 * them under the blocks: what the sweep leaves whole, and what would have to change for it to be pruned.
 */
final class LayerNotes {

    /** The most layers explained one by one (a ResNet's downsampling convolutions, a transformer's heads). */
    static final int MAX_LINES = 12;

    private static final Set<String> LAYERS = Set.of("MatMul", "Gemm", "Conv");

    private LayerNotes() {
    }

    /** A line for each layer of {@code g} that no block of {@code blocks} holds. */
    static List<String> outside(GraphView g, List<DenseBlock> blocks) {
        Set<String> held = new HashSet<>();
        for (DenseBlock b : blocks) {
            held.addAll(b.place().nodes());
            held.add(b.place().firstNode());
            held.add(b.place().secondNode());
        }
        List<String> lines = new ArrayList<>();
        int more = 0;
        for (int i = 0; i < g.nodes.size(); i++) {
            NodeProto n = g.nodes.get(i);
            if (!LAYERS.contains(n.getOpType()) || !n.getDomain().isEmpty() || n.getInputCount() < 2
                    || !g.isConstant(n.getInput(1)) || held.contains(GraphView.nodeName(n))) {
                continue;
            }
            if (lines.size() == MAX_LINES) {
                more++;
                continue;
            }
            lines.add("layer '" + GraphView.nodeName(n) + "' (" + n.getOpType() + " "
                    + java.util.Arrays.toString(g.dims(n.getInput(1))) + ") is in no block: " + why(g, i));
        }
        if (more > 0) {
            lines.add("and " + more + " more layer(s) in no block");
        }
        return lines;
    }

    /**
     * Whether {@code out} is read by exactly a SiLU's two nodes: a Sigmoid of it and a Mul of it by that Sigmoid (as
     * PyTorch exports SiLU): one activation, which a block's first layer may feed.
     */
    static boolean silu(GraphView g, String out) {
        List<Integer> readers = g.consumers(out);
        if (readers.size() != 2) {
            return false;
        }
        for (int k = 0; k < 2; k++) {
            NodeProto sigmoid = g.nodes.get(readers.get(k));
            NodeProto mul = g.nodes.get(readers.get(1 - k));
            if (sigmoid.getOpType().equals("Sigmoid") && mul.getOpType().equals("Mul")
                    && mul.getInputList().contains(out) && mul.getInputList().contains(sigmoid.getOutput(0))) {
                return true;
            }
        }
        return false;
    }

    /** Why layer {@code i} is in no block. */
    static String why(GraphView g, int i) {
        NodeProto n = g.nodes.get(i);
        BlockFinder.Linear l = BlockFinder.linear(g, i);
        if (l == null) {
            if (n.getOpType().equals("Conv") && NodeAttributes.intAttribute(n, "group", 1) != 1) {
                return "a grouped convolution (group " + NodeAttributes.intAttribute(n, "group", 1) + "): its channels "
                        + "read only their group, so they are per-unit operations inside a block, not its layers";
            }
            return "its weight or attributes are not a layer's the search reads (a 2-D MatMul or Gemm weight without "
                    + "transA, alpha or beta; a 4-D Conv filter and a bias of one value per channel)";
        }
        String out = l.bias() != null && l.biasNode() >= 0 && l.site() == DenseBlock.BiasSite.ADD
                ? g.nodes.get(l.biasNode()).getOutput(0) : n.getOutput(0);
        if (g.isGraphOutput(out)) {
            return "it writes the graph's output '" + out + "': the output layer is kept whole";
        }
        Set<String> readers = new LinkedHashSet<>();
        for (int c : g.consumers(out)) {
            NodeProto r = g.nodes.get(c);
            readers.add(r.getOpType() + " '" + GraphView.nodeName(r) + "'");
        }
        if (readers.isEmpty()) {
            return "nothing reads its output";
        }
        if (g.consumers(n.getOutput(0)).size() > 1 && !silu(g, n.getOutput(0))) {
            return "its output is read by " + g.consumers(n.getOutput(0)).size() + " nodes ("
                    + String.join(", ", readers) + "); a block's first layer feeds its activation alone";
        }
        String stop = BlockFinder.whyNot(g, i);
        if (stop != null) {
            String shared = stop.contains("Concat") || stop.startsWith("two layers") ? TiedChannels.whyNotShared(g, i)
                    : null;
            return "as a block's first layer: " + stop + (shared == null ? "" : "; as a stream: " + shared)
                    + "; nor is it a block's second layer";
        }
        return "its output goes to " + String.join(", ", readers) + " and on to a second layer, but a constant the "
                + "block would cut is not an initializer of its own (or is a graph output); nor is it a block's second "
                + "layer";
    }
}

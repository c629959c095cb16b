package org.odf2nna.onnx.cleaning;

import java.util.ArrayList;
import java.util.List;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * Takes out the layout Transposes TensorFlow graphs put around every convolution (the SavedModel route's translation,
 * tf2onnx's output: NHWC tensors, each Conv between a Transpose to NCHW and one back), where they cancel: a
 * {@link TransposeRegion} grown from one Transpose, whose tensors are computed only by operations that do not care
 * about the layout and leave it only through Transposes, is computed in the layout the entries read instead.
 *
 * <pre>
 *   Conv ─► T(0,2,3,1) ─► Add(3) ─► Clip ─► Div(6) ─► Mul ─► Pad ─► T(0,3,1,2) ─► Conv   (Mul reads T's output too)
 *   becomes
 *   Conv ─► Add(3) ─► Clip ─► Div(6) ─► Mul ─► Pad(pads permuted) ─► Conv
 * </pre>
 *
 * Every entry goes (its readers read its input); an exit whose perm undoes the entries' goes too, another one is
 * composed with them; a constant the region's operations read is permuted (after its leading ones are put in), a
 * Pad's pads and a reduction's axes renamed, and a reduction that drops its axes before a Reshape that gives them back
 * as ones keeps them instead, the Reshape gone (one that drops them before anything else ends the region, its axes
 * renamed). Needs: no tensor of the region a graph output or input, nor read by
 * anything else; an exit whose output is a graph output one that stays a Transpose. What the graph computes does not
 * change, and its inputs and outputs keep their layout.
 */
final class LayoutTransposes extends CleaningPass {

    static final String NAME = "layout-transposes";

    LayoutTransposes() {
        super(NAME);
    }

    @Override
    List<CleaningStep> apply(EditableGraph graph) {
        return rewriteEach(graph, node -> node.getOpType().equals("Transpose") && EditableGraph.defaultDomain(node),
                transpose -> {
                    TransposeRegion region = TransposeRegion.grow(graph, transpose);
                    return region == null ? null : new CleaningStep(NAME, rewrite(graph, region), null);
                });
    }

    /** Computes the region in its entries' input layout; returns the Transposes taken out, by name. */
    private static List<String> rewrite(EditableGraph graph, TransposeRegion region) {
        List<String> removed = new ArrayList<>();
        List<String> reshapes = new ArrayList<>();
        for (NodeProto met : region.nodes) {
            NodeProto node = graph.producer(met.getOutput(0));
            switch (node.getOpType()) {
                case "Pad" -> pads(graph, region, node);
                case "Reshape" -> reshapes.add(node.getOutput(0));
                default -> {
                    if (TransposeRegion.REDUCE.contains(node.getOpType())) {
                        reduce(graph, region, node, false);
                    } else {
                        constants(graph, region, node);
                    }
                }
            }
        }
        for (NodeProto met : region.reductionExits) {
            reduce(graph, region, graph.producer(met.getOutput(0)), true);
        }
        for (String out : reshapes) {
            NodeProto reshape = graph.producer(out);
            bypassOrFail(graph, reshape, reshape.getInput(0), out);
        }
        for (NodeProto met : region.exits) {
            NodeProto exit = graph.producer(met.getOutput(0));
            int[] composed = region.composed(TransposeRegion.perm(exit));
            if (TransposeRegion.identity(composed)) {
                removed.add(Nodes.display(exit));
                bypassOrFail(graph, exit, exit.getInput(0), exit.getOutput(0));
            } else {
                graph.replace(exit, withInts(exit, "perm", java.util.Arrays.stream(composed).asLongStream()
                        .toArray()));
            }
        }
        for (NodeProto met : region.entries) {
            NodeProto entry = graph.producer(met.getOutput(0));
            removed.add(Nodes.display(entry));
            bypassOrFail(graph, entry, entry.getInput(0), entry.getOutput(0));
        }
        region.tensors.forEach(graph::forgetShape);
        return removed;
    }

    private static void bypassOrFail(EditableGraph graph, NodeProto node, String in, String out) {
        if (!graph.bypass(node, in, out)) {
            throw new CleaningBug("the layout Transpose region could not take out " + Nodes.display(node));
        }
    }

    /** An elementwise operation's constants of more than one value, permuted as the region's tensors are. */
    private static void constants(EditableGraph graph, TransposeRegion region, NodeProto node) {
        NodeProto current = node;
        for (int slot = 0; slot < current.getInputCount(); slot++) {
            String in = current.getInput(slot);
            if (in.isEmpty() || !graph.isFloatConstant(in) || !TransposeRegion.ELEMENTWISE.contains(node.getOpType())) {
                continue;
            }
            float[] values = graph.floats(in);
            if (values == null) {
                throw new IllegalStateException("constant " + in + " does not read");
            }
            if (values.length == 1) {
                continue;
            }
            long[] dims = graph.dims(in);
            long[] full = new long[region.rank()];
            java.util.Arrays.fill(full, 1);
            System.arraycopy(dims, 0, full, full.length - dims.length, dims.length);
            long[] to = new long[full.length];
            for (int k = 0; k < full.length; k++) {
                to[region.perm[k]] = full[k];
            }
            current = graph.setConstantInput(current, slot, permuted(values, full, region.perm), to,
                    in + "_layout");
        }
    }

    /**
     * {@code values} of shape {@code from} (the region's layout) in the entries' input layout: the value at index i
     * goes to the index whose axis {@code perm[k]} is i's axis k.
     */
    static float[] permuted(float[] values, long[] from, int[] perm) {
        int n = from.length;
        long[] to = new long[n];
        for (int k = 0; k < n; k++) {
            to[perm[k]] = from[k];
        }
        long[] toStride = new long[n];
        long s = 1;
        for (int k = n - 1; k >= 0; k--) {
            toStride[k] = s;
            s *= to[k];
        }
        float[] out = new float[values.length];
        int[] index = new int[n];
        for (int i = 0; i < values.length; i++) {
            long at = 0;
            for (int k = 0; k < n; k++) {
                at += index[k] * toStride[perm[k]];
            }
            out[(int) at] = values[i];
            for (int k = n - 1; k >= 0; k--) {
                if (++index[k] < from[k]) {
                    break;
                }
                index[k] = 0;
            }
        }
        return out;
    }

    /** A Pad's pads, begin and end per axis, renamed. */
    private static void pads(EditableGraph graph, TransposeRegion region, NodeProto node) {
        long[] pads = TransposeRegion.int64s(graph.constant(node.getInput(1)));
        int n = region.rank();
        long[] renamed = new long[2 * n];
        for (int k = 0; k < n; k++) {
            renamed[region.perm[k]] = pads[k];
            renamed[n + region.perm[k]] = pads[n + k];
        }
        graph.setInt64Input(node, 1, renamed, node.getInput(1) + "_layout");
    }

    /**
     * A reduction's axes renamed; one that dropped them keeps them (a Reshape after it), but an exit ({@code exit})
     * still drops them.
     */
    private static void reduce(EditableGraph graph, TransposeRegion region, NodeProto node, boolean exit) {
        long[] axes = TransposeRegion.axes(graph, node);
        long[] renamed = new long[axes.length];
        for (int k = 0; k < axes.length; k++) {
            renamed[k] = region.perm[(int) (axes[k] < 0 ? axes[k] + region.rank() : axes[k])];
        }
        java.util.Arrays.sort(renamed);
        NodeProto changed = exit ? node : withInts(node, "keepdims", null);
        if (!exit && !TransposeRegion.keepdims(node)) {
            changed = changed.toBuilder().addAttribute(AttributeProto.newBuilder().setName("keepdims")
                    .setType(AttributeProto.AttributeType.INT).setI(1)).build();
        }
        if (node.getInputCount() >= 2 && !node.getInput(1).isEmpty()) {
            graph.replace(node, changed);
            graph.setInt64Input(changed, 1, renamed, node.getInput(1) + "_layout");
        } else {
            graph.replace(node, withInts(changed, "axes", renamed));
        }
    }

    /**
     * {@code node} with its INTS attribute {@code name} set to {@code values}; with null values, without the
     * attribute named (an INT one, keepdims, is dropped and set again by the caller).
     */
    private static NodeProto withInts(NodeProto node, String name, long[] values) {
        NodeProto.Builder b = node.toBuilder().clearAttribute();
        for (AttributeProto a : node.getAttributeList()) {
            if (!a.getName().equals(name)) {
                b.addAttribute(a);
            }
        }
        if (values != null) {
            AttributeProto.Builder a = AttributeProto.newBuilder().setName(name)
                    .setType(AttributeProto.AttributeType.INTS);
            for (long v : values) {
                a.addInts(v);
            }
            b.addAttribute(a);
        }
        return b.build();
    }
}

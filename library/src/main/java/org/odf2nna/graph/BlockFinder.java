package org.odf2nna.graph;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.odf2nna.graph.DenseBlock.BiasSite;
import org.odf2nna.graph.DenseBlock.Kind;
import org.odf2nna.graph.DenseBlock.UnitSlot;
import org.odf2nna.onnx.NodeAttributes;
import org.odf2nna.onnx.WeightStorage;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * Finds the dense blocks of an ONNX graph (see {@link DenseBlock}). The activation is not matched against a list of
 * patterns: everything between the two layers must act on each unit alone (elementwise operations whose other inputs
 * are scalars or per-unit constants, a depthwise convolution, BatchNormalization), read nothing from outside, and be
 * read by nothing outside, so any exporter's way of writing GELU, SiLU or HardSwish is found alike; the patterns are
 * only used to name it. Convolutions of group 1 are layers whatever their kernel, stride, padding and dilation: a
 * ResNet basic block's two 3×3 convolutions make a block whose units are the first one's output channels.
 */
public final class BlockFinder {

    /** The most nodes between two layers: beyond this the walk is not a block's activation. */
    static final int MAX_REGION = 64;

    static final Set<String> UNARY = Set.of("Relu", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish",
            "Tanh", "Erf", "Gelu", "Elu", "Selu", "Celu", "Softplus", "Softsign", "Mish", "Exp", "Log", "Abs", "Neg",
            "Sqrt", "Reciprocal", "Identity", "Dropout", "Clip", "ThresholdedRelu", "Sin", "Cos");
    private static final Set<String> LINEAR_UNARY = Set.of("Neg", "Identity", "Dropout");
    private static final Set<String> BINARY = Set.of("Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "PRelu");

    private BlockFinder() {
    }

    /**
     * The dense blocks of {@code model} in graph order; {@code file} names it in messages. Weights stored as Constant
     * nodes or read through an Identity count as weights ({@link WeightStorage}): the blocks' constants are then named
     * by the tensors the nodes read.
     */
    public static List<DenseBlock> find(ModelProto model, Path file) {
        return find(new GraphView(WeightStorage.hoist(model).model(), file));
    }

    /**
     * Whether {@code model} has blocks, its multi-head attentions counted. The attentions are rewritten in a copy and
     * checked on made-up rows ({@link AttentionRewrite}, about a second on the shared ViT) only when the graph as it
     * is has no block: the sweep rewrites them once more on its rows anyway.
     */
    public static boolean hasBlocks(ModelProto model, Path file) {
        ModelProto hoisted = WeightStorage.hoist(model).model();
        return !find(new GraphView(hoisted, file)).isEmpty()
                || !find(new GraphView(HeadUnits.canonical(hoisted, file), file)).isEmpty();
    }

    static List<DenseBlock> find(GraphView g) {
        List<DenseBlock> blocks = new ArrayList<>();
        for (int i = 0; i < g.nodes.size(); i++) {
            DenseBlock b = tryBlock(g, i, blocks.size() + 1);
            if (b != null) {
                blocks.add(b);
            }
        }
        List<DenseBlock> heads = new ArrayList<>(AttentionFinder.find(g, 1));
        heads.addAll(ContribAttention.find(g, 1));
        if (!heads.isEmpty()) {
            blocks = inGraphOrder(g, blocks, heads);
        }
        // Residual streams after the blocks whose units are their own: their channels are tied across blocks.
        blocks.addAll(TiedChannels.find(g, blocks, blocks.size() + 1));
        return blocks;
    }

    /** Attention blocks (in the canonical form) beside the dense ones, all in graph order and numbered so. */
    private static List<DenseBlock> inGraphOrder(GraphView g, List<DenseBlock> blocks, List<DenseBlock> heads) {
        java.util.Map<String, Integer> at = new java.util.HashMap<>();
        for (int i = 0; i < g.nodes.size(); i++) {
            at.put(GraphView.nodeName(g.nodes.get(i)), i);
        }
        blocks.addAll(heads);
        blocks.sort(java.util.Comparator.comparingInt(b -> at.getOrDefault(b.place().firstNode(), 0)));
        List<DenseBlock> numbered = new ArrayList<>();
        for (DenseBlock b : blocks) {
            numbered.add(b.renumbered(numbered.size() + 1));
        }
        return numbered;
    }

    /** A layer with a constant weight: its units' axis in the weight for its outputs and for its inputs. */
    record Linear(Kind kind, int inputs, int outputs, String weight, int outAxis, int inAxis, Bias attached) {

        /** The bias initializer, or null when the layer has none. */
        String bias() {
            return attached.tensor();
        }

        /** How the bias is attached, or would be added. */
        BiasSite site() {
            return attached.site();
        }

        /** The node that adds the bias (the layer itself for Gemm and Conv, the Add after a MatMul), or -1. */
        int biasNode() {
            return attached.node();
        }
    }

    /** A layer's bias: its initializer (or null), how it is attached, and the node that adds it (or -1). */
    record Bias(String tensor, BiasSite site, int node) {
    }

    static Linear linear(GraphView g, int i) {
        NodeProto n = g.nodes.get(i);
        if (!n.getDomain().isEmpty() || n.getInputCount() < 2 || n.getOutputCount() != 1) {
            return null;
        }
        String w = n.getInput(1);
        if (!g.isConstant(w)) {
            return null;
        }
        long[] d = g.dims(w);
        switch (n.getOpType()) {
            case "MatMul": {
                if (d.length != 2) {
                    return null;
                }
                String out = n.getOutput(0);
                String bias = null;
                int biasNode = -1;
                List<Integer> cons = g.consumers(out);
                if (cons.size() == 1 && !g.isGraphOutput(out)) {
                    NodeProto add = g.nodes.get(cons.get(0));
                    if (add.getOpType().equals("Add") && add.getInputCount() == 2) {
                        String other = add.getInput(0).equals(out) ? add.getInput(1) : add.getInput(0);
                        if (g.isConstant(other) && perUnitAxis(g.dims(other), (int) d[1], Kind.MATMUL) >= 0) {
                            bias = other;
                            biasNode = cons.get(0);
                        }
                    }
                }
                return new Linear(Kind.MATMUL, (int) d[0], (int) d[1], w, 1, 0, new Bias(bias, BiasSite.ADD, biasNode));
            }
            case "Gemm": {
                if (d.length != 2 || NodeAttributes.intAttribute(n, "transA", 0) != 0
                        || NodeAttributes.floatAttribute(n, "alpha", 1f) != 1f
                        || NodeAttributes.floatAttribute(n, "beta", 1f) != 1f) {
                    return null;
                }
                boolean transB = NodeAttributes.intAttribute(n, "transB", 0) != 0;
                int out = (int) (transB ? d[0] : d[1]);
                int in = (int) (transB ? d[1] : d[0]);
                String bias = null;
                if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
                    bias = n.getInput(2);
                    if (!g.isConstant(bias) || g.dims(bias).length != 1 || g.dims(bias)[0] != out) {
                        return null;
                    }
                }
                return new Linear(Kind.MATMUL, in, out, w, transB ? 0 : 1, transB ? 1 : 0,
                        new Bias(bias, BiasSite.GEMM_C, i));
            }
            case "Conv": {
                // Any kernel, stride, padding and dilation: a channel's slice is its filter (axis 0) or its taps
                // (axis 1) whatever the kernel; only group 1 keeps every output reading every input channel.
                if (d.length != 4 || NodeAttributes.intAttribute(n, "group", 1) != 1) {
                    return null;
                }
                String bias = null;
                if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
                    bias = n.getInput(2);
                    if (!g.isConstant(bias) || g.dims(bias).length != 1 || g.dims(bias)[0] != d[0]) {
                        return null;
                    }
                }
                return new Linear(Kind.CONV, (int) d[1], (int) d[0], w, 0, 1, new Bias(bias, BiasSite.CONV_B, i));
            }
            default:
                return null;
        }
    }

    /**
     * The axis of a constant's shape along which it holds one value per unit (broadcast against a hidden tensor of
     * {@code width} units of {@code kind}), or -1. A scalar is not per-unit.
     */
    static int perUnitAxis(long[] dims, int width, Kind kind) {
        if (kind == Kind.MATMUL) {
            if (dims.length == 0 || dims[dims.length - 1] != width) {
                return -1;
            }
            for (int k = 0; k < dims.length - 1; k++) {
                if (dims[k] != 1) {
                    return -1;
                }
            }
            return dims.length - 1;
        }
        // Channel axis of NC...: [C, 1, ..] (rank of the spatial part + 1) or [1, C, 1, ..].
        if (dims.length == 3 && dims[0] == width && dims[1] == 1 && dims[2] == 1) {
            return 0;
        }
        if (dims.length == 4 && dims[0] == 1 && dims[1] == width && dims[2] == 1 && dims[3] == 1) {
            return 1;
        }
        return -1;
    }

    /** What one node between the layers contributes, or null when it does not act on each unit alone. */
    record UnitOp(List<UnitSlot> slots, boolean nonlinear, String group, String describe) {
    }

    /**
     * ONNX Runtime's fused GELUs (com.microsoft): Gelu(x), FastGelu(x[, bias]), BiasGelu(x, bias), QuickGelu(x); a
     * bias input holds one value per unit.
     */
    static final Set<String> FUSED_GELU = Set.of("Gelu", "FastGelu", "BiasGelu", "QuickGelu");

    /** ONNX Runtime's contrib domain, where its transformer optimizer writes fused operators. */
    static final String CONTRIB = "com.microsoft";

    private static UnitOp fusedGelu(GraphView g, NodeProto n, int width, Kind kind) {
        List<UnitSlot> slots = new ArrayList<>();
        for (int k = 1; k < n.getInputCount(); k++) {
            String in = n.getInput(k);
            if (in.isEmpty()) {
                continue;
            }
            if (!g.isConstant(in) || kind != Kind.MATMUL || perUnitAxis(g.dims(in), width, kind) < 0) {
                return null;
            }
            slots.add(new UnitSlot(in, g.dims(in).length - 1, g.elements(in)));
        }
        return new UnitOp(slots, true, null, n.getOpType().equals("FastGelu") ? "gelu (tanh)" : "gelu");
    }

    static UnitOp unitOp(GraphView g, NodeProto n, int width, Kind kind) {
        if (n.getDomain().equals(CONTRIB) && FUSED_GELU.contains(n.getOpType()) && n.getOutputCount() == 1) {
            return fusedGelu(g, n, width, kind);
        }
        if (!n.getDomain().isEmpty()) {
            return null;
        }
        String op = n.getOpType();
        List<UnitSlot> slots = new ArrayList<>();
        if (UNARY.contains(op)) {
            for (int k = 1; k < n.getInputCount(); k++) {
                String in = n.getInput(k);
                // Clip's bounds and Dropout's ratio: constants with one value.
                if (!in.isEmpty() && g.constant(in) == null) {
                    return null;
                }
            }
            return new UnitOp(slots, !LINEAR_UNARY.contains(op), null, describe(g, n));
        }
        if (BINARY.contains(op) && n.getInputCount() == 2) {
            int constants = 0;
            for (String in : n.getInputList()) {
                if (g.isConstant(in)) {
                    constants++;
                    if (g.elements(in) != 1) {
                        int axis = perUnitAxis(g.dims(in), width, kind);
                        if (axis < 0) {
                            return null;
                        }
                        slots.add(new UnitSlot(in, axis, g.elements(in)));
                    }
                }
            }
            if (constants == 2) {
                return null;
            }
            boolean linear = constants == 1 ? Set.of("Add", "Sub", "Mul", "Div").contains(op)
                    : Set.of("Add", "Sub").contains(op);
            return new UnitOp(slots, !linear, null, describe(g, n));
        }
        if (op.equals("BatchNormalization") && kind == Kind.CONV && n.getInputCount() == 5) {
            for (int k = 1; k < 5; k++) {
                String in = n.getInput(k);
                if (!g.isConstant(in) || g.dims(in).length != 1 || g.dims(in)[0] != width) {
                    return null;
                }
                slots.add(new UnitSlot(in, 0, width));
            }
            return new UnitOp(slots, false, null, "BatchNormalization");
        }
        if (op.equals("Conv") && kind == Kind.CONV && NodeAttributes.intAttribute(n, "group", 1) == width && width > 1) {
            String w = n.getInput(1);
            if (!g.isConstant(w)) {
                return null;
            }
            long[] d = g.dims(w);
            if (d.length != 4 || d[0] != width || d[1] != 1) {
                return null;
            }
            slots.add(new UnitSlot(w, 0, g.elements(w)));
            if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
                String b = n.getInput(2);
                if (!g.isConstant(b) || g.dims(b).length != 1 || g.dims(b)[0] != width) {
                    return null;
                }
                slots.add(new UnitSlot(b, 0, width));
            }
            return new UnitOp(slots, false, GraphView.nodeName(n), "depthwise Conv " + d[2] + "x" + d[3]);
        }
        return null;
    }

    private static String describe(GraphView g, NodeProto n) {
        String op = n.getOpType();
        if (op.equals("Clip")) {
            float lo = n.getInputCount() > 1 && !n.getInput(1).isEmpty() ? g.scalar(n.getInput(1))
                    : NodeAttributes.floatAttribute(n, "min", Float.NEGATIVE_INFINITY);
            float hi = n.getInputCount() > 2 && !n.getInput(2).isEmpty() ? g.scalar(n.getInput(2))
                    : NodeAttributes.floatAttribute(n, "max", Float.POSITIVE_INFINITY);
            return lo == 0f && hi == 6f ? "relu6" : "clip[" + lo + ", " + hi + "]";
        }
        return op.toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Why layer {@code i} (a layer {@link #linear} reads) is the first layer of no block: what stopped the walk from
     * its output, or null when the walk closes a block (its constants or the block's place refused it then).
     */
    static String whyNot(GraphView g, int i) {
        Linear l1 = linear(g, i);
        BlockRegion region = BlockRegion.explore(g, i, l1);
        if (region.why == null) {
            region.closed(g);
        }
        return region.why;
    }

    private static DenseBlock tryBlock(GraphView g, int first, int index) {
        Linear l1 = linear(g, first);
        if (l1 == null) {
            return null;
        }
        BlockRegion region = BlockRegion.walk(g, first, l1);
        if (region == null || !region.closed(g)) {
            return null;
        }
        Linear l2 = skipBias(g, region.second, linear(g, region.second));
        region.slots.add(new UnitSlot(l2.weight(), l2.inAxis(), g.elements(l2.weight())));
        if (!ownsItsConstants(g, region.slots, l2)) {
            return null;
        }
        return block(g, index, first, l1, l2, region);
    }

    /** Every constant the block rewrites must belong to it alone, so that rewriting it in place touches nothing else. */
    private static boolean ownsItsConstants(GraphView g, List<UnitSlot> slots, Linear l2) {
        Set<String> seen = new HashSet<>();
        for (UnitSlot s : slots) {
            if (!g.isInitializer(s.tensor()) || g.consumers(s.tensor()).size() != 1 || !seen.add(s.tensor())
                    || g.isGraphOutput(s.tensor())) {
                return false;
            }
        }
        return l2.bias() == null || (g.isInitializer(l2.bias()) && g.consumers(l2.bias()).size() == 1);
    }

    /** The block of layers {@code l1} (node {@code first}) and {@code l2} around {@code region}, as found. */
    private static DenseBlock block(GraphView g, int index, int first, Linear l1, Linear l2, BlockRegion region) {
        NodeProto n1 = g.nodes.get(first);
        NodeProto n2 = g.nodes.get(region.second);
        List<UnitSlot> slots = region.slots;
        UnitSlot secondWeight = slots.get(slots.size() - 1);
        boolean biasAdd = l2.bias() != null && l2.site() == BiasSite.ADD;
        List<String> nodes = new ArrayList<>();
        nodes.add(GraphView.nodeName(n1));
        for (int r : region.nodes) {
            nodes.add(GraphView.nodeName(g.nodes.get(r)));
        }
        nodes.add(GraphView.nodeName(n2));
        if (biasAdd) {
            nodes.add(GraphView.nodeName(g.nodes.get(l2.biasNode())));
        }
        String activation = activationName(g, region.nodes);
        List<String> ops = new ArrayList<>();
        describeOps(g, region.nodes, ops, activation);
        long parameters = 0;
        for (UnitSlot s : slots) {
            parameters += s.elements();
        }
        if (l2.bias() != null) {
            parameters += g.elements(l2.bias());
        }
        String output = biasAdd ? g.nodes.get(l2.biasNode()).getOutput(0) : n2.getOutput(0);
        // The units' layout where the second layer reads them: a head's Gemm reads pooled channels on the last axis.
        return new DenseBlock(index, l2.kind(), new DenseBlock.Place(GraphView.nodeName(n1), GraphView.nodeName(n2),
                nodes, region.hidden, output, AttentionFinder.residual(g, output)),
                new DenseBlock.Sizes(l1.inputs(), region.width, l2.outputs(), parameters, 1), activation, ops,
                new DenseBlock.Rewrites(slots, secondWeight, l2.bias(), l2.site(), region.groups), null);
    }

    /**
     * {@code l}, or where the second layer is a MatMul without a bias whose output only a SkipLayerNormalization reads
     * (ONNX Runtime's fused residual Add and LayerNorm), with that node's bias input (its fifth, added to the sum
     * before the normalisation) as its bias: the pruning rewrites it in place.
     */
    private static Linear skipBias(GraphView g, int i, Linear l) {
        String out = g.nodes.get(i).getOutput(0);
        List<Integer> readers = g.consumers(out);
        if (l.bias() != null || l.kind() != Kind.MATMUL || readers.size() != 1 || g.isGraphOutput(out)) {
            return l;
        }
        NodeProto skip = g.nodes.get(readers.get(0));
        if (!skip.getDomain().equals(CONTRIB) || !skip.getOpType().equals("SkipLayerNormalization")
                || skip.getInputCount() < 5 || skip.getInput(4).isEmpty()) {
            return l;
        }
        String bias = skip.getInput(4);
        if (!g.isConstant(bias) || g.dims(bias).length != 1 || g.dims(bias)[0] != l.outputs()
                || !(skip.getInput(0).equals(out) || skip.getInput(1).equals(out))) {
            return l;
        }
        return new Linear(l.kind(), l.inputs(), l.outputs(), l.weight(), l.outAxis(), l.inAxis(),
                new Bias(bias, BiasSite.SKIP_LAYER_NORM, -1));
    }

    /** The activation's name: the exporters' GELU, SiLU, HardSwish and Mish patterns, else the first nonlinear op. */
    private static String activationName(GraphView g, Set<Integer> region) {
        Set<String> ops = new HashSet<>();
        boolean product = false;
        for (int r : region) {
            NodeProto n = g.nodes.get(r);
            ops.add(n.getOpType());
            if (n.getOpType().equals("Mul") && !g.isConstant(n.getInput(0)) && !g.isConstant(n.getInput(1))) {
                product = true;
            }
        }
        if (ops.contains("Erf") && product) {
            return "gelu (erf)";
        }
        if (ops.contains("FastGelu")) {
            return "gelu (tanh)";
        }
        if (ops.contains("Gelu") || ops.contains("BiasGelu") || ops.contains("QuickGelu")) {
            return "gelu";
        }
        if (ops.contains("Tanh") && ops.contains("Pow") && product) {
            return "gelu (tanh)";
        }
        if (ops.contains("HardSwish") || (ops.contains("HardSigmoid") && product)) {
            return "hardswish";
        }
        if (ops.contains("Sigmoid") && product) {
            return "silu";
        }
        if (ops.contains("Mish") || ops.contains("Softplus") && ops.contains("Tanh") && product) {
            // x * tanh(softplus(x)), as a hand-written Mish exports.
            return "mish";
        }
        for (int r : region) {
            NodeProto n = g.nodes.get(r);
            if (UNARY.contains(n.getOpType()) && !LINEAR_UNARY.contains(n.getOpType())) {
                return describe(g, n);
            }
        }
        return "elementwise";
    }

    /** The values of an integer constant (int64 or int32, raw or typed), or null. */
    static long[] longs(org.odf2nna.onnx.proto.OnnxProto.TensorProto t) {
        if (t == null) {
            return null;
        }
        if (t.getInt64DataCount() > 0) {
            return t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
        }
        if (t.getInt32DataCount() > 0) {
            return t.getInt32DataList().stream().mapToLong(Integer::longValue).toArray();
        }
        int type = t.getDataType();
        boolean wide = type == org.odf2nna.onnx.proto.OnnxProto.TensorProto.DataType.INT64_VALUE;
        if (!wide && type != org.odf2nna.onnx.proto.OnnxProto.TensorProto.DataType.INT32_VALUE) {
            return null;
        }
        java.nio.ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long[] out = new long[raw.remaining() / (wide ? 8 : 4)];
        for (int i = 0; i < out.length; i++) {
            out[i] = wide ? raw.getLong() : raw.getInt();
        }
        return out;
    }

    /** The per-unit operations other than the activation's first occurrence. */
    private static void describeOps(GraphView g, Set<Integer> region, List<String> ops, String activation) {
        boolean activationSeen = false;
        boolean pattern = activation.contains("gelu") || activation.equals("silu") || activation.equals("hardswish")
                || activation.equals("mish");
        for (int r : region) {
            NodeProto n = g.nodes.get(r);
            String op = n.getOpType();
            boolean constantOperand = n.getInputList().stream().anyMatch(in -> g.isConstant(in) && g.elements(in) > 1);
            if (n.getDomain().equals(CONTRIB)) {
                // A fused GELU: its bias input, the first layer's bias, is the per-unit constant.
                if (constantOperand) {
                    ops.add("bias in " + op);
                }
                activationSeen = true;
            } else if (op.equals("Conv")) {
                ops.add("depthwise Conv " + g.dims(n.getInput(1))[2] + "x" + g.dims(n.getInput(1))[3]);
            } else if (op.equals("BatchNormalization")) {
                ops.add("BatchNormalization");
            } else if (constantOperand) {
                ops.add(op.equals("Add") && !activationSeen ? "bias Add" : "per-unit " + op);
            } else if (!pattern && UNARY.contains(op) && !LINEAR_UNARY.contains(op)) {
                if (activationSeen) {
                    ops.add(describe(g, n));
                }
                activationSeen = true;
            } else if (pattern) {
                activationSeen = true;
            }
        }
    }
}

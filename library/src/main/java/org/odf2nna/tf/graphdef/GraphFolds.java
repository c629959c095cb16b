package org.odf2nna.tf.graphdef;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * Folds on the translated graph, so that a network reads as the same layers whichever way it was saved: Keras
 * computes an inference BatchNormalization as {@code x * c + d} after the Dense layer's MatMul and BiasAdd, which is
 * folded into that layer's weights and bias (as the {@code .keras} reader folds the layer); a convolution's BiasAdd
 * after the NHWC transpose goes into the Conv's bias; unary activations move in front of the transpose back to NHWC,
 * so that a transpose pair that cancels (NCHW → NHWC → NCHW) is removed. Each fold needs the tensors it removes to be
 * read by the next node alone.
 */
final class GraphFolds {

    private static final Set<String> UNARY = Set.of("Relu", "Sigmoid", "Tanh", "Elu", "Selu", "Softplus", "Erf",
            "LeakyRelu", "Clip", "Sqrt", "Reciprocal", "Neg", "Abs", "Exp");
    private static final long[] TO_NHWC = {0, 2, 3, 1};
    private static final long[] TO_NCHW = {0, 3, 1, 2};

    private final List<NodeProto> nodes;
    private final Map<String, TensorProto> initializers;
    private final String graphOutput;

    GraphFolds(List<NodeProto> nodes, Map<String, TensorProto> initializers, String graphOutput) {
        this.nodes = new ArrayList<>(nodes);
        this.initializers = new LinkedHashMap<>(initializers);
        this.graphOutput = graphOutput;
    }

    List<NodeProto> nodes() {
        return nodes;
    }

    Map<String, TensorProto> initializers() {
        return initializers;
    }

    void run() {
        boolean changed = true;
        while (changed) {
            changed = foldIntoLinear() || moveActivationBeforeTranspose() || cancelTransposes();
        }
        dropUnusedInitializers();
    }

    private Map<String, Integer> readers() {
        Map<String, Integer> count = new HashMap<>();
        for (NodeProto n : nodes) {
            n.getInputList().forEach(i -> count.merge(i, 1, Integer::sum));
        }
        count.merge(graphOutput, 1, Integer::sum);
        return count;
    }

    private NodeProto producer(String tensor) {
        for (NodeProto n : nodes) {
            if (n.getOutputList().contains(tensor)) {
                return n;
            }
        }
        return null;
    }

    /** The float initializer a binary node reads besides {@code data}, or null. */
    private String constantOperand(NodeProto node) {
        if (node.getInputCount() != 2) {
            return null;
        }
        for (String i : node.getInputList()) {
            TensorProto t = initializers.get(i);
            if (t != null && t.getDataType() == OnnxGraph.FLOAT) {
                return i;
            }
        }
        return null;
    }

    private static String other(NodeProto node, String input) {
        return node.getInput(0).equals(input) ? node.getInput(1) : node.getInput(0);
    }

    /**
     * {@code MatMul(x, W) [+ b]} followed by {@code * c} or {@code + d} with c, d per unit (or one value): W and b
     * take them. Also a Conv's bias from an Add after its transpose to NHWC.
     */
    private boolean foldIntoLinear() {
        Map<String, Integer> readers = readers();
        for (NodeProto op : nodes) {
            boolean mul = op.getOpType().equals("Mul");
            if (!mul && !op.getOpType().equals("Add")) {
                continue;
            }
            String c = constantOperand(op);
            if (c == null) {
                continue;
            }
            String x = other(op, c);
            NodeProto before = producer(x);
            if (before == null || readers.getOrDefault(x, 0) != 1) {
                continue;
            }
            if (before.getOpType().equals("Transpose") && Arrays.equals(perm(before), TO_NHWC)
                    && foldIntoConv(op, before, c, readers)) {
                return true;
            }
            NodeProto matMul = before;
            NodeProto bias = null;
            if (before.getOpType().equals("Add") && constantOperand(before) != null) {
                bias = before;
                String y = other(before, constantOperand(before));
                matMul = producer(y);
                if (matMul == null || readers.getOrDefault(y, 0) != 1) {
                    continue;
                }
            }
            if (!matMul.getOpType().equals("MatMul") || !initializers.containsKey(matMul.getInput(1))
                    || readers.getOrDefault(matMul.getInput(1), 0) != 1
                    || (bias != null && readers.getOrDefault(constantOperand(bias), 0) != 1)) {
                continue;
            }
            TensorProto w = initializers.get(matMul.getInput(1));
            if (w.getDimsCount() != 2) {
                continue;
            }
            int units = (int) w.getDims(1);
            float[] factor = perUnit(initializers.get(c), units);
            if (factor == null || (!mul && bias == null)) {
                continue;
            }
            float[] b = bias != null ? perUnit(initializers.get(constantOperand(bias)), units) : new float[units];
            if (b == null) {
                continue;
            }
            if (mul) {
                float[] weights = OnnxGraph.floatsOf(w);
                for (int i = 0; i < weights.length; i++) {
                    weights[i] *= factor[i % units];
                }
                put(matMul.getInput(1), weights, new long[] {w.getDims(0), units});
                for (int u = 0; u < units; u++) {
                    b[u] *= factor[u];
                }
            } else {
                for (int u = 0; u < units; u++) {
                    b[u] += factor[u];
                }
            }
            if (bias != null) {
                put(constantOperand(bias), b, new long[] {units});
            }
            // The folded node goes; what read it reads the layer's last node.
            NodeProto last = bias != null ? bias : matMul;
            replaceOutput(last, op.getOutput(0));
            nodes.remove(op);
            return true;
        }
        return false;
    }

    /**
     * {@code Conv → Transpose(NHWC) → Add(b)}: b becomes the Conv's bias; {@code → Mul(c)}: c scales each output
     * channel's kernel and bias (a BatchNormalization after a convolution).
     */
    private boolean foldIntoConv(NodeProto op, NodeProto transpose, String constant, Map<String, Integer> readers) {
        NodeProto conv = producer(transpose.getInput(0));
        boolean mul = op.getOpType().equals("Mul");
        if (conv == null || !conv.getOpType().equals("Conv") || readers.getOrDefault(conv.getOutput(0), 0) != 1
                || (!mul && readers.getOrDefault(constant, 0) != 1)) {
            return false;
        }
        TensorProto w = initializers.get(conv.getInput(1));
        if (w == null || readers.getOrDefault(conv.getInput(1), 0) != 1 || (conv.getInputCount() > 2
                && readers.getOrDefault(conv.getInput(2), 0) != 1)) {
            return false;
        }
        int channels = (int) w.getDims(0);
        float[] factor = perUnit(initializers.get(constant), channels);
        if (factor == null) {
            return false;
        }
        float[] bias = conv.getInputCount() > 2 ? OnnxGraph.floatsOf(initializers.get(conv.getInput(2)))
                : new float[channels];
        NodeProto.Builder changed = conv.toBuilder();
        if (mul) {
            float[] weights = OnnxGraph.floatsOf(w);
            int perChannel = weights.length / channels;
            for (int i = 0; i < weights.length; i++) {
                weights[i] *= factor[i / perChannel];
            }
            put(conv.getInput(1), weights, w.getDimsList().stream().mapToLong(Long::longValue).toArray());
            for (int i = 0; i < channels; i++) {
                bias[i] *= factor[i];
            }
        } else {
            for (int i = 0; i < channels; i++) {
                bias[i] += factor[i];
            }
        }
        if (conv.getInputCount() > 2) {
            put(conv.getInput(2), bias, new long[] {channels});
        } else if (!mul) {
            put(constant, bias, new long[] {channels});
            changed.addInput(constant);
        }
        nodes.set(nodes.indexOf(conv), changed.build());
        replaceOutput(nodes.get(nodes.indexOf(transpose)), op.getOutput(0));
        nodes.remove(op);
        return true;
    }

    /** {@code Transpose → Relu} becomes {@code Relu → Transpose}, so that transposes meet. */
    private boolean moveActivationBeforeTranspose() {
        Map<String, Integer> readers = readers();
        for (NodeProto op : nodes) {
            if (!UNARY.contains(op.getOpType())) {
                continue;
            }
            NodeProto transpose = producer(op.getInput(0));
            if (transpose == null || !transpose.getOpType().equals("Transpose")
                    || readers.getOrDefault(transpose.getOutput(0), 0) != 1) {
                continue;
            }
            // x → T → t → U → u   becomes   x → U → t → T → u
            String x = transpose.getInput(0);
            String t = transpose.getOutput(0);
            String u = op.getOutput(0);
            int at = nodes.indexOf(transpose);
            nodes.remove(op);
            nodes.set(at, op.toBuilder().setInput(0, x).setOutput(0, t).build());
            nodes.add(at + 1, transpose.toBuilder().setInput(0, t).setOutput(0, u).build());
            return true;
        }
        return false;
    }

    /** Two transposes in a row that undo each other go, the first's output read alone by the second. */
    private boolean cancelTransposes() {
        Map<String, Integer> readers = readers();
        for (NodeProto second : nodes) {
            if (!second.getOpType().equals("Transpose")) {
                continue;
            }
            NodeProto first = producer(second.getInput(0));
            if (first == null || !first.getOpType().equals("Transpose")
                    || readers.getOrDefault(first.getOutput(0), 0) != 1 || !undo(perm(first), perm(second))) {
                continue;
            }
            String x = first.getInput(0);
            String y = second.getOutput(0);
            if (y.equals(graphOutput)) {
                continue;
            }
            nodes.remove(first);
            nodes.remove(second);
            nodes.replaceAll(n -> OnnxGraph.renamed(n, y, x));
            return true;
        }
        return false;
    }

    private static boolean undo(long[] p, long[] q) {
        if (p.length != q.length) {
            return false;
        }
        for (int i = 0; i < p.length; i++) {
            if (p[(int) q[i]] != i) {
                return false;
            }
        }
        return true;
    }

    private static long[] perm(NodeProto transpose) {
        for (AttributeProto a : transpose.getAttributeList()) {
            if (a.getName().equals("perm")) {
                return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
            }
        }
        return new long[0];
    }

    /** The values of a per-unit constant ({@code [units]}, {@code [1, units]} or one value), or null. */
    private static float[] perUnit(TensorProto t, int units) {
        if (t == null || t.getDataType() != OnnxGraph.FLOAT) {
            return null;
        }
        float[] v = OnnxGraph.floatsOf(t);
        long size = 1;
        for (int d = 0; d < t.getDimsCount() - 1; d++) {
            size *= t.getDims(d);
        }
        if (v.length == 1) {
            float[] all = new float[units];
            Arrays.fill(all, v[0]);
            return all;
        }
        return v.length == units && size == 1 && t.getDims(t.getDimsCount() - 1) == units ? v : null;
    }

    private void put(String name, float[] values, long[] shape) {
        initializers.put(name, OnnxGraph.floatTensor(name, values, shape));
    }

    /** {@code node} writes {@code output} instead of its own output (whose one reader is being removed). */
    private void replaceOutput(NodeProto node, String output) {
        nodes.set(nodes.indexOf(node), node.toBuilder().setOutput(0, output).build());
    }

    private void dropUnusedInitializers() {
        Map<String, Integer> readers = readers();
        initializers.keySet().removeIf(name -> !readers.containsKey(name));
    }
}

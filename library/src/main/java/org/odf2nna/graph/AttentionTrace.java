package org.odf2nna.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.odf2nna.network.RowMajor;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * The structure of one multi-head attention as an exporter wrote it, found from its Softmax by meaning, not by node
 * names: the Softmax reads {@code Q·Kᵀ} (a MatMul, scaled by scalar constants), is read by one MatMul by V, and Q, K and
 * V each come, through ops that only move values (Transpose, Reshape, Slice, Split, Squeeze, Unsqueeze) and scalar
 * scales, from a projection (a MatMul or Gemm with a constant weight and an optional bias) of one input; the context
 * reaches, through ops that move values, an output projection with a constant weight. Which projection columns make
 * which head, and which output rows read them, is left to {@link AttentionRewrite} to measure.
 */
final class AttentionTrace {

    private static final Set<String> MOVES = Set.of("Transpose", "Reshape", "Squeeze", "Unsqueeze", "Slice", "Split",
            "Identity", "Flatten");

    private AttentionTrace() {
    }

    /**
     * A projection: its input, weight as [inputs, outputs] row-major, bias (or null) and output tensor.
     */
    record Source(String input, int inputs, int outputs, float[] weight, float[] bias, String output) {
    }

    /** An operand of the attention's MatMuls, traced to its projection, with the scalar it was scaled by. */
    record Operand(String tensor, Source source, float factor) {
    }

    /**
     * One exporter's attention.
     *
     * @param softmax    the Softmax node's index
     * @param scoreScale the scalars between the scores MatMul and the Softmax, multiplied
     * @param q          the scores MatMul's first operand
     * @param k          its second operand
     * @param v          the context MatMul's second operand
     * @param context    the context MatMul's output
     * @param out        the output projection (its input is the hidden tensor; its output after any bias)
     * @param outputs    the tensors after the output projection that may be the block's output: its own, then those
     *                   of the ops that only move values after it
     */
    record Traced(int softmax, float scoreScale, Operand q, Operand k, Operand v, String context, Source out,
            List<String> outputs) {
    }

    /** The attentions of {@code g} that its Softmax nodes make, where the structure holds. */
    static List<Traced> find(GraphView g) {
        List<Traced> found = new ArrayList<>();
        for (int i = 0; i < g.nodes.size(); i++) {
            if (g.nodes.get(i).getOpType().equals("Softmax")) {
                Traced t = trace(g, i);
                if (t != null) {
                    found.add(t);
                }
            }
        }
        return found;
    }

    private static Traced trace(GraphView g, int softmax) {
        NodeProto sm = g.nodes.get(softmax);
        float scale = 1;
        String t = sm.getInput(0);
        NodeProto scores = null;
        for (int step = 0; step < 4 && scores == null; step++) {
            int p = g.producer(t);
            if (p < 0) {
                return null;
            }
            NodeProto n = g.nodes.get(p);
            if (n.getOpType().equals("MatMul")) {
                scores = n;
            } else {
                float c = scalarOperand(g, n);
                if (Float.isNaN(c)) {
                    return null;
                }
                scale *= c;
                t = other(g, n);
            }
        }
        List<Integer> readers = g.consumers(sm.getOutput(0));
        if (scores == null || readers.size() != 1 || g.isGraphOutput(sm.getOutput(0))) {
            return null;
        }
        NodeProto context = g.nodes.get(readers.get(0));
        if (!context.getOpType().equals("MatMul") || !context.getInput(0).equals(sm.getOutput(0))) {
            return null;
        }
        Operand q = operand(g, scores.getInput(0));
        Operand k = operand(g, scores.getInput(1));
        Operand v = operand(g, context.getInput(1));
        if (q == null || k == null || v == null || !q.source().input().equals(k.source().input())
                || !q.source().input().equals(v.source().input())) {
            return null;
        }
        return forward(g, softmax, scale, new Operand[] {q, k, v}, context.getOutput(0));
    }

    /** From the context through the ops that move values to the output projection, and the outputs after it. */
    private static Traced forward(GraphView g, int softmax, float scale, Operand[] qkv, String context) {
        String t = context;
        for (int step = 0; step < 8; step++) {
            List<Integer> readers = g.consumers(t);
            if (readers.size() != 1 || g.isGraphOutput(t)) {
                return null;
            }
            NodeProto n = g.nodes.get(readers.get(0));
            if (!n.getInput(0).equals(t)) {
                return null;
            }
            if (MOVES.contains(n.getOpType()) && !n.getOpType().equals("Slice") && !n.getOpType().equals("Split")) {
                t = n.getOutput(0);
                continue;
            }
            Source out = layer(g, n);
            if (out == null) {
                return null;
            }
            List<String> outputs = new ArrayList<>();
            String y = out.output();
            outputs.add(y);
            for (int more = 0; more < 3; more++) {
                // Shape nodes only read the size (torch reads it to reshape back): the value goes on to one reader.
                List<Integer> next = g.consumers(y).stream()
                        .filter(c -> !g.nodes.get(c).getOpType().equals("Shape")).toList();
                if (next.size() != 1 || g.isGraphOutput(y)) {
                    break;
                }
                NodeProto m = g.nodes.get(next.get(0));
                if (!Set.of("Transpose", "Reshape", "Identity").contains(m.getOpType()) || !m.getInput(0).equals(y)) {
                    break;
                }
                y = m.getOutput(0);
                outputs.add(y);
            }
            return new Traced(softmax, scale, qkv[0], qkv[1], qkv[2], context, out, outputs);
        }
        return null;
    }

    /** From an operand back through ops that move values and scalar scales to its projection. */
    private static Operand operand(GraphView g, String tensor) {
        float factor = 1;
        String t = tensor;
        for (int step = 0; step < 16; step++) {
            int p = g.producer(t);
            if (p < 0) {
                return null;
            }
            NodeProto n = g.nodes.get(p);
            if (MOVES.contains(n.getOpType())) {
                t = n.getInput(0);
                continue;
            }
            float c = scalarOperand(g, n);
            if (!Float.isNaN(c)) {
                factor *= c;
                t = other(g, n);
                continue;
            }
            Source s = n.getOpType().equals("Add") ? biased(g, n) : layer(g, n);
            return s == null ? null : new Operand(tensor, s, factor);
        }
        return null;
    }

    /** A Mul by a scalar constant (either side) or a Div by one: the factor it applies, else NaN. */
    private static float scalarOperand(GraphView g, NodeProto n) {
        if (n.getInputCount() != 2) {
            return Float.NaN;
        }
        float a = g.scalar(n.getInput(0));
        float b = g.scalar(n.getInput(1));
        if (n.getOpType().equals("Mul")) {
            return !Float.isNaN(b) ? b : a;
        }
        return n.getOpType().equals("Div") && !Float.isNaN(b) && b != 0 ? 1 / b : Float.NaN;
    }

    /** The input of a scalar Mul or Div that is not the scalar. */
    private static String other(GraphView g, NodeProto n) {
        return Float.isNaN(g.scalar(n.getInput(1))) ? n.getInput(1) : n.getInput(0);
    }

    /** An Add of a constant bias to a projection's output: the projection, its output after that bias. */
    private static Source biased(GraphView g, NodeProto add) {
        if (add.getInputCount() != 2) {
            return null;
        }
        String x = g.isConstant(through(g, add.getInput(0))) ? add.getInput(1) : add.getInput(0);
        int p = g.producer(x);
        Source s = p < 0 ? null : layer(g, g.nodes.get(p));
        return s != null && s.output().equals(add.getOutput(0)) ? s : null;
    }

    /**
     * A MatMul by a constant [in, out] weight or a Gemm by a constant weight (alpha and beta 1), with the bias a
     * following Add of a constant adds (or the Gemm's own), as a {@link Source} whose output is after that bias.
     */
    static Source layer(GraphView g, NodeProto n) {
        if (n.getInputCount() < 2 || !g.isConstant(through(g, n.getInput(1)))
                || g.dims(through(g, n.getInput(1))).length != 2) {
            return null;
        }
        long[] d = g.dims(through(g, n.getInput(1)));
        float[] w = g.values(through(g, n.getInput(1)));
        float[] bias = null;
        if (n.getOpType().equals("Gemm")) {
            if (GraphView.intAttribute(n, "transA", 0) != 0 || GraphView.floatAttribute(n, "alpha", 1f) != 1f
                    || GraphView.floatAttribute(n, "beta", 1f) != 1f) {
                return null;
            }
            if (GraphView.intAttribute(n, "transB", 0) != 0) {
                w = RowMajor.transposed(w, (int) d[0], (int) d[1]);
                d = new long[] {d[1], d[0]};
            }
            if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
                String c = through(g, n.getInput(2));
                if (!g.isConstant(c) || g.elements(c) != d[1]) {
                    return null;
                }
                bias = g.values(c).clone();
            }
        } else if (!n.getOpType().equals("MatMul")) {
            return null;
        }
        Source s = new Source(n.getInput(0), (int) d[0], (int) d[1], w, bias, n.getOutput(0));
        List<Integer> readers = g.consumers(s.output());
        if (readers.size() == 1 && !g.isGraphOutput(s.output())) {
            NodeProto add = g.nodes.get(readers.get(0));
            if (add.getOpType().equals("Add") && add.getInputCount() == 2) {
                String c = through(g, add.getInput(0).equals(s.output()) ? add.getInput(1) : add.getInput(0));
                if (g.isConstant(c) && g.elements(c) == d[1]) {
                    float[] b = g.values(c).clone();
                    for (int i = 0; bias != null && i < b.length; i++) {
                        b[i] += bias[i];
                    }
                    return new Source(s.input(), s.inputs(), s.outputs(), w, b, add.getOutput(0));
                }
            }
        }
        return s;
    }

    /**
     * The constant a tensor is, read through Identity nodes (an exporter shares one weight between layers so); the
     * canonical form writes its own copy, so a shared weight is no obstacle here.
     */
    private static String through(GraphView g, String tensor) {
        String t = tensor;
        for (int hops = 0; hops < 8 && !g.isConstant(t); hops++) {
            int p = g.producer(t);
            if (p < 0 || !g.nodes.get(p).getOpType().equals("Identity")) {
                return t;
            }
            t = g.nodes.get(p).getInput(0);
        }
        return t;
    }
}

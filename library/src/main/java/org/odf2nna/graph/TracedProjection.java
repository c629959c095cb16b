package org.odf2nna.graph;

import java.util.List;
import org.odf2nna.network.RowMajor;
import org.odf2nna.onnx.NodeAttributes;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * A projection of an exporter's attention as {@link AttentionTrace} finds it in the graph: its input, weight as
 * [inputs, outputs] row-major, bias (or null) and output tensor.
 */
record TracedProjection(String input, int inputs, int outputs, float[] weight, float[] bias, String output) {

    /** An Add of a constant bias to a projection's output: the projection, its output after that bias. */
    static TracedProjection biased(GraphView g, NodeProto add) {
        if (add.getInputCount() != 2) {
            return null;
        }
        String x = g.isConstant(through(g, add.getInput(0))) ? add.getInput(1) : add.getInput(0);
        int p = g.producer(x);
        TracedProjection s = p < 0 ? null : of(g, g.nodes.get(p));
        return s != null && s.output().equals(add.getOutput(0)) ? s : null;
    }

    /**
     * A MatMul by a constant [in, out] weight or a Gemm by a constant weight (alpha and beta 1), with the bias a
     * following Add of a constant adds (or the Gemm's own), as a projection whose output is after that bias.
     */
    static TracedProjection of(GraphView g, NodeProto n) {
        if (n.getInputCount() < 2 || !g.isConstant(through(g, n.getInput(1)))
                || g.dims(through(g, n.getInput(1))).length != 2) {
            return null;
        }
        long[] d = g.dims(through(g, n.getInput(1)));
        float[] w = g.values(through(g, n.getInput(1)));
        float[] bias = null;
        if (n.getOpType().equals("Gemm")) {
            if (NodeAttributes.intAttribute(n, "transA", 0) != 0 || NodeAttributes.floatAttribute(n, "alpha", 1f) != 1f
                    || NodeAttributes.floatAttribute(n, "beta", 1f) != 1f) {
                return null;
            }
            if (NodeAttributes.intAttribute(n, "transB", 0) != 0) {
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
        TracedProjection s = new TracedProjection(n.getInput(0), (int) d[0], (int) d[1], w, bias, n.getOutput(0));
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
                    return new TracedProjection(s.input(), s.inputs(), s.outputs(), w, b, add.getOutput(0));
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

package org.odf2nna.onnx.cleaning;

import java.util.ArrayList;
import java.util.List;
import org.odf2nna.onnx.NodeAttributes;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * A layer the affine passes fold into: a Gemm, a MatMul with its bias Add or without one, or a Conv, each with FLOAT
 * constant weights (and bias) of the shapes those operators take, so that a scale and shift per output unit, or per
 * input feature, can go into its weights and bias exactly.
 *
 * @param node    the Gemm, MatMul or Conv
 * @param biasAdd for a MatMul, the Add of a per-unit constant that reads it alone; else null
 * @param inputs  the values each unit reads per position (Gemm, MatMul: K; Conv: 0, not folded on its inputs)
 * @param units   its output units (Gemm, MatMul: N; Conv: output channels)
 * @param rank    the rank of its output where known, else −1
 */
record Layer(NodeProto node, NodeProto biasAdd, int inputs, int units, int rank) {

    /** The tensor the layer writes: its bias Add's output, or its own. */
    String output() {
        return (biasAdd != null ? biasAdd : node).getOutput(0);
    }

    /** The layer whose output is {@code tensor}, or null when no layer of these forms writes it. */
    static Layer writing(EditableGraph graph, String tensor) {
        NodeProto p = graph.producer(tensor);
        if (p == null || !EditableGraph.defaultDomain(p) || p.getOutputCount() != 1) {
            return null;
        }
        if (p.getOpType().equals("Add") && p.getInputCount() == 2) {
            for (int slot = 0; slot < 2; slot++) {
                Layer matMul = bare(graph, graph.producer(p.getInput(slot)));
                if (matMul != null && matMul.node.getOpType().equals("MatMul")
                        && graph.onlyReadBy(p.getInput(slot), p) && perUnitConstant(graph, p.getInput(1 - slot),
                                matMul.units, true)) {
                    return new Layer(matMul.node, p, matMul.inputs, matMul.units, matMul.rank);
                }
            }
            return null;
        }
        return bare(graph, p);
    }

    /** The layer {@code node} is (without a bias Add), or null. */
    static Layer bare(EditableGraph graph, NodeProto node) {
        if (node == null || !EditableGraph.defaultDomain(node) || node.getOutputCount() != 1 || graph.opset < 7) {
            return null;
        }
        switch (node.getOpType()) {
            case "Gemm": {
                long[] w = weightDims(graph, node, 1);
                if (w == null || w.length != 2 || node.getInputCount() < 2 || (node.getInputCount() > 2
                        && !node.getInput(2).isEmpty() && !perUnitConstant(graph, node.getInput(2),
                                (int) (transB(node) ? w[0] : w[1]), false))) {
                    return null;
                }
                int units = (int) (transB(node) ? w[0] : w[1]);
                return new Layer(node, null, (int) (transB(node) ? w[1] : w[0]), units, 2);
            }
            case "MatMul": {
                long[] w = weightDims(graph, node, 1);
                if (w == null || w.length != 2 || node.getInputCount() != 2 || graph.isFloatConstant(node.getInput(0))) {
                    return null;
                }
                int a = Shapes.rank(graph, node.getInput(0));
                return new Layer(node, null, (int) w[0], (int) w[1], a < 2 ? -1 : a);
            }
            case "Conv": {
                long[] w = weightDims(graph, node, 1);
                if (w == null || w.length < 3 || (node.getInputCount() > 2 && !node.getInput(2).isEmpty()
                        && !perUnitConstant(graph, node.getInput(2), (int) w[0], false))) {
                    return null;
                }
                return new Layer(node, null, 0, (int) w[0], w.length);
            }
            default:
                return null;
        }
    }

    /** Where a per-unit constant lies in this layer's output, counted from its last axis (Conv: the channel axis). */
    int unitAxisFromEnd() {
        return node.getOpType().equals("Conv") ? rank - 2 : 0;
    }

    /**
     * Folds {@code y' = y·scale + shift} (per unit) into the weights and bias. Returns false, changing nothing, when a
     * shift would need a bias a bare MatMul does not have.
     */
    boolean foldOutputs(EditableGraph graph, float[] scale, float[] shift) {
        boolean shifts = nonZero(shift);
        if (node.getOpType().equals("MatMul") && biasAdd == null && shifts) {
            return false;
        }
        float[] w = graph.floats(node.getInput(1));
        float[] bias = bias(graph);
        if (w == null || (biasTensor() != null && bias == null)) {
            return false; // values that do not read: left for the readers to name
        }
        long[] wDims = graph.dims(node.getInput(1));
        int perUnit = w.length / units;
        boolean unitRows = !node.getOpType().equals("MatMul") && !(node.getOpType().equals("Gemm") && !transB(node));
        for (int k = 0; k < w.length; k++) {
            int u = unitRows ? k / perUnit : k % units;
            w[k] *= scale[u];
        }
        float[] newBias = null;
        if (bias != null || shifts) {
            newBias = new float[units];
            for (int u = 0; u < units; u++) {
                newBias[u] = (bias == null ? 0 : bias[u]) * scale[u] + shift[u];
            }
        }
        writeWeightAndBias(graph, w, wDims, newBias);
        return true;
    }

    /**
     * Folds {@code x' = x·scale + shift} (per input feature) on the layer's input into its weights and bias: a Gemm
     * (not transposing its input) or a MatMul; false, changing nothing, for other layers and for a shift that would
     * need a bias a bare MatMul does not have.
     */
    boolean foldInputs(EditableGraph graph, float[] scale, float[] shift) {
        boolean gemm = node.getOpType().equals("Gemm");
        if (!(gemm || node.getOpType().equals("MatMul")) || (gemm && NodeAttributes.intAttribute(node, "transA", 0) != 0)
                || (!gemm && biasAdd == null && nonZero(shift))) {
            return false;
        }
        float[] w = graph.floats(node.getInput(1));
        float[] bias = bias(graph);
        if (w == null || (biasTensor() != null && bias == null)) {
            return false;
        }
        long[] wDims = graph.dims(node.getInput(1));
        boolean transposed = gemm && transB(node);
        float alpha = gemm ? NodeAttributes.floatAttribute(node, "alpha", 1f) : 1f;
        double[] moved = new double[units];
        for (int k = 0; k < inputs; k++) {
            for (int u = 0; u < units; u++) {
                int at = transposed ? u * inputs + k : k * units + u;
                moved[u] += (double) shift[k] * w[at];
                w[at] *= scale[k];
            }
        }
        float[] newBias = null;
        if (bias != null || nonZero(shift)) {
            newBias = new float[units];
            for (int u = 0; u < units; u++) {
                newBias[u] = (float) ((bias == null ? 0 : bias[u]) + alpha * moved[u]);
            }
        }
        writeWeightAndBias(graph, w, wDims, newBias);
        return true;
    }

    /** The bias per unit as the layer adds it (a Gemm's times its beta), or null when it has none. */
    private float[] bias(EditableGraph graph) {
        String tensor = biasTensor();
        if (tensor == null) {
            return null;
        }
        float[] stored = graph.floats(tensor);
        if (stored == null || (stored.length != 1 && stored.length != units)) {
            return null;
        }
        float beta = node.getOpType().equals("Gemm") ? NodeAttributes.floatAttribute(node, "beta", 1f) : 1f;
        float[] bias = new float[units];
        for (int u = 0; u < units; u++) {
            bias[u] = beta * stored[stored.length == 1 ? 0 : u];
        }
        return bias;
    }

    private String biasTensor() {
        if (biasAdd != null) {
            return graphConstantOf(biasAdd);
        }
        if (node.getOpType().equals("MatMul") || node.getInputCount() < 3 || node.getInput(2).isEmpty()) {
            return null;
        }
        return node.getInput(2);
    }

    private String graphConstantOf(NodeProto add) {
        return add.getInput(0).equals(node.getOutput(0)) ? add.getInput(1) : add.getInput(0);
    }

    private void writeWeightAndBias(EditableGraph graph, float[] w, long[] wDims, float[] bias) {
        String name = node.getName().isEmpty() ? node.getOpType() : node.getName();
        NodeProto rewritten = graph.setConstantInput(node, 1, w, wDims, name + "_weight");
        if (bias == null) {
            return;
        }
        if (biasAdd != null) {
            String tensor = graphConstantOf(biasAdd);
            long[] dims = biasDims(graph.dims(tensor));
            graph.setConstantInput(biasAdd, biasAdd.getInput(0).equals(tensor) ? 0 : 1, bias, dims, name + "_bias");
            return;
        }
        if (rewritten.getOpType().equals("Gemm")) {
            // The bias is written times beta, so beta goes back to its default of 1.
            List<AttributeProto> kept = new ArrayList<>(rewritten.getAttributeList());
            kept.removeIf(a -> a.getName().equals("beta"));
            NodeProto withoutBeta = rewritten.toBuilder().clearAttribute().addAllAttribute(kept).build();
            graph.replace(rewritten, withoutBeta);
            rewritten = withoutBeta;
        }
        String current = rewritten.getInputCount() > 2 ? rewritten.getInput(2) : "";
        long[] dims = current.isEmpty() ? new long[] {units} : biasDims(graph.dims(current));
        graph.setConstantInput(rewritten, 2, bias, dims, name + "_bias");
    }

    /** A bias's dimensions with its unit axis widened to the units (a scalar bias becomes one value per unit). */
    private long[] biasDims(long[] dims) {
        if (dims.length == 0) {
            return new long[] {units};
        }
        long[] out = dims.clone();
        out[out.length - 1] = units;
        return out;
    }

    /** A FLOAT constant weight's dimensions, each at least 1 and its size one array holds; else null. */
    private static long[] weightDims(EditableGraph graph, NodeProto node, int slot) {
        if (node.getInputCount() <= slot || !graph.isFloatConstant(node.getInput(slot))) {
            return null;
        }
        long[] dims = graph.dims(node.getInput(slot));
        long size = 1;
        for (long d : dims) {
            if (d < 1 || d > Integer.MAX_VALUE) {
                return null;
            }
            size *= d;
            if (size > Integer.MAX_VALUE - 8) {
                return null;
            }
        }
        return dims;
    }

    /**
     * Whether {@code tensor} is a FLOAT constant with one value or one per unit, varying (if at all) along its last
     * axis alone; {@code anyRank} allows more than one leading axis of 1 (a bias Add's constant broadcasts as it did).
     */
    private static boolean perUnitConstant(EditableGraph graph, String tensor, int units, boolean anyRank) {
        float[] values = graph.floats(tensor);
        if (values == null || (values.length != 1 && values.length != units)) {
            return false;
        }
        long[] dims = graph.dims(tensor);
        if (!anyRank && dims.length > 2) {
            return false;
        }
        for (int d = 0; d < dims.length - 1; d++) {
            if (dims[d] != 1) {
                return false;
            }
        }
        return true;
    }

    private static boolean nonZero(float[] values) {
        if (values == null) {
            return false;
        }
        for (float v : values) {
            if (v != 0) {
                return true;
            }
        }
        return false;
    }

    static boolean transB(NodeProto node) {
        return NodeAttributes.intAttribute(node, "transB", 0) != 0;
    }

}

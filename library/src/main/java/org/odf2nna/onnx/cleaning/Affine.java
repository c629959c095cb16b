package org.odf2nna.onnx.cleaning;

import java.util.Arrays;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * An Add, Sub, Mul or Div of a tensor by a FLOAT constant, read as {@code y = x·scale + shift} elementwise over the
 * constant's values: {@code x + c}, {@code x − c} (shift −c), {@code c − x} (scale −1, shift c), {@code x·c},
 * {@code x / c} (scale 1/c, all c non-zero). {@code c / x} is not affine and reads as null.
 *
 * @param node  the node
 * @param data  the tensor it reads that is not the constant
 * @param dims  the constant's dimensions
 * @param scale per value of the constant, or null for a pure shift
 * @param shift per value of the constant, or null for a pure scale
 */
record Affine(NodeProto node, String data, long[] dims, float[] scale, float[] shift) {

    static Affine of(EditableGraph graph, NodeProto node) {
        String op = node.getOpType();
        if (!EditableGraph.defaultDomain(node) || node.getInputCount() != 2 || node.getOutputCount() != 1
                || !(op.equals("Add") || op.equals("Sub") || op.equals("Mul") || op.equals("Div"))) {
            return null;
        }
        float[] first = graph.floats(node.getInput(0));
        float[] second = graph.floats(node.getInput(1));
        if ((first == null) == (second == null)) {
            return null; // two constants, or none
        }
        boolean constantFirst = first != null;
        float[] c = constantFirst ? first : second;
        String constant = node.getInput(constantFirst ? 0 : 1);
        String data = node.getInput(constantFirst ? 1 : 0);
        if (graph.elementType(data) != org.odf2nna.onnx.OnnxValues.FLOAT) {
            return null; // a mixed-type graph is no graph to fold into a float layer
        }
        long[] dims = graph.dims(constant);
        switch (op) {
            case "Add":
                return new Affine(node, data, dims, null, c.clone());
            case "Mul":
                return new Affine(node, data, dims, c.clone(), null);
            case "Sub":
                if (!constantFirst) {
                    float[] minus = new float[c.length];
                    for (int k = 0; k < c.length; k++) {
                        minus[k] = -c[k];
                    }
                    return new Affine(node, data, dims, null, minus);
                }
                float[] negate = new float[c.length];
                Arrays.fill(negate, -1f);
                return new Affine(node, data, dims, negate, c.clone());
            default: // Div
                if (constantFirst) {
                    return null;
                }
                float[] inverse = new float[c.length];
                for (int k = 0; k < c.length; k++) {
                    if (c[k] == 0 || !Float.isFinite(c[k])) {
                        return null;
                    }
                    inverse[k] = (float) (1.0 / c[k]);
                }
                return new Affine(node, data, dims, inverse, null);
        }
    }

    int count() {
        return scale != null ? scale.length : shift.length;
    }

    /**
     * The constant as one value per unit along the axis that is {@code axisFromEnd} places from the last of a tensor of
     * rank {@code rank} (−1: unknown, then the constant must have rank 1 or less), for {@code units} units: null when
     * it varies along another axis, or could widen the tensor's shape.
     */
    boolean perUnit(int units, int axisFromEnd, int rank) {
        int count = count();
        if (count != 1 && count != units) {
            return false;
        }
        int maxRank = rank < 0 ? 1 : rank;
        if (dims.length > maxRank) {
            return false;
        }
        if (count == 1 || units == 1) {
            return true;
        }
        int at = dims.length - 1 - axisFromEnd;
        if (at < 0) {
            return false;
        }
        for (int d = 0; d < dims.length; d++) {
            if (dims[d] != (d == at ? units : 1)) {
                return false;
            }
        }
        return true;
    }

    /** The scale per unit (ones when none), {@code units} values. */
    float[] scaleFor(int units) {
        return expand(scale, units, 1f);
    }

    /** The shift per unit (zeros when none), {@code units} values. */
    float[] shiftFor(int units) {
        return expand(shift, units, 0f);
    }

    private static float[] expand(float[] values, int units, float fallback) {
        float[] out = new float[units];
        for (int u = 0; u < units; u++) {
            out[u] = values == null ? fallback : values[values.length == 1 ? 0 : u];
        }
        return out;
    }
}

package org.odf2nna.tf.graphdef;

import java.util.Arrays;

/**
 * A tensor of the TensorFlow graph as the translation knows it: either a constant held here (a variable's value, a
 * {@code Const}, or what folding computed from them), float or integer, or a symbolic ONNX tensor that depends on the
 * data input. Shapes are static where known, -1 for the batch axis and any other size not known.
 *
 * @param name   the ONNX tensor's name, null for a constant
 * @param shape  dimensions, -1 where unknown
 * @param floats a float constant's values (row-major), else null
 * @param ints   an integer constant's values (row-major), else null
 */
public record TfValue(String name, long[] shape, float[] floats, long[] ints) {

    public TfValue {
        shape = shape.clone();
        if ((name == null) == (floats == null && ints == null) || (floats != null && ints != null)) {
            throw new IllegalArgumentException("a value is one of a name, floats or ints");
        }
        long size = sizeOf(shape);
        int held = floats != null ? floats.length : ints != null ? ints.length : -1;
        if (held >= 0 && size != held) {
            throw new IllegalArgumentException(held + " values for shape " + Arrays.toString(shape));
        }
    }

    public static TfValue symbolic(String name, long[] shape) {
        return new TfValue(name, shape, null, null);
    }

    public static TfValue floats(long[] shape, float[] values) {
        return new TfValue(null, shape, values, null);
    }

    public static TfValue ints(long[] shape, long[] values) {
        return new TfValue(null, shape, null, values);
    }

    public boolean isConstant() {
        return name == null;
    }

    public boolean isFloat() {
        return floats != null;
    }

    public int rank() {
        return shape.length;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Size of dimension {@code d}, negative counted from the end. */
    public long dim(int d) {
        return shape[d < 0 ? shape.length + d : d];
    }

    /** A constant's values as doubles, whichever its type. */
    public double[] doubles() {
        if (floats != null) {
            double[] d = new double[floats.length];
            for (int i = 0; i < d.length; i++) {
                d[i] = floats[i];
            }
            return d;
        }
        return Arrays.stream(ints).asDoubleStream().toArray();
    }

    /** Whether every value of this constant equals {@code x}. */
    public boolean allEqual(double x) {
        return isConstant() && Arrays.stream(doubles()).allMatch(v -> v == x);
    }

    /** The same values (constant or symbolic) with another static shape. */
    public TfValue withShape(long[] newShape) {
        return new TfValue(name, newShape, floats, ints);
    }

    /** Number of values, -1 when a size is unknown. */
    static long sizeOf(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                return -1;
            }
            n *= d;
        }
        return n;
    }

    @Override
    public String toString() {
        return (name != null ? name : isFloat() ? "float constant" : "int constant") + Arrays.toString(shape);
    }
}

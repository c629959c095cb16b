package org.odf2nna.onnx;

import java.util.Arrays;

/**
 * The graph input that takes data rows.
 *
 * @param name        input name
 * @param elementType ONNX element type (FLOAT or DOUBLE)
 * @param shape       dimensions, -1 where symbolic or unknown; empty when the rank is unknown
 */
public record InputSignature(String name, int elementType, long[] shape) {

    public InputSignature {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Values per row: the product of the non-batch dimensions, or -1 when one of them is unknown. */
    public int valuesPerRow() {
        if (shape.length < 2) {
            return shape.length == 1 ? 1 : -1;
        }
        long n = 1;
        for (int d = 1; d < shape.length; d++) {
            if (shape[d] < 0) {
                return -1;
            }
            n *= shape[d];
        }
        return (int) n;
    }

    /**
     * Whether the batch axis is fixed at 1, as exporters write a model traced on one row ({@code [1, 3, 160, 160]}):
     * such a graph often fixes the batch inside too (a Reshape to {@code [1, 4, 16, 525]}), so it is fed one row per
     * run, never a batch that ONNX Runtime would refuse with an error on stderr.
     */
    public boolean batchFixedAtOne() {
        return shape.length > 1 && shape[0] == 1;
    }

    /** The shape of a batch of {@code rows} rows of {@code valuesPerRow} values. */
    public long[] batchShape(int rows, int valuesPerRow) {
        if (shape.length < 2 || valuesPerRow() < 0) {
            return new long[] {rows, valuesPerRow};
        }
        long[] batch = shape.clone();
        batch[0] = rows;
        return batch;
    }

    public String describeShape() {
        StringBuilder s = new StringBuilder("[");
        for (int d = 0; d < shape.length; d++) {
            if (d > 0) {
                s.append(", ");
            }
            s.append(shape[d] < 0 ? (d == 0 ? "batch" : "?") : Long.toString(shape[d]));
        }
        return s.append(']').toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InputSignature other && name.equals(other.name) && elementType == other.elementType
                && Arrays.equals(shape, other.shape);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * name.hashCode() + elementType) + Arrays.hashCode(shape);
    }
}

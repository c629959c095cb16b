package org.odf2nna.network;

import java.util.List;

/**
 * What the model does to its input before the first dense layer. It is kept as it is and never
 * pruned; {@code operations} lists its operator types in graph order, for display.
 *
 * @param kind      none, shape or normalisation steps only, or a backbone (any other operators)
 * @param operations operator types of the prefix, in graph order
 * @param affine     the prefix as values, when it is an elementwise affine map that keeps their order (a PyTorch
 *                   export's Div by 255, a Sub of the means and a Div by the deviations, around reshapes); else null
 */
public record InputPrefix(Kind kind, List<String> operations, Affine affine) {

    public enum Kind { NONE, PREPROCESSING, BACKBONE }

    public static final InputPrefix NONE = new InputPrefix(Kind.NONE, List.of());

    public InputPrefix {
        operations = List.copyOf(operations);
    }

    /** A prefix known by its operators only. */
    public InputPrefix(Kind kind, List<String> operations) {
        this(kind, operations, null);
    }

    /**
     * Chain input {@code j} is {@code x[j] * scale[j] + shift[j]} of the model's input value {@code j} (row-major).
     *
     * @param scale one factor per chain input
     * @param shift one offset per chain input
     */
    public record Affine(float[] scale, float[] shift) {

        public Affine {
            if (scale.length != shift.length) {
                throw new IllegalArgumentException(scale.length + " scales for " + shift.length + " shifts");
            }
            scale = scale.clone();
            shift = shift.clone();
        }

        /** Applies the map to row-major rows of {@code scale.length} values, in place. */
        public void applyTo(float[] rows) {
            int width = scale.length;
            for (int i = 0; i < rows.length; i++) {
                rows[i] = rows[i] * scale[i % width] + shift[i % width];
            }
        }

        @Override
        public float[] scale() {
            return scale.clone();
        }

        @Override
        public float[] shift() {
            return shift.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Affine a && java.util.Arrays.equals(scale, a.scale)
                    && java.util.Arrays.equals(shift, a.shift);
        }

        @Override
        public int hashCode() {
            return 31 * java.util.Arrays.hashCode(scale) + java.util.Arrays.hashCode(shift);
        }

        @Override
        public String toString() {
            return "Affine[" + scale.length + " values]";
        }
    }

    public boolean isEmpty() {
        return kind == Kind.NONE;
    }

    /** Whether the prefix only changes the shape (values and their row-major order stay as they are). */
    public boolean reshapesOnly() {
        return kind == Kind.PREPROCESSING && !operations.isEmpty() && operations.stream().allMatch(
                op -> op.equals("Flatten") || op.equals("Reshape") || op.equals("Identity") || op.equals("Squeeze")
                        || op.equals("Unsqueeze"));
    }
}

package org.odf2nna.network;

import java.util.List;

/**
 * What the model does to its input before the first dense layer. It is kept as it is and never
 * pruned; {@code operations} lists its operator types in graph order, for display.
 *
 * @param kind      none, shape or normalisation steps only, or a backbone (any other operators)
 * @param operations operator types of the prefix, in graph order
 */
public record InputPrefix(Kind kind, List<String> operations) {

    public enum Kind { NONE, PREPROCESSING, BACKBONE }

    public static final InputPrefix NONE = new InputPrefix(Kind.NONE, List.of());

    public InputPrefix {
        operations = List.copyOf(operations);
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

package org.odf2nna.onnx;

/** Where a constant tensor (a weight, a bias, a normalisation parameter) lives in an ONNX graph. */
sealed interface TensorSlot permits TensorSlot.Initializer, TensorSlot.ConstantNode, TensorSlot.Dequantized,
        TensorSlot.ThroughIdentity {

    /** The tensor's name as node inputs refer to it. */
    String tensor();

    /** A graph initializer. */
    record Initializer(String tensor) implements TensorSlot {
    }

    /** The {@code value} attribute of a Constant node whose output is {@code tensor}. */
    record ConstantNode(String tensor) implements TensorSlot {
    }

    /** The output of a DequantizeLinear node over 8-bit initializers ({@link Int8Weights}). */
    record Dequantized(String tensor) implements TensorSlot {
    }

    /**
     * The output of an Identity node reading a constant that nothing else reads (PyTorch writes such copies): the
     * constant is rewritten where it is stored, in {@code source}, and the Identity stays.
     */
    record ThroughIdentity(String tensor, TensorSlot source) implements TensorSlot {
    }
}

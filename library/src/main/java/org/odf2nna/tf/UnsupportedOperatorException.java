package org.odf2nna.tf;

/**
 * A node of an ONNX graph that the TensorFlow translation ({@link OnnxTfGraph}) cannot build: its message is one line
 * naming the node and its operator, so that a caller can print it and fall back to a retraining that needs no
 * translation (the sequential block retraining).
 */
public final class UnsupportedOperatorException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String node;
    private final String operator;

    UnsupportedOperatorException(String node, String operator, String why) {
        super("node '" + node + "' (" + operator + "): " + why);
        this.node = node;
        this.operator = operator;
    }

    /** The node's name (its first output's when it has none). */
    public String node() {
        return node;
    }

    /** The node's operator type, as the graph writes it. */
    public String operator() {
        return operator;
    }
}

package org.odf2nna.tf.ops;

/**
 * A node of an ONNX graph that the TensorFlow translation ({@link OnnxTfGraph}) cannot build: its message is one line
 * naming the node and its operator, so that a caller can print it and fall back to a retraining that needs no
 * translation (the sequential block retraining).
 */
public final class UnsupportedOperatorException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String node;
    private final String operator;

    /** A node the translation refuses: "node 'NAME' (OP): why". */
    public UnsupportedOperatorException(String node, String operator, String why) {
        this(node, operator, why, true);
    }

    private UnsupportedOperatorException(String node, String operator, String text, boolean reason) {
        super(reason ? "node '" + node + "' (" + operator + "): " + text : text);
        this.node = node;
        this.operator = operator;
    }

    /**
     * An operator with no translator at the model's opset: "node 'NAME': operator OP (opset N) is not translated;
     * supported: A, B, ...", one line.
     */
    public static UnsupportedOperatorException notTranslated(String node, String operator, int opset,
            java.util.Collection<String> supported) {
        return notTranslated(node, operator, Translators.DEFAULT_DOMAIN, opset, supported);
    }

    /**
     * An operator of {@code domain} with no translator at the opset the model imports for that domain, one line; the
     * operator is named with its domain outside the default one ("operator com.microsoft.X (opset 1)"), and the
     * supported list is that domain's.
     */
    public static UnsupportedOperatorException notTranslated(String node, String operator, String domain, int opset,
            java.util.Collection<String> supported) {
        String inDomain = domain.isEmpty() ? "" : " in domain '" + domain + "'";
        return new UnsupportedOperatorException(node, operator, "node '" + node + "': operator "
                + Translators.qualified(domain, operator) + " (opset " + opset + ") is not translated; supported"
                + inDomain + ": " + (supported.isEmpty() ? "none" : String.join(", ", supported)), false);
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

package org.odf2nna.tf.graphdef;

/**
 * A node the translation cannot take: its message is one line naming the function, the node and its op, and why,
 * for the caller to put behind the SavedModel's name.
 */
public final class TfTranslationException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String node;
    private final String op;

    public TfTranslationException(String function, String node, String op, String why) {
        super("function '" + function + "', node '" + node + "' (" + op + "): " + why);
        this.node = node;
        this.op = op;
    }

    public String node() {
        return node;
    }

    public String op() {
        return op;
    }
}

package org.odf2nna.onnx.cleaning;

/**
 * A pass found the graph in a state its own rewrite should have made impossible (a node folded into a layer that
 * cannot then be taken out): a bug in the pass, which {@link ModelCleaner} lets through instead of noting it as a
 * pass that stopped on a graph it did not foresee.
 */
final class CleaningBug extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    CleaningBug(String message) {
        super(message);
    }
}

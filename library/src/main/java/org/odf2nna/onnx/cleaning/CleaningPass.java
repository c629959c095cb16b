package org.odf2nna.onnx.cleaning;

import java.util.List;

/**
 * One rewrite of the cleaning pass, in the shape of onnxoptimizer's {@code OptimizePass} and ONNX Runtime's
 * {@code GraphTransformer}: it finds its pattern, rewrites each place where the conditions hold, and says what it did;
 * {@link ModelCleaner} runs the passes in turn until none changes the graph. Two kinds share the loop over the nodes:
 * {@link RemovalPass} takes a node that computes nothing out, {@link FoldingPass} folds one into a layer.
 */
abstract class CleaningPass {

    private final String name;

    CleaningPass(String name) {
        this.name = name;
    }

    /** The pass's name, as the steps name it and as it is turned off by. */
    final String name() {
        return name;
    }

    /**
     * Rewrites every match found in {@code graph} (in place) and returns one step per rewrite; an empty list when the
     * graph is left unchanged.
     */
    abstract List<CleaningStep> apply(EditableGraph graph);
}

package org.odf2nna.onnx.cleaning;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * One rewrite of the cleaning pass, in the shape of onnxoptimizer's {@code OptimizePass} and ONNX Runtime's
 * {@code GraphTransformer}: it finds its pattern, rewrites each place where the conditions hold, and says what it did;
 * {@link ModelCleaner} runs the passes in turn until none changes the graph. Two kinds share the loop over the nodes:
 * {@link RemovalPass} takes a node that computes nothing out, {@link FoldingPass} folds one into a layer; the passes
 * that rewrite one node at a time ({@link FoldingPass}, {@link FlattenedGemm}, {@link LayoutTransposes}) offer the
 * nodes by {@link #rewriteEach}.
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

    /**
     * Offers each node of {@code graph} as it stands when the pass starts, that {@code candidate} takes and that is
     * still in the graph when its turn comes (an earlier rewrite may have replaced it), to {@code rewrite}: the steps
     * of the nodes rewritten, in order ({@code rewrite} gives null for a node it leaves as it is).
     */
    static List<CleaningStep> rewriteEach(EditableGraph graph, Predicate<NodeProto> candidate,
            Function<NodeProto, CleaningStep> rewrite) {
        List<CleaningStep> steps = new ArrayList<>();
        for (NodeProto node : graph.nodes()) {
            if (candidate.test(node) && graph.contains(node)) {
                CleaningStep step = rewrite.apply(node);
                if (step != null) {
                    steps.add(step);
                }
            }
        }
        return steps;
    }
}

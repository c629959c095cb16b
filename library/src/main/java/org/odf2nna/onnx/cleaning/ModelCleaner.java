package org.odf2nna.onnx.cleaning;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/**
 * The cleaning pass every model read goes through before any command sees it: what computes nothing goes (a Cast to
 * the type its input has, Identity, Dropout in inference) and affine chains fold into the Gemm, MatMul or Conv beside
 * them (a BatchNormalization, or one decomposed into Sub/Mul/Add/Div by constants, as Keras 3's ONNX export writes
 * it), as onnx-simplifier and ONNX Runtime's basic optimizer do. Each pass is one small class; they run in turn until
 * none changes the graph. What the graph computes never changes (the tests compare ONNX Runtime's outputs).
 */
public final class ModelCleaner {

    /** The passes' names, in the order they run. */
    static final List<String> PASS_NAMES = List.of(SameTypeCast.NAME, IdentityRemoval.NAME, InferenceDropout.NAME,
            BatchNormIntoLayer.NAME, AffineAfterLayer.NAME, AffineBeforeLayer.NAME);

    /** Rounds over all passes at most: each rewrite removes a node, so this bounds nothing a real graph reaches. */
    private static final int MAX_ROUNDS = 1000;

    private ModelCleaner() {
    }

    /** {@code model} cleaned; {@code file} names it (external data is found beside it). */
    public static Cleaned clean(ModelProto model, Path file) {
        if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
            return new Cleaned(model, List.of());
        }
        EditableGraph graph = new EditableGraph(model, file);
        if (graph.writesTwice()) {
            return new Cleaned(model, List.of()); // not a valid graph: the readers say so, naming the node
        }
        List<CleaningPass> passes = List.of(new SameTypeCast(), new IdentityRemoval(), new InferenceDropout(),
                new BatchNormIntoLayer(), new AffineAfterLayer(), new AffineBeforeLayer());
        List<CleaningStep> steps = new ArrayList<>();
        try {
            for (int round = 0; round < MAX_ROUNDS; round++) {
                int before = steps.size();
                for (CleaningPass pass : passes) {
                    steps.addAll(pass.apply(graph));
                }
                if (steps.size() == before) {
                    break;
                }
            }
            return steps.isEmpty() ? new Cleaned(model, List.of()) : new Cleaned(graph.toModel(), steps);
        } catch (RuntimeException e) {
            // A graph malformed in a way no pass foresaw (shapes that contradict their data): cleaning is not the
            // place to judge it, so the readers get it as it is and name what is wrong in their one line.
            return new Cleaned(model, List.of());
        }
    }
}

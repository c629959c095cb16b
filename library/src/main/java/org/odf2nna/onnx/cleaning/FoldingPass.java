package org.odf2nna.onnx.cleaning;

import java.util.List;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * What the passes that fold a node into a layer's weights share ({@link AffineAfterLayer}, {@link AffineBeforeLayer},
 * {@link BatchNormIntoLayer}): each node still in the graph is offered to {@link #fold} in turn, and a folded node is
 * taken out of the graph by {@link #takeOut}, one step each.
 */
abstract class FoldingPass extends CleaningPass {

    FoldingPass(String name) {
        super(name);
    }

    @Override
    final List<CleaningStep> apply(EditableGraph graph) {
        return rewriteEach(graph, node -> true, node -> fold(graph, node));
    }

    /** Folds {@code node} into a layer where the conditions hold: the step, or null when it stays. */
    abstract CleaningStep fold(EditableGraph graph, NodeProto node);

    /** The step of a node rewritten in place (not taken out) for a later fold into {@code layer}. */
    final CleaningStep step(NodeProto node, NodeProto layer) {
        return new CleaningStep(name(), List.of(Nodes.display(node)), Nodes.display(layer));
    }

    /**
     * Takes {@code node}, now folded into {@code layer}, out of the graph: its readers read {@code data}, what it
     * read. A node that cannot be taken out after its fold is a bug (the layer already holds it).
     */
    final CleaningStep takeOut(EditableGraph graph, NodeProto node, String data, NodeProto layer) {
        if (!graph.bypass(node, data, node.getOutput(0))) {
            throw new CleaningBug("a folded node could not be taken out: " + Nodes.display(node)
                    + " (folded into " + Nodes.display(layer) + ")");
        }
        return step(node, layer);
    }
}

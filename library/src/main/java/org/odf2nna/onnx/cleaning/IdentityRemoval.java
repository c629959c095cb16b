package org.odf2nna.onnx.cleaning;

import java.util.ArrayList;
import java.util.List;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * Identity nodes.
 *
 * <pre>
 *   x ──Identity──► y      becomes      x ──► (readers of y)
 * </pre>
 *
 * Needs nothing more; when {@code y} is a graph output, {@code x} takes its name, which needs {@code x} written by a
 * node and read by the Identity alone (an Identity from a graph input or an initializer to the output stays).
 */
final class IdentityRemoval implements CleaningPass {

    static final String NAME = "identity";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<CleaningStep> apply(EditableGraph graph) {
        List<CleaningStep> steps = new ArrayList<>();
        for (NodeProto node : graph.nodes()) {
            if (node.getOpType().equals("Identity") && EditableGraph.defaultDomain(node) && node.getInputCount() == 1
                    && node.getOutputCount() == 1 && !node.getInput(0).isEmpty()
                    && graph.bypass(node, node.getInput(0), node.getOutput(0))) {
                steps.add(new CleaningStep(NAME, List.of(Nodes.display(node)), null));
            }
        }
        return steps;
    }
}

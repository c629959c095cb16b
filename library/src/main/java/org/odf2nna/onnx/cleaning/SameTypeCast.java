package org.odf2nna.onnx.cleaning;

import java.util.ArrayList;
import java.util.List;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * A Cast to the type its input already has (Keras 3's ONNX export writes float→float Casts before its output).
 *
 * <pre>
 *   x:float ──Cast(to=FLOAT)──► y      becomes      x ──► (readers of y)
 * </pre>
 *
 * Needs: the input's element type known for sure ({@link TensorTypes}: declared, or following from the operators that
 * compute it) and equal to {@code to}. When {@code y} is a graph output, {@code x} takes its name instead, which needs
 * {@code x} written by a node and read by the Cast alone.
 */
final class SameTypeCast implements CleaningPass {

    static final String NAME = "same-type-cast";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<CleaningStep> apply(EditableGraph graph) {
        List<CleaningStep> steps = new ArrayList<>();
        for (NodeProto node : graph.nodes()) {
            if (!node.getOpType().equals("Cast") || !EditableGraph.defaultDomain(node) || node.getInputCount() != 1
                    || node.getOutputCount() != 1) {
                continue;
            }
            long to = -1;
            for (AttributeProto a : node.getAttributeList()) {
                if (a.getName().equals("to")) {
                    to = a.getI();
                }
            }
            int from = graph.elementType(node.getInput(0));
            if (from != 0 && from == to && graph.bypass(node, node.getInput(0), node.getOutput(0))) {
                steps.add(new CleaningStep(NAME, List.of(Nodes.display(node)), null));
            }
        }
        return steps;
    }
}

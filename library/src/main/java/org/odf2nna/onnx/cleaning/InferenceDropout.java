package org.odf2nna.onnx.cleaning;

import java.util.ArrayList;
import java.util.List;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * Dropout in inference, which passes its input through.
 *
 * <pre>
 *   x ──Dropout(ratio[, training_mode=false])──► y [, mask unused]      becomes      x ──► (readers of y)
 * </pre>
 *
 * Needs: no {@code training_mode} input, or one that is a constant false (opset 12 on); before opset 7, the
 * {@code is_test} attribute set; the mask output absent or read by nothing.
 */
final class InferenceDropout implements CleaningPass {

    static final String NAME = "inference-dropout";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<CleaningStep> apply(EditableGraph graph) {
        List<CleaningStep> steps = new ArrayList<>();
        for (NodeProto node : graph.nodes()) {
            if (node.getOpType().equals("Dropout") && EditableGraph.defaultDomain(node) && node.getInputCount() >= 1
                    && node.getOutputCount() >= 1 && inference(graph, node)
                    && (node.getOutputCount() < 2 || graph.unused(node.getOutput(1)))
                    && graph.bypass(node, node.getInput(0), node.getOutput(0))) {
                steps.add(new CleaningStep(NAME, List.of(Nodes.display(node)), null));
            }
        }
        return steps;
    }

    private static boolean inference(EditableGraph graph, NodeProto node) {
        if (graph.opset < 7) {
            for (AttributeProto a : node.getAttributeList()) {
                if (a.getName().equals("is_test")) {
                    return a.getI() != 0;
                }
            }
            return false;
        }
        if (node.getInputCount() < 3 || node.getInput(2).isEmpty()) {
            return true;
        }
        var mode = graph.constant(node.getInput(2));
        if (mode == null || mode.getDataType() != org.odf2nna.onnx.proto.OnnxProto.TensorProto.DataType.BOOL_VALUE) {
            return false;
        }
        if (mode.hasRawData()) {
            return mode.getRawData().size() == 1 && mode.getRawData().byteAt(0) == 0;
        }
        return mode.getInt32DataCount() == 1 && mode.getInt32Data(0) == 0;
    }
}

package org.odf2nna.onnx.cleaning;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiPredicate;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * The passes that take out a node that computes nothing, one loop for the three: each node of the pass's operator
 * (default domain, an input and an output) that the pass's test accepts is bypassed, its readers reading its first
 * input (or, where its output is a graph output, that input renamed to it, which needs the input written by a node
 * and read by this one alone), one step each.
 *
 * <pre>
 *   identity            x ──Identity──► y                                              becomes   x ──► (readers of y)
 *   inference-dropout   x ──Dropout(ratio[, training_mode=false])──► y [, mask unused] becomes   x ──► (readers of y)
 *   same-type-cast      x:float ──Cast(to=FLOAT)──► y                                  becomes   x ──► (readers of y)
 * </pre>
 *
 * Needs: for Identity nothing more (one from a graph input or an initializer to the output stays); for Dropout no
 * {@code training_mode} input, or one that is a constant false (opset 12 on), or a ratio that is a constant 0 (which
 * drops nothing in either mode: torchvision 0.14's swin calls its attention dropout of 0 without passing the module's
 * training flag, so torch 1.13 writes it with training_mode true), before opset 7 the {@code is_test}
 * attribute set, and the mask output absent or read by nothing; for Cast (Keras 3's ONNX export writes float→float
 * Casts before its output) the input's element type known for sure ({@link TensorTypes}: declared, or following from
 * the operators that compute it) and equal to {@code to}.
 */
final class RemovalPass extends CleaningPass {

    static final String IDENTITY = "identity";
    static final String INFERENCE_DROPOUT = "inference-dropout";
    static final String SAME_TYPE_CAST = "same-type-cast";

    private final String operator;
    private final BiPredicate<EditableGraph, NodeProto> removable;

    private RemovalPass(String name, String operator, BiPredicate<EditableGraph, NodeProto> removable) {
        super(name);
        this.operator = operator;
        this.removable = removable;
    }

    static RemovalPass identity() {
        return new RemovalPass(IDENTITY, "Identity", (graph, node) -> node.getInputCount() == 1
                && node.getOutputCount() == 1 && !node.getInput(0).isEmpty());
    }

    static RemovalPass inferenceDropout() {
        return new RemovalPass(INFERENCE_DROPOUT, "Dropout", (graph, node) -> inference(graph, node)
                && (node.getOutputCount() < 2 || graph.unused(node.getOutput(1))));
    }

    static RemovalPass sameTypeCast() {
        return new RemovalPass(SAME_TYPE_CAST, "Cast", (graph, node) -> {
            if (node.getInputCount() != 1 || node.getOutputCount() != 1) {
                return false;
            }
            long to = -1;
            for (AttributeProto a : node.getAttributeList()) {
                if (a.getName().equals("to")) {
                    to = a.getI();
                }
            }
            int from = graph.elementType(node.getInput(0));
            return from != 0 && from == to;
        });
    }

    @Override
    List<CleaningStep> apply(EditableGraph graph) {
        List<CleaningStep> steps = new ArrayList<>();
        for (NodeProto node : graph.nodes()) {
            if (node.getOpType().equals(operator) && EditableGraph.defaultDomain(node) && node.getInputCount() >= 1
                    && node.getOutputCount() >= 1 && removable.test(graph, node)
                    && graph.bypass(node, node.getInput(0), node.getOutput(0))) {
                steps.add(new CleaningStep(name(), List.of(Nodes.display(node)), null));
            }
        }
        return steps;
    }

    /** Whether a Dropout's ratio (its input 1, opset 12 on) is a constant 0. */
    private static boolean zeroRatio(EditableGraph graph, NodeProto node) {
        TensorProto ratio = graph.opset >= 12 && node.getInputCount() > 1 && !node.getInput(1).isEmpty()
                ? graph.constant(node.getInput(1)) : null;
        if (ratio == null || ratio.getDataType() != TensorProto.DataType.FLOAT_VALUE) {
            return false;
        }
        float[] v = org.odf2nna.onnx.OnnxValues.floats(ratio, null, "ratio");
        return v.length == 1 && v[0] == 0f;
    }

    /** Whether a Dropout runs in inference mode (see the class comment). */
    private static boolean inference(EditableGraph graph, NodeProto node) {
        if (graph.opset < 7) {
            for (AttributeProto a : node.getAttributeList()) {
                if (a.getName().equals("is_test")) {
                    return a.getI() != 0;
                }
            }
            return false;
        }
        if (node.getInputCount() < 3 || node.getInput(2).isEmpty() || zeroRatio(graph, node)) {
            return true;
        }
        TensorProto mode = graph.constant(node.getInput(2));
        if (mode == null || mode.getDataType() != TensorProto.DataType.BOOL_VALUE) {
            return false;
        }
        if (mode.hasRawData()) {
            return mode.getRawData().size() == 1 && mode.getRawData().byteAt(0) == 0;
        }
        return mode.getInt32DataCount() == 1 && mode.getInt32Data(0) == 0;
    }
}

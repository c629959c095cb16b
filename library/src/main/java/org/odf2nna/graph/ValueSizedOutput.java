package org.odf2nna.graph;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.odf2nna.InputException;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/**
 * A graph whose first output is computed after a node whose result's size depends on the values it reads
 * (NonMaxSuppression, NonZero, a TopK of a computed K, ...): a detector exported with its postprocessing, as
 * torchvision's are. Its output's rows are detections, not the input's rows, so a round cannot be judged by it row by
 * row; without this refusal the detections of an image were read as one class vector.
 */
public final class ValueSizedOutput {

    private static final Set<String> SIZED_BY_VALUES = Set.of("NonMaxSuppression", "NonZero", "Compress", "Unique");

    private ValueSizedOutput() {
    }

    /**
     * Refuses {@code model} in one line when its first output comes after such a node, naming the output and the node
     * nearest it.
     */
    public static void refuse(ModelProto model, Path file) {
        NodeProto node = nearest(model);
        if (node == null) {
            return;
        }
        NodeProto inner = inner(node);
        String output = model.getGraph().getOutput(0).getName();
        throw InputException.usage(file, "output '" + output + "' comes after " + named(node)
                + (inner == node ? "" : " (holding " + named(inner) + ")")
                + ", whose result's size depends on the values it reads (a detector's postprocessing): its rows are "
                + "not the input's rows, so no round can be judged by them; export the model without its "
                + "postprocessing (the head's raw outputs)");
    }

    /** The node nearest the first output, among the nodes it is computed from, whose result is sized by values. */
    static NodeProto nearest(ModelProto model) {
        GraphProto g = model.getGraph();
        if (g.getOutputCount() == 0) {
            return null;
        }
        Map<String, NodeProto> producers = new HashMap<>();
        Set<String> constants = new HashSet<>();
        g.getInitializerList().forEach(t -> constants.add(t.getName()));
        for (NodeProto n : g.getNodeList()) {
            n.getOutputList().forEach(o -> producers.put(o, n));
            if (n.getOpType().equals("Constant")) {
                constants.addAll(n.getOutputList());
            }
        }
        Deque<String> names = new ArrayDeque<>();
        Set<NodeProto> seen = new HashSet<>();
        names.add(g.getOutput(0).getName());
        while (!names.isEmpty()) {
            NodeProto n = producers.get(names.poll());
            if (n == null || !seen.add(n)) {
                continue;
            }
            if (sizedByValues(n, constants)) {
                return n;
            }
            names.addAll(n.getInputList());
            // A branch or loop body reads outer values by name, not as the node's inputs.
            for (AttributeProto a : n.getAttributeList()) {
                if (a.hasG()) {
                    outerNames(a.getG(), names);
                }
            }
        }
        return null;
    }

    private static boolean sizedByValues(NodeProto n, Set<String> constants) {
        if (SIZED_BY_VALUES.contains(n.getOpType())) {
            return true;
        }
        if (n.getOpType().equals("TopK")) {
            // Opset 10 on, K is an input; a classifier's top-k has it constant.
            return n.getInputCount() > 1 && !constants.contains(n.getInput(1));
        }
        return inner(n) != n;
    }

    /** The node in {@code n}'s branches or body (If, Loop, Scan) whose result is sized by values, or {@code n}. */
    private static NodeProto inner(NodeProto n) {
        for (AttributeProto a : n.getAttributeList()) {
            if (!a.hasG()) {
                continue;
            }
            Set<String> constants = new HashSet<>();
            a.getG().getInitializerList().forEach(t -> constants.add(t.getName()));
            for (NodeProto m : a.getG().getNodeList()) {
                if (m.getOpType().equals("Constant")) {
                    constants.addAll(m.getOutputList());
                }
            }
            for (NodeProto m : a.getG().getNodeList()) {
                if (sizedByValues(m, constants)) {
                    return inner(m);
                }
            }
        }
        return n;
    }

    private static void outerNames(GraphProto body, Deque<String> names) {
        for (NodeProto m : body.getNodeList()) {
            names.addAll(m.getInputList());
            for (AttributeProto a : m.getAttributeList()) {
                if (a.hasG()) {
                    outerNames(a.getG(), names);
                }
            }
        }
    }

    private static String named(NodeProto n) {
        return n.getOpType() + " '" + n.getName() + "'";
    }
}

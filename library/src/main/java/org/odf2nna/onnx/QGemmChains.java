package org.odf2nna.onnx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * Joins static int8 layers: a QGemm with float output read only by the QuantizeLinear of the next layer (or by a
 * ReLU read only by it, when its zero point is 0) writes that layer's uint8 codes itself (QGemm's y_scale and
 * y_zero_point), and the QuantizeLinear (and the ReLU: codes clamped at zero point 0 are its output) go. One kernel
 * per layer at batch 1 in place of three.
 */
final class QGemmChains {

    private QGemmChains() {
    }

    static List<NodeProto> join(List<NodeProto> nodes, GraphProto.Builder graph) {
        Map<String, List<NodeProto>> readers = new HashMap<>();
        for (NodeProto n : nodes) {
            n.getInputList().forEach(i -> readers.computeIfAbsent(i, k -> new ArrayList<>()).add(n));
        }
        Set<String> outputs = new HashSet<>();
        graph.getOutputList().forEach(o -> outputs.add(o.getName()));
        Map<NodeProto, NodeProto> rewritten = new java.util.IdentityHashMap<>();
        Set<NodeProto> gone = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (NodeProto n : nodes) {
            if (!n.getOpType().equals("QGemm") || n.getInputCount() > 7 || outputs.contains(n.getOutput(0))) {
                continue;
            }
            NodeProto next = only(readers, n.getOutput(0));
            NodeProto relu = null;
            if (next != null && next.getOpType().equals("Relu") && !outputs.contains(next.getOutput(0))) {
                relu = next;
                next = only(readers, next.getOutput(0));
            }
            if (next == null || !next.getOpType().equals("QuantizeLinear") || next.getInputCount() != 3
                    || relu != null && !Int8Writer.isZeroPoint(graph, next.getInput(2))) {
                continue;
            }
            NodeProto.Builder b = n.toBuilder();
            if (b.getInputCount() == 6) {
                b.addInput("");
            }
            b.addInput(next.getInput(1)).addInput(next.getInput(2)).setOutput(0, next.getOutput(0));
            rewritten.put(n, b.build());
            gone.add(next);
            if (relu != null) {
                gone.add(relu);
            }
        }
        List<NodeProto> out = new ArrayList<>();
        for (NodeProto n : nodes) {
            if (!gone.contains(n)) {
                out.add(rewritten.getOrDefault(n, n));
            }
        }
        return out;
    }

    private static NodeProto only(Map<String, List<NodeProto>> readers, String tensor) {
        List<NodeProto> r = readers.getOrDefault(tensor, List.of());
        return r.size() == 1 ? r.get(0) : null;
    }
}

package org.odf2nna.onnx.cleaning;

import java.util.Set;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/** The names the subgraphs of If, Loop and Scan nodes read, at any depth: outer tensors they may see by name. */
final class SubgraphNames {

    private SubgraphNames() {
    }

    static void collect(GraphProto graph, Set<String> names) {
        for (NodeProto node : graph.getNodeList()) {
            names.addAll(node.getInputList());
            for (AttributeProto a : node.getAttributeList()) {
                if (a.hasG()) {
                    collect(a.getG(), names);
                }
                a.getGraphsList().forEach(g -> collect(g, names));
            }
        }
        graph.getOutputList().forEach(v -> names.add(v.getName()));
    }
}

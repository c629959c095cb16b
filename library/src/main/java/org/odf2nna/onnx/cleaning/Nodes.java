package org.odf2nna.onnx.cleaning;

import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/** How the cleaning steps name nodes. */
final class Nodes {

    private Nodes() {
    }

    /** The node's name, or its op type and first output when it has none. */
    static String display(NodeProto node) {
        if (!node.getName().isEmpty()) {
            return node.getName();
        }
        return node.getOpType() + (node.getOutputCount() > 0 ? " → " + node.getOutput(0) : "");
    }
}

package org.odf2nna.onnx;

import java.util.List;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * A node's attributes by name, with the default the operator's schema gives where the node leaves one out: the one
 * reading for the readers of the chain ({@code onnx}), the graph ({@code graph}) and the cleaning pass
 * ({@code onnx.cleaning}).
 */
public final class NodeAttributes {

    private NodeAttributes() {
    }

    /** The attribute {@code name} of {@code node}, or null when the node has none of that name. */
    public static AttributeProto attribute(NodeProto node, String name) {
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    public static long intAttribute(NodeProto node, String name, long fallback) {
        AttributeProto a = attribute(node, name);
        return a == null ? fallback : a.getI();
    }

    public static float floatAttribute(NodeProto node, String name, float fallback) {
        AttributeProto a = attribute(node, name);
        return a == null ? fallback : a.getF();
    }

    /** The integers of attribute {@code name}, or an empty list when the node has none of that name. */
    public static List<Long> intsAttribute(NodeProto node, String name) {
        AttributeProto a = attribute(node, name);
        return a == null ? List.of() : a.getIntsList();
    }
}

package org.odf2nna.graph;

import java.util.List;
import org.odf2nna.onnx.NodeAttributes;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * A second Conv's kernel of several taps, as its output position reads the hidden tensor: kernel size, strides,
 * the padding before each spatial axis and dilations.
 */
record ConvKernel(int kh, int kw, int sh, int sw, int padTop, int padLeft, int dh, int dw) {

    int taps() {
        return kh * kw;
    }

    /** The kernel of the block's second layer, or null when its padding is not written out (auto_pad). */
    static ConvKernel of(GraphView g, DenseBlock block) {
        String second = block.place().secondNode();
        NodeProto n = g.nodes.stream().filter(x -> GraphView.nodeName(x).equals(second)).findFirst().orElse(null);
        if (n == null || n.getAttributeList().stream().anyMatch(a -> a.getName().equals("auto_pad")
                && !a.getS().toStringUtf8().equals("NOTSET"))) {
            return null;
        }
        long[] d = g.dims(block.rewrites().secondWeight().tensor());
        List<Long> strides = NodeAttributes.intsAttribute(n, "strides");
        List<Long> pads = NodeAttributes.intsAttribute(n, "pads");
        List<Long> dilations = NodeAttributes.intsAttribute(n, "dilations");
        return new ConvKernel((int) d[2], (int) d[3], at(strides, 0, 1), at(strides, 1, 1), at(pads, 0, 0),
                at(pads, 1, 0), at(dilations, 0, 1), at(dilations, 1, 1));
    }

    private static int at(List<Long> values, int i, int fallback) {
        return values.size() > i ? values.get(i).intValue() : fallback;
    }
}

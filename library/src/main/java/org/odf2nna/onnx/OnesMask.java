package org.odf2nna.onnx;

import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * A language model's {@code attention_mask} input computed inside the graph as ones of the token ids' shape (a batch
 * of unpadded windows, as a tokenizer returns them), so that a graph fed by one input can be timed: the
 * original and the pruned model get the same rewrite, and the mask's own nodes still run in both.
 */
public final class OnesMask {

    /** The input name Hugging Face's exports give the mask. */
    public static final String NAME = "attention_mask";

    private OnesMask() {
    }

    /**
     * {@code model} with its int64 input {@code attention_mask}, where it has one beside {@code ids} (an int64
     * input of the same rank), made ones of {@code ids}'s shape; {@code model} itself otherwise.
     */
    public static ModelProto fed(ModelProto model, String ids) {
        GraphProto g = model.getGraph();
        ValueInfoProto idsInput = null;
        int mask = -1;
        for (int i = 0; i < g.getInputCount(); i++) {
            ValueInfoProto in = g.getInput(i);
            if (in.getName().equals(ids)) {
                idsInput = in;
            } else if (in.getName().equals(NAME)) {
                mask = i;
            }
        }
        if (idsInput == null || mask < 0 || !int64(idsInput) || !int64(g.getInput(mask))
                || rank(idsInput) != rank(g.getInput(mask))
                || g.getInitializerList().stream().anyMatch(t -> t.getName().equals(NAME))) {
            return model;
        }
        String shape = NAME + "_ids_shape";
        NodeProto shapeNode = NodeProto.newBuilder().setName(shape).setOpType("Shape").addInput(ids)
                .addOutput(shape).build();
        TensorProto one = OnnxValues.int64Vector("value", 1L);
        NodeProto ones = NodeProto.newBuilder().setName(NAME + "_ones").setOpType("ConstantOfShape").addInput(shape)
                .addOutput(NAME).addAttribute(AttributeProto.newBuilder().setName("value")
                        .setType(AttributeProto.AttributeType.TENSOR).setT(one)).build();
        GraphProto.Builder b = g.toBuilder().removeInput(mask).clearNode().addNode(shapeNode).addNode(ones)
                .addAllNode(g.getNodeList());
        return model.toBuilder().setGraph(b).build();
    }

    private static boolean int64(ValueInfoProto v) {
        return v.getType().getTensorType().getElemType() == TensorProto.DataType.INT64_VALUE;
    }

    private static int rank(ValueInfoProto v) {
        return v.getType().getTensorType().hasShape() ? v.getType().getTensorType().getShape().getDimCount() : -1;
    }
}

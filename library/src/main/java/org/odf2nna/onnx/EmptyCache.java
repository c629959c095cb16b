package org.odf2nna.onnx;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.odf2nna.data.InputArrays;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * A decoder's key/value cache inputs ({@code past_key_values.*}, {@link InputArrays#isPastCache}) computed inside the
 * graph as empty tensors (past length 0) with the token ids' batch, so that a decoder exported with its cache can be
 * timed on windows as the rows judge it ({@code graph.SideInputs} feeds the same empty cache): the original and the
 * pruned model get the same rewrite.
 */
public final class EmptyCache {

    /** The ids' batch size, shared by every emptied cache input. */
    private static final String ID_BATCH = "odf2nna_empty_cache_batch";

    private EmptyCache() {
    }

    /** {@code model} with each cache input beside {@code ids} made empty inside the graph; {@code model} itself else. */
    public static ModelProto fed(ModelProto model, String ids) {
        GraphProto g = model.getGraph();
        Set<String> initializers = new HashSet<>();
        g.getInitializerList().forEach(t -> initializers.add(t.getName()));
        ValueInfoProto idsInput = g.getInputList().stream().filter(v -> v.getName().equals(ids)).findFirst()
                .orElse(null);
        if (idsInput == null || !idsInput.getType().getTensorType().hasShape()
                || idsInput.getType().getTensorType().getShape().getDimCount() == 0) {
            return model;
        }
        String batchName = idsInput.getType().getTensorType().getShape().getDim(0).getDimParam();
        GraphProto.Builder b = g.toBuilder().clearInput().clearNode();
        List<NodeProto> made = new ArrayList<>();
        boolean any = false;
        for (ValueInfoProto in : g.getInputList()) {
            int type = in.getType().getTensorType().getElemType();
            if (!InputArrays.isPastCache(in.getName()) || initializers.contains(in.getName()) || in.getName().equals(ids)
                    || !in.getType().getTensorType().hasShape()
                    || type != OnnxValues.FLOAT && type != OnnxValues.DOUBLE) {
                b.addInput(in);
                continue;
            }
            if (!any) {
                made.addAll(idsBatch(ids, b));
            }
            any = true;
            made.addAll(emptied(in, batchName, b));
        }
        if (!any) {
            return model;
        }
        b.addAllNode(made).addAllNode(g.getNodeList());
        return model.toBuilder().setGraph(b).build();
    }

    /** The ids' batch size ({@link #ID_BATCH}, a vector of one), computed once for every cache input. */
    private static List<NodeProto> idsBatch(String ids, GraphProto.Builder b) {
        String idsShape = ID_BATCH + "_ids_shape";
        String first = ID_BATCH + "_axis";
        b.addInitializer(OnnxValues.int64Vector(first, 0L));
        return List.of(NodeProto.newBuilder().setName(idsShape).setOpType("Shape").addInput(ids).addOutput(idsShape)
                .build(), NodeProto.newBuilder().setName(ID_BATCH).setOpType("Gather").addInput(idsShape)
                .addInput(first).addOutput(ID_BATCH).build());
    }

    /** The nodes that make {@code in} an empty tensor: its batch the ids', open sizes 0, the rest as declared. */
    private static List<NodeProto> emptied(ValueInfoProto in, String batchName, GraphProto.Builder b) {
        String name = in.getName();
        List<TensorShapeProto.Dimension> dims = in.getType().getTensorType().getShape().getDimList();
        int batch = 0;
        for (int d = 0; d < dims.size(); d++) {
            if (!batchName.isEmpty() && batchName.equals(dims.get(d).getDimParam())) {
                batch = d;
            }
        }
        List<NodeProto> nodes = new ArrayList<>();
        NodeProto.Builder concat = NodeProto.newBuilder().setName(name + "_shape").setOpType("Concat")
                .addOutput(name + "_shape").addAttribute(AttributeProto.newBuilder().setName("axis")
                        .setType(AttributeProto.AttributeType.INT).setI(0));
        for (int d = 0; d < dims.size(); d++) {
            if (d == batch) {
                concat.addInput(ID_BATCH);
            } else {
                String size = name + "_size_" + d;
                b.addInitializer(OnnxValues.int64Vector(size, dims.get(d).hasDimValue() ? dims.get(d).getDimValue()
                        : 0L));
                concat.addInput(size);
            }
        }
        nodes.add(concat.build());
        TensorProto zero = OnnxValues.newTensor("value", in.getType().getTensorType().getElemType(), new float[] {0},
                new long[] {1});
        nodes.add(NodeProto.newBuilder().setName(name + "_empty").setOpType("ConstantOfShape")
                .addInput(name + "_shape").addOutput(name).addAttribute(AttributeProto.newBuilder().setName("value")
                        .setType(AttributeProto.AttributeType.TENSOR).setT(zero)).build());
        return nodes;
    }
}

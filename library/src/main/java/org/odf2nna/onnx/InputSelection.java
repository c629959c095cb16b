package org.odf2nna.onnx;

import java.util.Arrays;
import java.util.Set;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * Writes a network that reads only some of the model's inputs without changing what the model takes: the graph input
 * keeps its full width, and a Gather node in front of the first dense layer picks the kept columns. Callers keep
 * feeding the rows they fed the original.
 */
public final class InputSelection {

    private InputSelection() {
    }

    /**
     * {@code network} written into a copy of {@code original}'s graph.
     *
     * @param keptInputs the original's inputs {@code network} reads, ascending, one per input of its first layer
     */
    public static ModelProto write(OnnxDenseModel original, DenseNetwork network, int[] keptInputs) {
        int width = original.network().inputs();
        if (keptInputs.length != network.inputs()) {
            throw new IllegalArgumentException(keptInputs.length + " kept inputs for a network of " + network.inputs());
        }
        if (keptInputs.length == width) {
            return DenseChainWriter.write(original, network);
        }
        if (!original.chainInputName().equals(original.input().name())) {
            throw new IllegalArgumentException("inputs can only be selected in a model without an input prefix");
        }
        ModelProto narrowed = DenseChainWriter.write(original, network);
        String data = original.input().name();
        GraphProto.Builder graph = narrowed.getGraph().toBuilder();
        Set<String> names = GraphIndex.tensorNames(graph);
        String selected = GraphIndex.uniqueName(names, data + "_kept_columns");
        String indices = GraphIndex.uniqueName(names, "odf2nna_kept_inputs");
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto node = graph.getNode(i);
            NodeProto.Builder b = node.toBuilder();
            for (int k = 0; k < node.getInputCount(); k++) {
                if (node.getInput(k).equals(data)) {
                    b.setInput(k, selected);
                }
            }
            graph.setNode(i, b);
        }
        graph.addInitializer(OnnxTensors.int64Vector(indices, Arrays.stream(keptInputs).asLongStream().toArray()));
        NodeProto gather = NodeProto.newBuilder().setOpType("Gather").setName(GraphIndex.uniqueName(names, "odf2nna_select_inputs"))
                .addInput(data).addInput(indices).addOutput(selected)
                .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT)
                        .setI(1))
                .build();
        graph.addNode(0, gather);
        for (int i = 0; i < graph.getInputCount(); i++) {
            ValueInfoProto input = graph.getInput(i);
            if (input.getName().equals(data) && input.getType().getTensorType().hasShape()) {
                graph.setInput(i, DenseChainWriter.withLastDim(input, width));
            }
        }
        return narrowed.toBuilder().setGraph(graph).build();
    }
}

package org.odf2nna.onnx;

import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.onnx.proto.OnnxProto.TypeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * Copies of a model made for measuring it: the whole graph with chosen inner tensors exposed as extra
 * outputs (all truncated subgraphs of the paper's Algorithm 4 in one session), or a single truncated
 * subgraph ending at one tensor (as Algorithm 3 builds them, one at a time).
 *
 * <p>Both relax a fixed batch dimension of the data input and outputs to a symbolic one, so that a graph
 * exported with batch 1 can still be fed many rows at once, and drop value_info, whose stale shapes
 * could contradict the relaxed batch.
 */
public final class ScoringGraph {

    private ScoringGraph() {
    }

    /** The model with {@code tensors} added as outputs (those not already outputs), in that order. */
    public static ModelProto exposing(OnnxDenseModel model, List<String> tensors) {
        ModelProto.Builder copy = model.model().toBuilder();
        GraphProto.Builder graph = copy.getGraphBuilder();
        Set<String> outputs = new HashSet<>();
        graph.getOutputList().forEach(o -> outputs.add(o.getName()));
        for (String t : new LinkedHashSet<>(tensors)) {
            if (outputs.add(t)) {
                graph.addOutput(untypedOutput(t, elementType(model)));
            }
        }
        relax(graph, model.input().name());
        return copy.build();
    }

    /**
     * Only the nodes needed to compute {@code tensor}, which becomes the single output: a truncated
     * subgraph of the paper's Algorithm 3.
     */
    public static ModelProto truncatedAt(OnnxDenseModel model, String tensor) {
        ModelProto.Builder copy = model.model().toBuilder();
        GraphProto.Builder graph = copy.getGraphBuilder();
        GraphIndex index = new GraphIndex(model.model(), model.source());
        GraphIndex.Upstream upstream = index.upstream(tensor);
        Set<NodeProto> needed = upstream.nodes();
        Set<String> tensors = upstream.tensors();
        List<NodeProto> nodes = model.model().getGraph().getNodeList().stream().filter(needed::contains).toList();
        graph.clearNode().addAllNode(nodes);
        graph.clearInitializer().addAllInitializer(model.model().getGraph().getInitializerList().stream()
                .filter(i -> tensors.contains(i.getName())).toList());
        List<ValueInfoProto> inputs = graph.getInputList().stream()
                .filter(i -> tensors.contains(i.getName()) || i.getName().equals(model.input().name())).toList();
        graph.clearInput().addAllInput(inputs);
        graph.clearOutput().addOutput(untypedOutput(tensor, elementType(model)));
        relax(graph, model.input().name());
        return copy.build();
    }

    /**
     * The truncated subgraph ending at {@code tensor} followed by a Gather of column {@code unit}: a model
     * whose single output is one hidden unit's activation, {@code [N]}, as the paper's Algorithm 3 builds
     * one model per unit (benchmarks compare it with the one-pass scoring).
     */
    public static ModelProto truncatedAtUnit(OnnxDenseModel model, String tensor, int unit) {
        if (unit < 0) {
            throw new IllegalArgumentException("unit must be >= 0, got " + unit);
        }
        ModelProto truncated = truncatedAt(model, tensor);
        ModelProto.Builder copy = truncated.toBuilder();
        GraphProto.Builder graph = copy.getGraphBuilder();
        String index = uniqueName(truncated, tensor + "__unit_index");
        String output = uniqueName(truncated, tensor + "__unit" + unit);
        graph.addInitializer(TensorProto.newBuilder().setName(index).setDataType(TensorProto.DataType.INT64_VALUE)
                .addInt64Data(unit));
        graph.addNode(NodeProto.newBuilder().setOpType("Gather").setName(output).addInput(tensor).addInput(index)
                .addOutput(output).addAttribute(AttributeProto.newBuilder().setName("axis").setI(1)
                        .setType(AttributeProto.AttributeType.INT)));
        graph.clearOutput().addOutput(untypedOutput(output, elementType(model)));
        return copy.build();
    }

    private static String uniqueName(ModelProto model, String base) {
        Set<String> used = new HashSet<>();
        GraphProto g = model.getGraph();
        g.getInitializerList().forEach(i -> used.add(i.getName()));
        g.getInputList().forEach(i -> used.add(i.getName()));
        g.getNodeList().forEach(n -> {
            used.addAll(n.getOutputList());
            used.add(n.getName());
        });
        String name = base;
        for (int k = 1; used.contains(name); k++) {
            name = base + "_" + k;
        }
        return name;
    }

    private static int elementType(OnnxDenseModel model) {
        return model.binding().layers().get(0).dense().weightType();
    }

    private static ValueInfoProto untypedOutput(String name, int elementType) {
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(elementType)))
                .build();
    }

    /**
     * Makes the batch dimension of {@code graph}'s data input and of its outputs symbolic, and drops its value_info,
     * so that ONNX Runtime runs it on any number of rows.
     */
    public static void relax(GraphProto.Builder graph, String dataInput) {
        graph.clearValueInfo();
        for (int i = 0; i < graph.getInputCount(); i++) {
            if (graph.getInput(i).getName().equals(dataInput)) {
                graph.setInput(i, withSymbolicBatch(graph.getInput(i)));
            }
        }
        for (int o = 0; o < graph.getOutputCount(); o++) {
            graph.setOutput(o, withSymbolicBatch(graph.getOutput(o)));
        }
    }

    static ValueInfoProto withSymbolicBatch(ValueInfoProto info) {
        TypeProto.Tensor tensor = info.getType().getTensorType();
        if (!tensor.hasShape() || tensor.getShape().getDimCount() == 0) {
            return info;
        }
        TensorShapeProto.Dimension first = tensor.getShape().getDim(0);
        if (!first.hasDimValue()) {
            return info;
        }
        TensorShapeProto shape = tensor.getShape().toBuilder()
                .setDim(0, TensorShapeProto.Dimension.newBuilder().setDimParam("N")).build();
        return info.toBuilder().setType(info.getType().toBuilder().setTensorType(tensor.toBuilder().setShape(shape)))
                .build();
    }
}

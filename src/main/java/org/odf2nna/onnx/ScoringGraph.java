package org.odf2nna.onnx;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
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
        Set<NodeProto> needed = new HashSet<>();
        Set<String> tensors = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(tensor));
        while (!todo.isEmpty()) {
            String t = todo.pop();
            if (!tensors.add(t)) {
                continue;
            }
            NodeProto p = index.producer(t);
            if (p != null && needed.add(p)) {
                p.getInputList().stream().filter(s -> !s.isEmpty()).forEach(todo::push);
            }
        }
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

    private static int elementType(OnnxDenseModel model) {
        return model.binding().layers().get(0).weightType();
    }

    private static ValueInfoProto untypedOutput(String name, int elementType) {
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(elementType)))
                .build();
    }

    private static void relax(GraphProto.Builder graph, String dataInput) {
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

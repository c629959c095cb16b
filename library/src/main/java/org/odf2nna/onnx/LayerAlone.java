package org.odf2nna.onnx;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.onnx.proto.OnnxProto.TypeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * One layer of a graph as a model of its own, to be timed alone: the nodes from one tensor to another with the
 * initializers they read, the first tensor a graph input of the shape that reached it (its batch open). What
 * {@link Int8LayerTiming} times against its int8 form, and what a sweep's latency budget times per layer.
 */
public final class LayerAlone {

    private LayerAlone() {
    }

    /** The layer's input as a data input: float, its batch open, the other sizes as they reached it. */
    public static InputSignature signature(String tensor, long[] shape) {
        long[] open = shape.clone();
        open[0] = -1;
        return new InputSignature(tensor, OnnxTensors.FLOAT, open);
    }

    /**
     * The layer as a model of its own: its input a graph input of {@code shape} (the batch open), its output the
     * graph output, and the nodes and initializers its weights and bias come from; null when those depend on a graph
     * input.
     */
    public static ModelProto of(ModelProto model, String input, String output, long[] shape) {
        GraphProto g = model.getGraph();
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < g.getNodeCount(); i++) {
            for (String out : g.getNode(i).getOutputList()) {
                producer.put(out, i);
            }
        }
        Map<String, TensorProto> initializers = new HashMap<>();
        g.getInitializerList().forEach(t -> initializers.put(t.getName(), t));
        boolean[] keep = new boolean[g.getNodeCount()];
        Set<String> used = new LinkedHashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(output));
        while (!todo.isEmpty()) {
            String t = todo.pop();
            if (t.isEmpty() || t.equals(input)) {
                continue;
            }
            if (initializers.containsKey(t)) {
                used.add(t);
                continue;
            }
            Integer p = producer.get(t);
            if (p == null) {
                return null;
            }
            if (!keep[p]) {
                keep[p] = true;
                todo.addAll(g.getNode(p).getInputList());
            }
        }
        GraphProto.Builder b = GraphProto.newBuilder().setName("layer");
        for (int i = 0; i < keep.length; i++) {
            if (keep[i]) {
                b.addNode(g.getNode(i));
            }
        }
        used.forEach(t -> b.addInitializer(initializers.get(t)));
        TensorShapeProto.Builder dims = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder()
                .setDimParam("N"));
        for (int d = 1; d < shape.length; d++) {
            dims.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(shape[d]));
        }
        b.addInput(ValueInfoProto.newBuilder().setName(input).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(OnnxTensors.FLOAT).setShape(dims))));
        b.addOutput(ValueInfoProto.newBuilder().setName(output).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(OnnxTensors.FLOAT))));
        return model.toBuilder().clearMetadataProps().setGraph(b).build();
    }

    /**
     * A model that hands its input on as it is (one Identity) at {@code shape}, with {@code model}'s opsets: what
     * running any model on that input costs ONNX Runtime before it computes anything (feeding and fetching the
     * tensors, the run's own overhead), timed beside a layer to be taken off its time.
     */
    public static ModelProto passing(ModelProto model, String input, long[] shape) {
        return of(ModelProto.newBuilder(model).setGraph(GraphProto.newBuilder()
                .addNode(NodeProto.newBuilder().setOpType("Identity").addInput(input).addOutput(input + "/passed"))
                .addOutput(ValueInfoProto.newBuilder().setName(input + "/passed"))).build(), input, input + "/passed",
                shape);
    }
}

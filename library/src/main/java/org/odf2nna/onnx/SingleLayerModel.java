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
public final class SingleLayerModel {

    private SingleLayerModel() {
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

    /**
     * A layer with fewer output units.
     *
     * @param model the narrowed layer alone
     * @param kept  the share of its output units it keeps (so of its multiply-adds)
     */
    public record Narrowed(ModelProto model, double kept) {
    }

    /**
     * {@code alone} ({@link #of}: one Conv of group 1, Gemm or MatMul whose weight is an initializer) with only the
     * first half of its output units (a Conv's channels, a Gemm's or MatMul's columns), its bias cut alike, the input as
     * it was: timed beside the whole layer, the two say what a unit costs apart from what the layer costs whatever its
     * width. Null for any other layer, a weight that is not float, or a single unit.
     */
    public static Narrowed narrowed(ModelProto alone, java.nio.file.Path file) {
        GraphProto g = alone.getGraph();
        if (g.getNodeCount() != 1) {
            return null;
        }
        NodeProto node = g.getNode(0);
        Map<String, TensorProto> initializers = new HashMap<>();
        g.getInitializerList().forEach(t -> initializers.put(t.getName(), t));
        String op = node.getOpType();
        boolean conv = op.equals("Conv") && NodeAttributes.intAttribute(node, "group", 1) == 1;
        boolean gemm = op.equals("Gemm") && NodeAttributes.intAttribute(node, "transA", 0) == 0;
        boolean matMul = op.equals("MatMul");
        TensorProto weight = node.getInputCount() > 1 ? initializers.get(node.getInput(1)) : null;
        if (!(conv || gemm || matMul) || weight == null || weight.getDataType() != OnnxTensors.FLOAT
                || weight.getDimsCount() < 2) {
            return null;
        }
        // The output units' axis of the weight: a Conv's first, a Gemm's first under transB, else the last.
        boolean first = conv || gemm && NodeAttributes.intAttribute(node, "transB", 0) != 0;
        int axis = first ? 0 : weight.getDimsCount() - 1;
        int keep = (int) (weight.getDims(axis) / 2);
        TensorProto cut = keep < 1 ? null : cut(weight, file, axis, keep);
        if (cut == null) {
            return null;
        }
        GraphProto.Builder b = g.toBuilder().clearInitializer().addInitializer(cut);
        for (TensorProto t : g.getInitializerList()) {
            if (t.getName().equals(weight.getName())) {
                continue;
            }
            boolean bias = node.getInputCount() > 2 && t.getName().equals(node.getInput(2));
            TensorProto kept = bias && t.getDimsCount() >= 1 && t.getDims(t.getDimsCount() - 1) > keep
                    ? cut(t, file, t.getDimsCount() - 1, keep) : t;
            if (kept == null) {
                return null;
            }
            b.addInitializer(kept);
        }
        return new Narrowed(alone.toBuilder().setGraph(b).build(), (double) keep / weight.getDims(axis));
    }

    /** {@code t}'s first {@code keep} entries along {@code axis}; null when it has no more than that or is not float. */
    private static TensorProto cut(TensorProto t, java.nio.file.Path file, int axis, int keep) {
        if (t.getDataType() != OnnxTensors.FLOAT || t.getDims(axis) <= keep) {
            return null;
        }
        float[] values = OnnxTensors.floats(t, file, "initializer '" + t.getName() + "'");
        long[] dims = new long[t.getDimsCount()];
        for (int d = 0; d < dims.length; d++) {
            dims[d] = t.getDims(d);
        }
        long outer = 1;
        for (int d = 0; d < axis; d++) {
            outer *= dims[d];
        }
        long inner = values.length / (outer * dims[axis]);
        float[] out = new float[(int) (outer * keep * inner)];
        for (long o = 0; o < outer; o++) {
            System.arraycopy(values, (int) ((o * dims[axis]) * inner), out, (int) (o * keep * inner),
                    (int) (keep * inner));
        }
        dims[axis] = keep;
        return OnnxTensors.newTensor(t.getName(), OnnxTensors.FLOAT, out, dims);
    }
}

package org.odf2nna.onnx;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * How the dense-chain reader sees a file {@link Int8Weights} wrote on integer kernels: each chain
 * {@code DynamicQuantizeLinear → MatMulInteger → Cast → Mul(·, Mul(x_scale, s))} as the dense layer it computes (a
 * DequantizeLinear of its int8 weights, axis 1, into a MatMul writing the chain's output), and each Cast to float of a
 * one-dimensional float16 initializer (the scales and biases of wide int8 layers) as a float initializer.
 */
final class Int8Reading {

    private final GraphProto graph;
    private final Map<String, NodeProto> producers = new HashMap<>();
    private final Map<String, List<NodeProto>> consumers = new HashMap<>();
    private final Map<String, TensorProto> initializers = new HashMap<>();
    private final Map<String, TensorProto> halves = new HashMap<>();
    private final Set<NodeProto> halfCasts = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<NodeProto> removed = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Map<NodeProto, List<NodeProto>> replaced = new IdentityHashMap<>();

    private Int8Reading(GraphProto graph) {
        this.graph = graph;
        for (NodeProto n : graph.getNodeList()) {
            n.getOutputList().forEach(o -> producers.put(o, n));
            n.getInputList().forEach(i -> consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n));
        }
        graph.getInitializerList().forEach(t -> initializers.put(t.getName(), t));
    }

    /** The model as the reader reads it; the model itself when it holds neither form. */
    static ModelProto readable(ModelProto model) {
        Int8Reading r = new Int8Reading(model.getGraph());
        r.findHalfCasts();
        r.findIntegerChains();
        if (r.replaced.isEmpty() && r.halfCasts.isEmpty()) {
            return model;
        }
        return r.view(model);
    }

    /**
     * A Cast to float of a one-dimensional float16 initializer: a float constant. Other float16 tensors (a model's
     * own float16 weights) are left to be refused as before.
     */
    private void findHalfCasts() {
        for (NodeProto n : graph.getNodeList()) {
            TensorProto t = n.getInputCount() == 1 ? initializers.get(n.getInput(0)) : null;
            float[] values = t == null || t.getDimsCount() != 1 ? null : Int8Weights.halfValues(t);
            if (values != null && n.getOpType().equals("Cast") && n.getDomain().isEmpty() && n.getOutputCount() == 1
                    && NodeAttributes.intAttribute(n, "to", -1) == TensorProto.DataType.FLOAT_VALUE) {
                halves.put(n.getOutput(0), OnnxTensors.newTensor(n.getOutput(0), OnnxTensors.FLOAT, values,
                        OnnxTensors.dims(t)));
                halfCasts.add(n);
            }
        }
        initializers.putAll(halves);
    }

    private void findIntegerChains() {
        Set<String> names = new HashSet<>(initializers.keySet());
        names.addAll(producers.keySet());
        for (NodeProto mm : graph.getNodeList()) {
            if (mm.getOpType().equals("MatMulInteger") && mm.getDomain().isEmpty() && mm.getInputCount() == 3) {
                integerChain(mm, names);
            }
        }
    }

    private NodeProto onlyConsumer(String tensor, String op) {
        List<NodeProto> users = consumers.getOrDefault(tensor, List.of());
        return users.size() == 1 && users.get(0).getOpType().equals(op) ? users.get(0) : null;
    }

    /** The chain around one MatMulInteger read as DequantizeLinear → MatMul, when it is the form written. */
    private void integerChain(NodeProto mm, Set<String> names) {
        NodeProto dq = producers.get(mm.getInput(0));
        TensorProto w = initializers.get(mm.getInput(1));
        NodeProto cast = onlyConsumer(mm.getOutput(0), "Cast");
        if (dq == null || !dq.getOpType().equals("DynamicQuantizeLinear") || dq.getOutputCount() != 3
                || !mm.getInput(2).equals(dq.getOutput(2)) || w == null
                || w.getDataType() != TensorProto.DataType.INT8_VALUE || w.getDimsCount() != 2 || cast == null) {
            return;
        }
        NodeProto mul = onlyConsumer(cast.getOutput(0), "Mul");
        if (mul == null) {
            return;
        }
        NodeProto scales = producers.get(mul.getInput(0).equals(cast.getOutput(0)) ? mul.getInput(1)
                : mul.getInput(0));
        if (scales == null || !scales.getOpType().equals("Mul") || !scales.getInput(0).equals(dq.getOutput(1))
                || !initializers.containsKey(scales.getInput(1))
                || consumers.getOrDefault(dq.getOutput(0), List.of()).size() != 1
                || consumers.getOrDefault(scales.getOutput(0), List.of()).size() != 1) {
            return;
        }
        String weight = GraphIndex.uniqueName(names, mm.getInput(1) + "_dequantized");
        NodeProto dequantize = Int8Tensors.node("DequantizeLinear", List.of(mm.getInput(1), scales.getInput(1)),
                List.of(weight), Int8Tensors.intAttribute("axis", 1));
        NodeProto matmul = Int8Tensors.node("MatMul", List.of(dq.getInput(0), weight), List.of(mul.getOutput(0)));
        removed.addAll(List.of(dq, mm, cast, scales));
        replaced.put(mul, List.of(dequantize, matmul));
    }

    private ModelProto view(ModelProto model) {
        List<NodeProto> nodes = new ArrayList<>();
        for (NodeProto n : graph.getNodeList()) {
            if (replaced.containsKey(n)) {
                nodes.addAll(replaced.get(n));
            } else if (!removed.contains(n) && !halfCasts.contains(n)) {
                nodes.add(n);
            }
        }
        ModelProto.Builder b = model.toBuilder();
        GraphProto.Builder view = b.getGraphBuilder().clearNode().addAllNode(nodes);
        // The float16 constants become float initializers of the Casts' names; a float16 initializer nothing else
        // reads goes.
        Set<String> read = new HashSet<>();
        nodes.forEach(n -> read.addAll(n.getInputList()));
        graph.getOutputList().forEach(o -> read.add(o.getName()));
        Set<String> castFrom = new HashSet<>();
        halfCasts.forEach(n -> castFrom.add(n.getInput(0)));
        for (int i = view.getInitializerCount() - 1; i >= 0; i--) {
            String name = view.getInitializer(i).getName();
            if (castFrom.contains(name) && !read.contains(name)) {
                view.removeInitializer(i);
            }
        }
        halves.values().forEach(view::addInitializer);
        return b.build();
    }
}

package org.odf2nna.onnx;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.odf2nna.InputException;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;

/** Look-ups over one ONNX graph: who produces and who consumes each tensor, and which tensors are constant. */
final class GraphIndex {

    final Path file;
    final GraphProto graph;
    final long opset;
    private final Map<String, TensorProto> initializers = new HashMap<>();
    private final Map<String, NodeProto> producers = new HashMap<>();
    private final Map<String, List<NodeProto>> consumers = new HashMap<>();
    private final Set<String> graphOutputs = new HashSet<>();

    GraphIndex(ModelProto model, Path file) {
        this.file = file;
        this.graph = model.getGraph();
        this.opset = defaultOpset(model);
        for (TensorProto t : graph.getInitializerList()) {
            initializers.put(t.getName(), t);
        }
        for (NodeProto node : graph.getNodeList()) {
            for (String out : node.getOutputList()) {
                if (!out.isEmpty()) {
                    if (producers.put(out, node) != null) {
                        throw new InputException(file, describe(node), "writes tensor '" + out
                                + "', which another node writes too (not a valid ONNX graph)");
                    }
                }
            }
            for (String in : node.getInputList()) {
                if (!in.isEmpty()) {
                    consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(node);
                }
            }
        }
        for (ValueInfoProto out : graph.getOutputList()) {
            graphOutputs.add(out.getName());
        }
        checkAcyclic();
    }

    /**
     * An ONNX graph is acyclic; a cycle (a node that depends on its own output) would send every walk over
     * the graph round in circles. Kahn's algorithm: nodes whose inputs are all available are taken away
     * until none is left; any that remain sit on a cycle.
     */
    private void checkAcyclic() {
        Map<NodeProto, Integer> waiting = new java.util.IdentityHashMap<>();
        List<NodeProto> ready = new ArrayList<>();
        for (NodeProto node : graph.getNodeList()) {
            int pending = 0;
            for (String in : node.getInputList()) {
                if (!in.isEmpty() && producers.containsKey(in)) {
                    pending++;
                }
            }
            if (pending == 0) {
                ready.add(node);
            } else {
                waiting.merge(node, pending, Integer::sum);
            }
        }
        while (!ready.isEmpty()) {
            NodeProto node = ready.remove(ready.size() - 1);
            for (String out : node.getOutputList()) {
                if (out.isEmpty()) {
                    continue;
                }
                // A node appears here once per input that reads this tensor, as it was counted.
                for (NodeProto consumer : consumers.getOrDefault(out, List.of())) {
                    Integer left = waiting.computeIfPresent(consumer, (k, v) -> v - 1);
                    if (left != null && left == 0) {
                        waiting.remove(consumer);
                        ready.add(consumer);
                    }
                }
            }
        }
        if (!waiting.isEmpty()) {
            NodeProto first = null;
            for (NodeProto node : graph.getNodeList()) {
                if (waiting.containsKey(node)) {
                    first = node;
                    break;
                }
            }
            throw new InputException(file, describe(first), "is on a cycle: it depends on its own output (an ONNX "
                    + "graph must be acyclic)");
        }
    }

    private static long defaultOpset(ModelProto model) {
        for (OperatorSetIdProto id : model.getOpsetImportList()) {
            if (id.getDomain().isEmpty() || id.getDomain().equals("ai.onnx")) {
                return id.getVersion();
            }
        }
        return 1;
    }

    NodeProto producer(String tensor) {
        return producers.get(tensor);
    }

    List<NodeProto> consumers(String tensor) {
        return consumers.getOrDefault(tensor, List.of());
    }

    /** What computing a tensor takes: the tensors it is computed from, itself included, and the nodes producing them. */
    record Upstream(Set<String> tensors, Set<NodeProto> nodes) {
    }

    /** Everything {@code tensor} is computed from, back to the graph's inputs and constants. */
    Upstream upstream(String tensor) {
        Set<String> tensors = new HashSet<>();
        Set<NodeProto> nodes = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(tensor));
        while (!todo.isEmpty()) {
            String t = todo.pop();
            if (!tensors.add(t)) {
                continue;
            }
            NodeProto p = producer(t);
            if (p != null && nodes.add(p)) {
                for (String in : p.getInputList()) {
                    if (!in.isEmpty()) {
                        todo.push(in);
                    }
                }
            }
        }
        return new Upstream(tensors, nodes);
    }

    boolean isGraphOutput(String tensor) {
        return graphOutputs.contains(tensor);
    }

    boolean isInitializer(String tensor) {
        return initializers.containsKey(tensor);
    }

    boolean isConstant(String tensor) {
        if (initializers.containsKey(tensor)) {
            return true;
        }
        NodeProto p = producers.get(tensor);
        return p != null && (isConstantNode(p) || isDequantizedConstant(p) || isIdentityOfConstant(p));
    }

    /**
     * An Identity of the default domain whose input is a constant that only it reads: a weight stored once and read
     * through a copy, which is rewritten where it is stored.
     */
    boolean isIdentityOfConstant(NodeProto node) {
        if (!node.getOpType().equals("Identity") || !(node.getDomain().isEmpty() || node.getDomain().equals("ai.onnx"))
                || node.getInputCount() != 1 || node.getOutputCount() != 1) {
            return false;
        }
        String source = node.getInput(0);
        NodeProto p = producers.get(source);
        boolean constant = initializers.containsKey(source)
                || (p != null && p != node && (isConstantNode(p) || isDequantizedConstant(p)));
        return constant && consumers(source).size() == 1 && !graphOutputs.contains(source);
    }

    /** Where a constant lives; null when the tensor is not a constant. */
    TensorSlot slot(String tensor) {
        if (initializers.containsKey(tensor)) {
            return new TensorSlot.Initializer(tensor);
        }
        NodeProto p = producers.get(tensor);
        if (p != null && isDequantizedConstant(p)) {
            return new TensorSlot.Dequantized(tensor);
        }
        if (p != null && isIdentityOfConstant(p)) {
            return new TensorSlot.ThroughIdentity(tensor, slot(p.getInput(0)));
        }
        return isConstant(tensor) ? new TensorSlot.ConstantNode(tensor) : null;
    }

    /**
     * A DequantizeLinear of the default domain whose inputs are all 8-bit and float initializers (the form
     * {@link Int8Weights} writes): a constant, since its value is fixed; the reader sees the float weights it gives.
     */
    boolean isDequantizedConstant(NodeProto node) {
        if (!node.getOpType().equals("DequantizeLinear") || !(node.getDomain().isEmpty()
                || node.getDomain().equals("ai.onnx")) || node.getInputCount() < 2 || node.getInputCount() > 3) {
            return false;
        }
        for (String in : node.getInputList()) {
            TensorProto t = initializers.get(in);
            if (in.isEmpty() || t == null || OnnxTensors.isExternal(t)) {
                return false;
            }
        }
        int type = initializers.get(node.getInput(0)).getDataType();
        return (type == TensorProto.DataType.INT8_VALUE || type == TensorProto.DataType.UINT8_VALUE)
                && initializers.get(node.getInput(1)).getDataType() == OnnxTensors.FLOAT;
    }

    /** The constant's tensor, or null when the tensor is not a constant. */
    TensorProto constant(String tensor, String place) {
        TensorProto t = initializers.get(tensor);
        if (t != null) {
            return t;
        }
        NodeProto p = producers.get(tensor);
        if (p != null && isDequantizedConstant(p)) {
            return Int8Weights.dequantized(p, initializers, tensor, file);
        }
        if (p != null && isIdentityOfConstant(p)) {
            return constant(p.getInput(0), place).toBuilder().setName(tensor).build();
        }
        if (p == null || !isConstantNode(p)) {
            return null;
        }
        for (AttributeProto a : p.getAttributeList()) {
            switch (a.getName()) {
                case "value":
                    return a.getT().toBuilder().setName(tensor).build();
                case "value_float":
                    return TensorProto.newBuilder().setName(tensor).setDataType(OnnxTensors.FLOAT)
                            .addFloatData(a.getF()).build();
                case "value_floats":
                    return TensorProto.newBuilder().setName(tensor).setDataType(OnnxTensors.FLOAT)
                            .addDims(a.getFloatsCount()).addAllFloatData(a.getFloatsList()).build();
                default:
                    break;
            }
        }
        throw new InputException(file, describe(p), "is a Constant of a kind that cannot hold " + place);
    }

    /** A Constant node of the default ONNX domain (a Constant of another domain is an unknown operator). */
    static boolean isConstantNode(NodeProto node) {
        return node.getOpType().equals("Constant") && (node.getDomain().isEmpty() || node.getDomain().equals("ai.onnx"));
    }

    float[] constantFloats(String tensor, String place) {
        TensorProto t = constant(tensor, place);
        if (t == null) {
            return null;
        }
        return OnnxTensors.floats(t, file, place);
    }

    /** Names a node for messages: its name when it has one, else its op type and output. */
    static String describe(NodeProto node) {
        String what = node.getName().isEmpty()
                ? (node.getOutputCount() > 0 ? "node writing '" + node.getOutput(0) + "'" : "unnamed node")
                : "node '" + node.getName() + "'";
        return what + " (" + node.getOpType() + ")";
    }

    /** A node's name, or its op type and output when it has none: short enough for a table column. */
    static String displayName(NodeProto node) {
        if (!node.getName().isEmpty()) {
            return node.getName();
        }
        return node.getOpType() + " -> " + (node.getOutputCount() > 0 ? node.getOutput(0) : "?");
    }

    static String key(NodeProto node) {
        return node.getOutputCount() > 0 ? node.getOutput(0) : "";
    }

    /** The names {@code graph}'s nodes read and write and its initializers have, for {@link #uniqueName}: a new set. */
    static Set<String> tensorNames(org.odf2nna.onnx.proto.OnnxProto.GraphProtoOrBuilder graph) {
        Set<String> names = new HashSet<>();
        for (NodeProto n : graph.getNodeList()) {
            names.addAll(n.getInputList());
            names.addAll(n.getOutputList());
        }
        graph.getInitializerList().forEach(t -> names.add(t.getName()));
        return names;
    }

    /** {@code base}, or {@code base_1}, {@code base_2}, ... : the first not in {@code names}, which it joins. */
    static String uniqueName(java.util.Set<String> names, String base) {
        String name = base;
        for (int n = 1; names.contains(name); n++) {
            name = base + "_" + n;
        }
        names.add(name);
        return name;
    }
}

package org.odf2nna.onnx.cleaning;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.odf2nna.InputException;
import org.odf2nna.onnx.OnnxValues;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * One ONNX graph while the cleaning passes edit it: its nodes in order, its initializers, and look-ups (producer,
 * consumers, constants, element types) rebuilt after each edit. Only the main graph is edited; a name a subgraph
 * reads (If, Loop, Scan bodies see the outer graph's tensors by name) is pinned like a graph output, never renamed or
 * removed.
 */
final class EditableGraph {

    final Path file;
    final long opset;
    private final ModelProto original;
    private final List<NodeProto> nodes;
    private final Map<String, TensorProto> initializers = new LinkedHashMap<>();
    private final Set<String> graphInputs = new HashSet<>();
    private final Set<String> pinned = new HashSet<>();
    private final Map<String, ValueInfoProto> valueInfo = new LinkedHashMap<>();
    private final Set<String> usedNames = new HashSet<>();
    private Map<String, NodeProto> producers;
    private Set<NodeProto> present;
    private Map<String, List<NodeProto>> consumers;
    private TensorTypes types;

    EditableGraph(ModelProto model, Path file) {
        this.original = model;
        this.file = file;
        this.opset = defaultOpset(model);
        GraphProto graph = model.getGraph();
        this.nodes = new ArrayList<>(graph.getNodeList());
        graph.getInitializerList().forEach(t -> initializers.put(t.getName(), t));
        graph.getInputList().forEach(v -> graphInputs.add(v.getName()));
        graph.getOutputList().forEach(v -> pinned.add(v.getName()));
        for (ValueInfoProto v : graph.getValueInfoList()) {
            valueInfo.put(v.getName(), v);
        }
        for (NodeProto node : nodes) {
            for (AttributeProto a : node.getAttributeList()) {
                if (a.hasG()) {
                    SubgraphNames.collect(a.getG(), pinned);
                }
                a.getGraphsList().forEach(g -> SubgraphNames.collect(g, pinned));
            }
        }
        usedNames.addAll(initializers.keySet());
        usedNames.addAll(graphInputs);
        usedNames.addAll(pinned);
        nodes.forEach(n -> {
            usedNames.addAll(n.getInputList());
            usedNames.addAll(n.getOutputList());
            usedNames.add(n.getName());
        });
    }

    // ---- reading ----

    List<NodeProto> nodes() {
        return List.copyOf(nodes);
    }

    NodeProto producer(String tensor) {
        index();
        return producers.get(tensor);
    }

    List<NodeProto> consumers(String tensor) {
        index();
        return consumers.getOrDefault(tensor, List.of());
    }

    /** Whether {@code node} (this very object) is still in the graph: a pass's earlier edit may have replaced it. */
    boolean contains(NodeProto node) {
        index();
        return present.contains(node);
    }

    /** A graph output, or a name a subgraph reads: its name must stay. */
    boolean pinned(String tensor) {
        return pinned.contains(tensor);
    }

    /** Whether {@code tensor} is read by {@code node} alone (once) and is no graph output: free to fold away. */
    boolean onlyReadBy(String tensor, NodeProto node) {
        List<NodeProto> readers = consumers(tensor);
        return !pinned(tensor) && readers.size() == 1 && readers.get(0) == node
                && node.getInputList().stream().filter(tensor::equals).count() == 1;
    }

    /** Whether {@code tensor} is read by nothing and is no graph output. */
    boolean unused(String tensor) {
        return tensor.isEmpty() || (!pinned(tensor) && consumers(tensor).isEmpty());
    }

    /**
     * The value of a constant: an initializer that is not also a graph input (such an initializer is a default the
     * caller may override), or a default-domain Constant node's {@code value}; null otherwise, and for external data.
     */
    TensorProto constant(String tensor) {
        TensorProto t = initializers.get(tensor);
        if (t != null) {
            return graphInputs.contains(tensor) || external(t) ? null : t;
        }
        NodeProto p = producer(tensor);
        if (p == null || !p.getOpType().equals("Constant") || !defaultDomain(p)) {
            return null;
        }
        for (AttributeProto a : p.getAttributeList()) {
            if (a.getName().equals("value") && a.hasT() && !external(a.getT())) {
                return a.getT();
            }
        }
        return null;
    }

    /** A FLOAT constant's values, or null when {@code tensor} is not one (or its data does not read). */
    float[] floats(String tensor) {
        TensorProto t = constant(tensor);
        if (t == null || t.getDataType() != OnnxValues.FLOAT) {
            return null;
        }
        try {
            return OnnxValues.floats(t, file, "initializer '" + tensor + "'");
        } catch (InputException e) {
            return null;
        }
    }

    /** Whether {@code tensor} is a FLOAT constant (its values not decoded). */
    boolean isFloatConstant(String tensor) {
        TensorProto t = constant(tensor);
        return t != null && t.getDataType() == OnnxValues.FLOAT;
    }

    /** Whether two nodes write one tensor: not a valid graph, and none for the passes to edit. */
    boolean writesTwice() {
        Set<String> written = new HashSet<>();
        for (NodeProto node : nodes) {
            for (String out : node.getOutputList()) {
                if (!out.isEmpty() && !written.add(out)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A constant's dimensions; the caller knows it is one. */
    long[] dims(String tensor) {
        return OnnxValues.dims(constant(tensor));
    }

    /** Whether {@code tensor} is an input the caller feeds (not an initializer's default). */
    boolean isGraphInput(String tensor) {
        return graphInputs.contains(tensor) && !initializers.containsKey(tensor);
    }

    /** Whether {@code tensor} is an initializer the graph itself holds (and that is no graph input). */
    boolean isInitializer(String tensor) {
        return initializers.containsKey(tensor) && !graphInputs.contains(tensor);
    }

    /** The element type of {@code tensor} where it is known for sure ({@link TensorTypes}), else 0. */
    int elementType(String tensor) {
        index();
        return types.of(tensor);
    }

    /** The declared shape of {@code tensor} (graph input, output or value_info), or null; -1 for an open dimension. */
    long[] declaredShape(String tensor) {
        index();
        return types.shape(tensor);
    }

    // ---- editing ----

    /**
     * Takes {@code node} out so that readers of {@code out} read {@code in} instead. When {@code out} must keep its
     * name (a graph output), {@code in} is renamed to it instead, which needs {@code in} written by a node, read by
     * {@code node} alone and free to rename; returns false, changing nothing, when neither way is open.
     */
    boolean bypass(NodeProto node, String in, String out) {
        if (!pinned(out)) {
            remove(node);
            rename(out, in);
            valueInfo.remove(out);
            return true;
        }
        if (producer(in) == null || pinned(in) || graphInputs.contains(in) || !onlyReadBy(in, node)) {
            return false;
        }
        remove(node);
        rename(in, out);
        valueInfo.remove(in);
        return true;
    }

    void remove(NodeProto node) {
        int at = indexOf(node);
        nodes.remove(at);
        changed();
    }

    void replace(NodeProto node, NodeProto with) {
        nodes.set(indexOf(node), with);
        changed();
    }

    /**
     * Puts {@code values} (with {@code dims}) where {@code node} reads input {@code slot}: in place when that input is
     * an initializer read by this node alone, else in a new initializer the node reads instead (a weight shared with
     * another node, or held by a Constant node, stays as it is for the others). Returns the node as rewritten.
     */
    NodeProto setConstantInput(NodeProto node, int slot, float[] values, long[] dims, String baseName) {
        String current = slot < node.getInputCount() ? node.getInput(slot) : "";
        TensorProto model = current.isEmpty() ? null : constant(current);
        TensorProto written = model == null
                ? OnnxValues.newTensor(uniqueName(baseName), OnnxValues.FLOAT, values, dims)
                : OnnxValues.withValues(model, values, dims);
        boolean inPlace = model != null && isInitializer(current) && onlyReadBy(current, node) && !pinned(current);
        if (inPlace) {
            initializers.put(current, written.toBuilder().setName(current).build());
            changed();
            return node;
        }
        String name = model == null ? written.getName() : uniqueName(current + "_cleaned");
        initializers.put(name, written.toBuilder().setName(name).build());
        NodeProto.Builder b = node.toBuilder();
        while (b.getInputCount() <= slot) {
            b.addInput("");
        }
        b.setInput(slot, name);
        NodeProto rewritten = b.build();
        replace(node, rewritten);
        return rewritten;
    }

    /**
     * Makes {@code node} read a new INT64 vector constant holding {@code values} at input {@code slot} (pads, axes):
     * a new initializer, so that one another node reads stays as it is. Returns the node as rewritten.
     */
    NodeProto setInt64Input(NodeProto node, int slot, long[] values, String baseName) {
        String name = uniqueName(baseName);
        initializers.put(name, OnnxValues.int64Vector(name, values));
        NodeProto rewritten = node.toBuilder().setInput(slot, name).build();
        replace(node, rewritten);
        return rewritten;
    }

    /** Drops what value_info declares of {@code tensor}: a rewrite changed its shape (a layout's axes). */
    void forgetShape(String tensor) {
        if (valueInfo.remove(tensor) != null) {
            changed();
        }
    }

    String uniqueName(String base) {
        String name = base;
        for (int k = 1; usedNames.contains(name); k++) {
            name = base + "_" + k;
        }
        usedNames.add(name);
        return name;
    }

    /** The model with the edited graph: initializers nothing reads any more are dropped, value_info of gone tensors. */
    ModelProto toModel() {
        index();
        Set<String> read = new HashSet<>(pinned);
        nodes.forEach(n -> read.addAll(n.getInputList()));
        Set<String> readBefore = new HashSet<>();
        original.getGraph().getNodeList().forEach(n -> readBefore.addAll(n.getInputList()));
        // A Constant node whose value a fold took in (a BatchNormalization's mean, a replaced weight) goes with it.
        List<NodeProto> kept = new ArrayList<>(nodes);
        kept.removeIf(n -> n.getOpType().equals("Constant") && defaultDomain(n) && n.getOutputCount() == 1
                && !read.contains(n.getOutput(0)) && readBefore.contains(n.getOutput(0)));
        GraphProto.Builder graph = original.getGraph().toBuilder().clearNode().addAllNode(kept).clearInitializer()
                .clearValueInfo();
        Set<String> originalInitializers = new HashSet<>();
        original.getGraph().getInitializerList().forEach(t -> originalInitializers.add(t.getName()));
        for (TensorProto t : initializers.values()) {
            // An initializer of the input model that nothing read stays as it was (not ours to drop).
            if (read.contains(t.getName()) || graphInputs.contains(t.getName())
                    || (originalInitializers.contains(t.getName()) && !readBefore.contains(t.getName()))) {
                graph.addInitializer(t);
            }
        }
        for (ValueInfoProto v : valueInfo.values()) {
            if (producers.containsKey(v.getName()) || read.contains(v.getName())) {
                graph.addValueInfo(v);
            }
        }
        return original.toBuilder().setGraph(graph).build();
    }

    // ---- internals ----

    private void rename(String from, String to) {
        for (int k = 0; k < nodes.size(); k++) {
            NodeProto n = nodes.get(k);
            if (n.getInputList().contains(from) || n.getOutputList().contains(from)) {
                NodeProto.Builder b = n.toBuilder();
                for (int i = 0; i < b.getInputCount(); i++) {
                    if (b.getInput(i).equals(from)) {
                        b.setInput(i, to);
                    }
                }
                for (int i = 0; i < b.getOutputCount(); i++) {
                    if (b.getOutput(i).equals(from)) {
                        b.setOutput(i, to);
                    }
                }
                nodes.set(k, b.build());
            }
        }
        changed();
    }

    private int indexOf(NodeProto node) {
        for (int k = 0; k < nodes.size(); k++) {
            if (nodes.get(k) == node) {
                return k;
            }
        }
        throw new IllegalStateException("node not in the graph: " + node.getName());
    }

    private void changed() {
        producers = null;
    }

    private void index() {
        if (producers != null) {
            return;
        }
        producers = new HashMap<>();
        consumers = new HashMap<>();
        present = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        present.addAll(nodes);
        for (NodeProto node : nodes) {
            for (String out : node.getOutputList()) {
                if (!out.isEmpty()) {
                    producers.putIfAbsent(out, node);
                }
            }
            for (String in : node.getInputList()) {
                if (!in.isEmpty()) {
                    List<NodeProto> readers = consumers.computeIfAbsent(in, k -> new ArrayList<>());
                    if (!readers.contains(node)) {
                        readers.add(node);
                    }
                }
            }
        }
        types = new TensorTypes(original.getGraph(), valueInfo.values(), initializers, producers);
    }

    static boolean defaultDomain(NodeProto node) {
        return node.getDomain().isEmpty() || node.getDomain().equals("ai.onnx");
    }

    private static boolean external(TensorProto t) {
        return t.getDataLocation() == TensorProto.DataLocation.EXTERNAL;
    }

    private static long defaultOpset(ModelProto model) {
        for (OperatorSetIdProto id : model.getOpsetImportList()) {
            if (id.getDomain().isEmpty() || id.getDomain().equals("ai.onnx")) {
                return id.getVersion();
            }
        }
        return 0;
    }
}

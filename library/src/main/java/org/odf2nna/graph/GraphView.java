package org.odf2nna.graph;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.odf2nna.onnx.NodeAttributes;
import org.odf2nna.onnx.OnnxValues;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * A read-only index of one ONNX graph: who produces and who consumes each tensor, and which tensors are constants
 * (initializers and Constant nodes), with their values.
 */
final class GraphView {

    final ModelProto model;
    final Path file;
    final List<NodeProto> nodes;
    private final Map<String, Integer> producer = new HashMap<>();
    private final Map<String, List<Integer>> consumers = new HashMap<>();
    private final Map<String, TensorProto> initializers = new HashMap<>();
    private final Map<String, TensorProto> constantNodes = new HashMap<>();
    private final Set<String> outputs = new HashSet<>();
    private final Map<String, float[]> values = new HashMap<>();

    GraphView(ModelProto model, Path file) {
        this.model = model;
        this.file = file;
        GraphProto g = model.getGraph();
        this.nodes = g.getNodeList();
        for (TensorProto t : g.getInitializerList()) {
            initializers.put(t.getName(), t);
        }
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto n = nodes.get(i);
            for (String in : n.getInputList()) {
                if (!in.isEmpty()) {
                    consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
                }
            }
            for (String out : n.getOutputList()) {
                if (!out.isEmpty()) {
                    producer.put(out, i);
                }
            }
            if (n.getOpType().equals("Constant") && n.getDomain().isEmpty() && n.getOutputCount() == 1) {
                TensorProto value = constantValue(n);
                if (value != null) {
                    constantNodes.put(n.getOutput(0), value);
                }
            }
        }
        g.getOutputList().forEach(o -> outputs.add(o.getName()));
    }

    private static TensorProto constantValue(NodeProto n) {
        for (AttributeProto a : n.getAttributeList()) {
            switch (a.getName()) {
                case "value":
                    return a.getT();
                case "value_float":
                    return TensorProto.newBuilder().setDataType(OnnxValues.FLOAT).addFloatData(a.getF()).build();
                case "value_floats":
                    return TensorProto.newBuilder().setDataType(OnnxValues.FLOAT).addDims(a.getFloatsCount())
                            .addAllFloatData(a.getFloatsList()).build();
                default:
                    break;
            }
        }
        return null;
    }

    /** The node that produces {@code tensor}, or -1 (graph input, initializer, or unknown). */
    int producer(String tensor) {
        return producer.getOrDefault(tensor, -1);
    }

    /** The node that writes {@code tensor} when it is an {@code op}, else null. */
    NodeProto producer(String tensor, String op) {
        int p = producer(tensor);
        return p >= 0 && nodes.get(p).getOpType().equals(op) ? nodes.get(p) : null;
    }

    /** The nodes that read {@code tensor}, one entry per input slot that names it. */
    List<Integer> consumers(String tensor) {
        return consumers.getOrDefault(tensor, List.of());
    }

    boolean isGraphOutput(String tensor) {
        return outputs.contains(tensor);
    }

    boolean isInitializer(String tensor) {
        return initializers.containsKey(tensor);
    }

    /** Whether the tensor holds float values fixed in the file (an initializer or a Constant node's output). */
    boolean isConstant(String tensor) {
        TensorProto t = constant(tensor);
        return t != null && (t.getDataType() == OnnxValues.FLOAT || t.getDataType() == OnnxValues.DOUBLE);
    }

    TensorProto constant(String tensor) {
        TensorProto t = initializers.get(tensor);
        return t != null ? t : constantNodes.get(tensor);
    }

    long[] dims(String tensor) {
        return OnnxValues.dims(constant(tensor));
    }

    long elements(String tensor) {
        long n = 1;
        for (long d : dims(tensor)) {
            n *= d;
        }
        return n;
    }

    float[] values(String tensor) {
        return values.computeIfAbsent(tensor, t -> OnnxValues.floats(constant(t), file, "initializer '" + t + "'"));
    }

    /** The single value of a constant with one element, or NaN when it is not one. */
    float scalar(String tensor) {
        if (!isConstant(tensor) || elements(tensor) != 1) {
            return Float.NaN;
        }
        return values(tensor)[0];
    }

    static String nodeName(NodeProto n) {
        return n.getName().isEmpty() ? n.getOpType() + "(" + String.join(",", n.getOutputList()) + ")" : n.getName();
    }

    /**
     * Float parameters held in initializers: what a model's parameter count is. Scalars (an exporter's constant √2 or
     * epsilon) are not counted, whether initializers or Constant nodes, so that a graph counts alike whichever way its
     * exporter stored them ({@link org.odf2nna.onnx.WeightStorage} moves weights of two values or more).
     */
    long parameters() {
        long n = 0;
        for (TensorProto t : initializers.values()) {
            if ((t.getDataType() == OnnxValues.FLOAT || t.getDataType() == OnnxValues.DOUBLE) && !mask(t.getName())) {
                long e = 1;
                for (long d : t.getDimsList()) {
                    e *= d;
                }
                n += e >= 2 ? e : 0;
            }
        }
        return n;
    }

    /** Operators that only move or cut a tensor's values (a mask sliced to the sequence's length). */
    private static final Set<String> MOVING = Set.of("Slice", "Reshape", "Unsqueeze", "Squeeze", "Expand", "Identity",
            "Transpose", "Cast");
    /** Operators that compare values: what reads a mask, which is never computed with. */
    private static final Set<String> COMPARING = Set.of("Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual",
            "Not", "And", "Or", "Xor");

    /**
     * Whether {@code tensor} is a mask rather than a weight: every reader, through operators that only move its
     * values, compares it (a causal language model's lower-triangular buffer, sliced, compared with 0, its result a
     * Where's condition). Such a constant is no parameter.
     */
    boolean mask(String tensor) {
        List<Integer> readers = consumers(tensor);
        if (readers.isEmpty() || isGraphOutput(tensor)) {
            return false;
        }
        for (int i : readers) {
            NodeProto n = nodes.get(i);
            boolean moved = MOVING.contains(n.getOpType()) && n.getInput(0).equals(tensor) && n.getOutputCount() == 1;
            if (!(COMPARING.contains(n.getOpType()) || moved && mask(n.getOutput(0)))) {
                return false;
            }
        }
        return true;
    }
}

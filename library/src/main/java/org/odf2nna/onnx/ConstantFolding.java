package org.odf2nna.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * The values a graph computes from constants alone, evaluated once by ONNX Runtime. PyTorch's exporter writes
 * {@code F.pad}'s sizes as Constant → ConstantOfShape → Concat → Reshape → Slice → Transpose → Cast rather than as one
 * constant; a translator that must know such a value while building (Pad's pads, Tile's repeats, Reshape's shape) gets
 * it from here, and the nodes that computed it are not translated at all.
 *
 * <p>Constant here means a Constant node's value or an initializer that is not trained; a node of another domain, a
 * random one or one with a subgraph is never folded. When ONNX Runtime cannot evaluate the constant part, nothing is
 * folded and every node is translated as before.
 */
public final class ConstantFolding {

    /** Operators whose output differs from run to run: never folded. */
    private static final Set<String> RANDOM = Set.of("RandomNormal", "RandomUniform", "RandomNormalLike",
            "RandomUniformLike", "Multinomial", "Bernoulli");

    /** Folded values larger than this stay computed: a constant that big is data, not a size. */
    private static final long MAX_ELEMENTS = 1 << 16;

    /**
     * What folding found.
     *
     * @param nodes the nodes folded away, by their first outputs
     * @param values the values of their outputs, by name
     */
    public record Folded(Set<String> nodes, Map<String, TensorProto> values) {

        public static final Folded NONE = new Folded(Set.of(), Map.of());

        /** Whether {@code node} was folded away: every output of it is among {@link #values}. */
        public boolean folds(NodeProto node) {
            return node.getOutputCount() > 0 && nodes.contains(node.getOutput(0));
        }
    }

    private ConstantFolding() {
    }

    /** Folds {@code model}'s constant-only nodes, {@code trainable} initializers not counting as constants. */
    public static Folded fold(ModelProto model, Set<String> trainable) {
        GraphProto g = model.getGraph();
        Set<String> constant = new HashSet<>();
        for (TensorProto t : g.getInitializerList()) {
            if (!trainable.contains(t.getName())) {
                constant.add(t.getName());
            }
        }
        for (ValueInfoProto in : g.getInputList()) {
            constant.remove(in.getName()); // an initializer that is also an input can be fed: not a constant
        }
        List<NodeProto> folded = new ArrayList<>();
        Set<String> foldedOutputs = new LinkedHashSet<>();
        for (NodeProto node : g.getNodeList()) {
            boolean isConstantNode = node.getOpType().equals("Constant") && defaultDomain(node);
            if (isConstantNode || foldable(node, constant)) {
                constant.addAll(node.getOutputList());
                if (!isConstantNode) {
                    folded.add(node);
                    foldedOutputs.addAll(node.getOutputList());
                }
            }
        }
        Map<String, TensorProto> values = folded.isEmpty() ? Map.of() : evaluate(model, foldedOutputs);
        Set<String> names = new HashSet<>();
        for (NodeProto node : folded) {
            // A node with an output too large to hold as a constant stays translated, its small inputs known.
            if (node.getOutputList().stream().allMatch(values::containsKey)) {
                names.add(node.getOutput(0));
            }
        }
        Folded constants = names.isEmpty() ? Folded.NONE : new Folded(Set.copyOf(names), values);
        return withShapes(model, constant, constants);
    }

    /**
     * {@code base} and the values computed from the data inputs' shapes that do not depend on the batch: where every
     * data input is float with all but its first dimension fixed, the nodes computed from Shape nodes and constants
     * alone are evaluated by ONNX Runtime on zeros of 1 row and of 2 rows, and those whose values agree are folded
     * (torchvision's swin pads its windows by sizes it computes from the feature map's shape: Pad's pads, fixed for a
     * fixed input size; a size that grows with the batch, such as windows times rows, stays computed).
     */
    private static Folded withShapes(ModelProto model, Set<String> constant, Folded base) {
        Map<String, long[]> inputs = dataInputs(model);
        if (inputs == null) {
            return base;
        }
        Set<String> known = new HashSet<>(constant);
        Set<String> shaped = new LinkedHashSet<>();
        List<NodeProto> candidates = new ArrayList<>();
        for (NodeProto node : model.getGraph().getNodeList()) {
            if (base.folds(node) || !defaultDomain(node) || node.getOpType().equals("Constant")) {
                continue;
            }
            boolean shape = node.getOpType().equals("Shape");
            boolean fromShapes = !shape && foldable(node, union(known, shaped))
                    && node.getInputList().stream().anyMatch(shaped::contains);
            if (shape || fromShapes) {
                candidates.add(node);
                shaped.addAll(node.getOutputList());
            }
        }
        if (candidates.isEmpty()) {
            return base;
        }
        List<Map<String, TensorProto>> runs = evaluate(model, shaped, inputs, 1, 2);
        Map<String, TensorProto> one = runs.get(0);
        Map<String, TensorProto> two = runs.get(1);
        Set<String> names = new HashSet<>(base.nodes());
        Map<String, TensorProto> values = new LinkedHashMap<>(base.values());
        for (NodeProto node : candidates) {
            if (node.getOutputList().stream().allMatch(o -> one.containsKey(o) && one.get(o).equals(two.get(o)))) {
                names.add(node.getOutput(0));
                node.getOutputList().forEach(o -> values.put(o, one.get(o)));
            }
        }
        return names.size() == base.nodes().size() ? base : new Folded(Set.copyOf(names), values);
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> u = new HashSet<>(a);
        u.addAll(b);
        return u;
    }

    /** The data inputs' shapes, the first dimension open; null unless each is float with the rest fixed. */
    private static Map<String, long[]> dataInputs(ModelProto model) {
        Set<String> initializers = new HashSet<>();
        model.getGraph().getInitializerList().forEach(t -> initializers.add(t.getName()));
        Map<String, long[]> out = new LinkedHashMap<>();
        for (ValueInfoProto in : model.getGraph().getInputList()) {
            if (initializers.contains(in.getName())) {
                continue;
            }
            var type = in.getType().getTensorType();
            if (type.getElemType() != TensorProto.DataType.FLOAT_VALUE || !type.hasShape()
                    || type.getShape().getDimCount() < 1) {
                return null;
            }
            long[] dims = new long[type.getShape().getDimCount()];
            for (int k = 1; k < dims.length; k++) {
                var d = type.getShape().getDim(k);
                if (!d.hasDimValue() || d.getDimValue() <= 0) {
                    return null;
                }
                dims[k] = d.getDimValue();
            }
            out.put(in.getName(), dims);
        }
        return out.isEmpty() ? null : out;
    }

    /**
     * {@code outputs}' small values, one map for each of {@code rows}: every data input zeros of that many rows, from
     * one session (no inputs: the graph's constant part alone, run once); empty maps when it cannot run.
     */
    private static List<Map<String, TensorProto>> evaluate(ModelProto model, Set<String> outputs,
            Map<String, long[]> inputs, int... rows) {
        GraphProto.Builder graph = model.getGraph().toBuilder().clearOutput().clearValueInfo();
        if (inputs.isEmpty()) {
            graph.clearInput();
        }
        for (String name : outputs) {
            graph.addOutput(ValueInfoProto.newBuilder().setName(name));
        }
        List<Map<String, TensorProto>> all = new ArrayList<>();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = OnnxRunner.createSession(OnnxRunner.environment(),
                    pruned(model.toBuilder().setGraph(graph).build()), options)) {
                for (int n : rows) {
                    all.add(run(session, outputs, inputs, n));
                }
            }
        } catch (OrtException | RuntimeException e) {
            all.clear();
        }
        while (all.size() < rows.length) {
            all.add(Map.of());
        }
        return all;
    }

    /** One run of {@code session} on zeros of {@code rows} rows for every data input: the small outputs' values. */
    private static Map<String, TensorProto> run(OrtSession session, Set<String> outputs, Map<String, long[]> inputs,
            int rows) throws OrtException {
        Map<String, TensorProto> values = new LinkedHashMap<>();
        Map<String, OnnxTensor> feed = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, long[]> in : inputs.entrySet()) {
                long[] shape = in.getValue().clone();
                shape[0] = rows;
                long n = 1;
                for (long d : shape) {
                    n *= d;
                }
                feed.put(in.getKey(), OnnxTensor.createTensor(OnnxRunner.environment(),
                        java.nio.FloatBuffer.wrap(new float[(int) n]), shape));
            }
            try (OrtSession.Result result = session.run(feed)) {
                for (String name : outputs) {
                    OnnxValue v = result.get(name).orElse(null);
                    TensorProto t = v instanceof OnnxTensor tensor ? toProto(name, tensor) : null;
                    if (t != null) {
                        values.put(name, t);
                    }
                }
            }
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
        return values;
    }

    private static boolean defaultDomain(NodeProto node) {
        return node.getDomain().isEmpty() || node.getDomain().equals("ai.onnx");
    }

    private static boolean foldable(NodeProto node, Set<String> constant) {
        if (!defaultDomain(node) || RANDOM.contains(node.getOpType()) || node.getInputCount() == 0) {
            return false;
        }
        for (AttributeProto a : node.getAttributeList()) {
            if (a.hasG() || a.getGraphsCount() > 0) {
                return false;
            }
        }
        for (String in : node.getInputList()) {
            if (!in.isEmpty() && !constant.contains(in)) {
                return false;
            }
        }
        return true;
    }

    /** The small ones of {@code outputs}' values from ONNX Runtime; none when it cannot run the constant part. */
    private static Map<String, TensorProto> evaluate(ModelProto model, Set<String> outputs) {
        return evaluate(model, outputs, Map.of(), 0).get(0);
    }

    /** The graph without the nodes its outputs do not need: the rest may read inputs it no longer has. */
    private static ModelProto pruned(ModelProto model) {
        GraphProto g = model.getGraph();
        Set<String> needed = new HashSet<>();
        g.getOutputList().forEach(o -> needed.add(o.getName()));
        List<NodeProto> kept = new ArrayList<>();
        for (int i = g.getNodeCount() - 1; i >= 0; i--) {
            NodeProto node = g.getNode(i);
            if (node.getOutputList().stream().anyMatch(needed::contains)) {
                kept.add(0, node);
                node.getInputList().forEach(needed::add);
            }
        }
        GraphProto.Builder b = g.toBuilder().clearNode().addAllNode(kept).clearInitializer();
        g.getInitializerList().stream().filter(t -> needed.contains(t.getName())).forEach(b::addInitializer);
        return model.toBuilder().setGraph(b).build();
    }

    /** A small float, double, integer or boolean tensor as an initializer of {@code name}; null otherwise. */
    private static TensorProto toProto(String name, OnnxTensor tensor) {
        long[] shape = tensor.getInfo().getShape();
        long count = tensor.getInfo().getNumElements();
        if (count > MAX_ELEMENTS) {
            return null;
        }
        TensorProto.Builder t = TensorProto.newBuilder().setName(name);
        for (long d : shape) {
            t.addDims(d);
        }
        switch (tensor.getInfo().type) {
            case FLOAT -> t.setDataType(TensorProto.DataType.FLOAT_VALUE).setRawData(raw(tensor.getByteBuffer()));
            case DOUBLE -> t.setDataType(TensorProto.DataType.DOUBLE_VALUE).setRawData(raw(tensor.getByteBuffer()));
            case INT64 -> t.setDataType(TensorProto.DataType.INT64_VALUE).setRawData(raw(tensor.getByteBuffer()));
            case INT32 -> t.setDataType(TensorProto.DataType.INT32_VALUE).setRawData(raw(tensor.getByteBuffer()));
            case BOOL -> t.setDataType(TensorProto.DataType.BOOL_VALUE).setRawData(raw(tensor.getByteBuffer()));
            default -> {
                return null;
            }
        }
        return t.build();
    }

    private static com.google.protobuf.ByteString raw(ByteBuffer b) {
        return com.google.protobuf.ByteString.copyFrom(b.order(ByteOrder.LITTLE_ENDIAN));
    }
}

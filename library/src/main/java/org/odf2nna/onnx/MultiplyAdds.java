package org.odf2nna.onnx;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.odf2nna.Device;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * A model's multiply-adds for one run, node by node, from the shapes of the tensors the counted nodes read and write:
 * {@code Conv} (groups and depthwise included: output elements × input channels per group × kernel taps),
 * {@code ConvTranspose} (input elements × output channels per group × taps), {@code Gemm} and {@code MatMul} (output
 * elements × the reduced axis), their int8 forms ({@code ConvInteger}, {@code QLinearConv}, {@code MatMulInteger},
 * {@code QLinearMatMul}, {@code MatMulIntegerToFloat}, {@code DynamicQuantizeMatMul}, {@code QGemm}) and, roughly,
 * attention operators ({@code Attention}: the QKV projection plus the two S × L products; {@code MultiHeadAttention}
 * and ONNX's {@code Attention}: the two products). Every other node counts none (elementwise operations, pooling,
 * normalisation: a few per element, against a layer's hundreds).
 *
 * <p>The shapes are ONNX Runtime's own: the graph run once on the rows given (one row: the counts per row) with the
 * counted nodes' tensors exposed as untyped outputs, initializers read from their dims. Only the top-level graph's
 * nodes are counted.
 */
public final class MultiplyAdds {

    private MultiplyAdds() {
    }

    /** One counted node: its name (or its first output's where it has none), operator and multiply-adds. */
    public record Node(String name, String opType, long multiplyAdds) {
    }

    /** A model's count: each counted node in graph order, and their sum. */
    public record Count(List<Node> nodes, long total) {

        public Count {
            nodes = List.copyOf(nodes);
        }

        /** The multiply-adds of the nodes whose name is in {@code names}. */
        public long of(Set<String> names) {
            return nodes.stream().filter(n -> names.contains(n.name())).mapToLong(Node::multiplyAdds).sum();
        }

        /** The node named {@code name}'s multiply-adds (0 when it is not counted). */
        public long node(String name) {
            return nodes.stream().filter(n -> n.name().equals(name)).mapToLong(Node::multiplyAdds).sum();
        }
    }

    /** The operators counted, with where their data input (A, X) and weight (B, W) sit among the node's inputs. */
    private enum Op {
        CONV(0, 1), CONV_TRANSPOSE(0, 1), GEMM(0, 1), MATMUL(0, 1), ATTENTION(0, 1), PRODUCTS(0, 1);

        final int data;
        final int weight;

        Op(int data, int weight) {
            this.data = data;
            this.weight = weight;
        }
    }

    /** How a node of {@code opType} is counted, and where its weight is; null when it is not. */
    private static Op op(NodeProto node) {
        return switch (node.getOpType()) {
            case "Conv", "ConvInteger", "QLinearConv", "FusedConv" -> Op.CONV;
            case "ConvTranspose" -> Op.CONV_TRANSPOSE;
            case "Gemm", "QGemm", "FusedGemm" -> Op.GEMM;
            case "MatMul", "MatMulInteger", "QLinearMatMul", "MatMulIntegerToFloat", "DynamicQuantizeMatMul" ->
                    Op.MATMUL;
            case "Attention" -> "com.microsoft".equals(node.getDomain()) ? Op.ATTENTION : Op.PRODUCTS;
            case "MultiHeadAttention" -> Op.PRODUCTS;
            default -> null;
        };
    }

    /** Where a node's weight (W, B) sits among its inputs: after the scale and zero point in the QLinear forms. */
    private static int weightInput(NodeProto node) {
        return switch (node.getOpType()) {
            case "QLinearConv", "QLinearMatMul", "QGemm" -> 3;
            default -> 1;
        };
    }

    /**
     * The count of {@code model} run on {@code inputs} (one row each: the counts per row), its external data beside
     * {@code file}.
     */
    public static Count count(ModelProto model, Path file, List<OnnxRunner.Fed> inputs) {
        return count(model, shapes(model, file, inputs));
    }

    /**
     * The count on one made-up row: every graph input zeros of its declared shape, a dimension without a size taken
     * as 1 (the batch of one row; a sequence's length too, so give {@link #count(ModelProto, Path, List)} real inputs
     * where a length matters).
     */
    public static Count count(ModelProto model, Path file) {
        return count(model, file, madeUpRow(model));
    }

    /**
     * One row of zeros for each graph input that is not an initializer, open dimensions taken as 1 (a key/value
     * cache's past length as 0).
     */
    public static List<OnnxRunner.Fed> madeUpRow(ModelProto model) {
        Set<String> initializers = new java.util.HashSet<>();
        model.getGraph().getInitializerList().forEach(t -> initializers.add(t.getName()));
        List<OnnxRunner.Fed> fed = new ArrayList<>();
        for (ValueInfoProto in : model.getGraph().getInputList()) {
            if (initializers.contains(in.getName())) {
                continue;
            }
            List<TensorShapeProto.Dimension> dims = in.getType().getTensorType().getShape().getDimList();
            long[] shape = new long[dims.size()];
            long n = 1;
            // A decoder's key/value cache: empty (its open sizes after the first, the batch, are its past length).
            boolean cache = org.odf2nna.data.InputArrays.isPastCache(in.getName());
            boolean batch = false;
            for (int i = 0; i < shape.length; i++) {
                boolean open = !(dims.get(i).hasDimValue() && dims.get(i).getDimValue() > 0);
                shape[i] = !open ? dims.get(i).getDimValue() : cache && batch ? 0 : 1;
                batch |= open;
                n *= shape[i];
            }
            fed.add(new OnnxRunner.Fed(in.getName(), in.getType().getTensorType().getElemType(), shape,
                    new float[Math.toIntExact(n)], 0, (int) n));
        }
        return fed;
    }

    /**
     * The count from known shapes: {@code shapes} holds every tensor the counted nodes read or write that is not an
     * initializer (an initializer's dims are read from the model).
     */
    public static Count count(ModelProto model, Map<String, long[]> shapes) {
        Map<String, long[]> known = new HashMap<>(shapes);
        for (TensorProto t : model.getGraph().getInitializerList()) {
            known.putIfAbsent(t.getName(), t.getDimsList().stream().mapToLong(Long::longValue).toArray());
        }
        List<Node> nodes = new ArrayList<>();
        long total = 0;
        for (NodeProto node : model.getGraph().getNodeList()) {
            Op op = op(node);
            if (op == null) {
                continue;
            }
            long n = of(node, op, known);
            nodes.add(new Node(name(node), node.getOpType(), n));
            total += n;
        }
        return new Count(nodes, total);
    }

    /** A node's name as the count gives it: its own, or its first output's where it has none. */
    public static String name(NodeProto node) {
        return node.getName().isEmpty() ? node.getOutput(0) : node.getName();
    }

    private static long of(NodeProto node, Op op, Map<String, long[]> shapes) {
        long[] out = shapes.get(node.getOutput(0));
        long[] data = shapes.get(node.getInput(op.data));
        long[] weight = node.getInputCount() > weightInput(node) ? shapes.get(node.getInput(weightInput(node)))
                : null;
        switch (op) {
            case CONV:
                // W is [M, C/group, k...]: each output element reads C/group channels over the kernel's taps.
                return elements(out) * product(weight, 1);
            case CONV_TRANSPOSE:
                // W is [C, M/group, k...]: each input element is spread over M/group channels and the taps.
                return elements(data) * product(weight, 1);
            case GEMM: {
                boolean transA = NodeAttributes.intAttribute(node, "transA", 0) != 0;
                return elements(out) * (transA ? data[0] : data[data.length - 1]);
            }
            case MATMUL:
                return elements(out) * data[data.length - 1];
            case ATTENTION: {
                // com.microsoft Attention: input [B, S, H], weights [H, 3H']: the projection, then Q·Kᵀ and P·V.
                long rows = elements(data) / data[data.length - 1];
                long hidden = weight[weight.length - 1] / 3;
                long length = data.length >= 2 ? data[data.length - 2] : 1;
                return rows * data[data.length - 1] * weight[weight.length - 1] + 2 * rows * length * hidden;
            }
            default: {
                // Q·Kᵀ and P·V: each query element meets every key position twice.
                long[] key = node.getInputCount() > 1 && !node.getInput(1).isEmpty()
                        ? shapes.get(node.getInput(1)) : null;
                long length = key == null ? (data.length >= 2 ? data[data.length - 2] : 1) : key[key.length - 2];
                return 2 * elements(data) * length;
            }
        }
    }

    private static long elements(long[] shape) {
        return product(shape, 0);
    }

    private static long product(long[] shape, int from) {
        long n = 1;
        for (int i = from; i < shape.length; i++) {
            n *= shape[i];
        }
        return n;
    }

    /**
     * The shapes of the tensors the counted nodes read and write (those not initializers nor graph inputs), as ONNX
     * Runtime computes them on {@code inputs}: the graph run once on CPU with them as untyped extra outputs.
     */
    public static Map<String, long[]> shapes(ModelProto model, Path file, List<OnnxRunner.Fed> inputs) {
        GraphProto graph = model.getGraph();
        Set<String> given = new java.util.HashSet<>();
        graph.getInitializerList().forEach(t -> given.add(t.getName()));
        Map<String, long[]> shapes = new HashMap<>();
        for (OnnxRunner.Fed f : inputs) {
            given.add(f.name());
            shapes.put(f.name(), f.shape().clone());
        }
        Set<String> wanted = new LinkedHashSet<>();
        for (NodeProto node : graph.getNodeList()) {
            Op op = op(node);
            if (op == null) {
                continue;
            }
            List<String> tensors = new ArrayList<>(List.of(node.getOutput(0), node.getInput(op.data)));
            if (node.getInputCount() > weightInput(node)) {
                tensors.add(node.getInput(weightInput(node)));
            }
            if (op == Op.PRODUCTS && node.getInputCount() > 1) {
                tensors.add(node.getInput(1));
            }
            tensors.stream().filter(t -> !t.isEmpty() && !given.contains(t)).forEach(wanted::add);
        }
        if (wanted.isEmpty()) {
            return shapes;
        }
        ModelProto.Builder copy = model.toBuilder();
        GraphProto.Builder g = copy.getGraphBuilder();
        Set<String> outputs = new java.util.HashSet<>();
        g.getOutputList().forEach(o -> outputs.add(o.getName()));
        // Untyped: ONNX Runtime takes each one's type from the node that makes it (int8 and shape tensors alike).
        wanted.stream().filter(outputs::add).forEach(t -> g.addOutput(ValueInfoProto.newBuilder().setName(t)));
        InputSignature first = new InputSignature(inputs.get(0).name(), inputs.get(0).elementType(),
                inputs.get(0).shape());
        try (OnnxRunner runner = OnnxRunner.open(copy.build(), first, Device.CPU, file, 1)) {
            shapes.putAll(runner.runShapes(inputs, List.copyOf(wanted)));
        }
        return shapes;
    }
}

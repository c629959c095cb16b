package org.odf2nna.onnx;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
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

/**
 * Raises a model's default-domain opset when every operator in it means the same at the new one: most operators
 * (Gemm, MatMul, Conv, Relu, Add, Flatten, Reshape, ...) did not change; a few moved an attribute to an input
 * (Unsqueeze, Squeeze and ReduceSum's axes at 13, Slice's starts and ends at 10, Clip's bounds at 11), which is
 * rewritten; Softmax and LogSoftmax at 13 mean the same on their last axis; Dropout is the identity at inference
 * whatever its ratio. Any other operator, or one whose meaning changed, is refused in one line that names it.
 */
public final class OpsetRaise {

    /** Operators whose meaning is the same at every opset up to 17, for any valid node of an earlier one. */
    private static final Set<String> SAME = Set.of("Abs", "Acos", "Acosh", "Add", "And", "ArgMax", "ArgMin", "Asin",
            "Asinh", "Atan", "Atanh", "AveragePool", "Cast", "Ceil", "Concat", "Constant", "ConstantOfShape", "Conv",
            "ConvTranspose", "Cos", "Cosh", "DepthToSpace", "Div", "Elu", "Equal", "Erf", "Exp", "Expand", "Flatten",
            "Floor", "Gather", "Gemm", "GlobalAveragePool", "GlobalMaxPool", "Greater", "HardSigmoid", "Identity",
            "InstanceNormalization", "LRN", "LeakyRelu", "Less", "Log", "MatMul", "Max", "MaxPool", "Mean", "Min",
            "Mul", "Neg", "Not", "Or", "PRelu", "Pow", "Reciprocal", "ReduceL1", "ReduceL2", "ReduceLogSum",
            "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSumSquare", "Relu",
            "Reshape", "Selu", "Shape", "Sigmoid", "Sign", "Sin", "Sinh", "Size", "Softplus", "Softsign",
            "SpaceToDepth", "Sqrt", "Sub", "Sum", "Tan", "Tanh", "Tile", "Transpose", "Where", "Xor");
    /** The highest opset {@link #SAME} is checked to: the Reduce operators take their axes as an input at 18. */
    static final long HIGHEST = 17;

    private OpsetRaise() {
    }

    /** The opset the model imports for the default domain. */
    public static long opset(ModelProto model) {
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                return o.getVersion();
            }
        }
        return 1;
    }

    /**
     * The model importing at least {@code target}: itself when it does, else raised.
     *
     * @param why what needs the opset, for the refusal ("int8 weights with a scale per unit")
     * @throws InputException naming the first node whose meaning would change, or that is not known to keep it
     */
    public static ModelProto atLeast(ModelProto model, Path file, long target, String why) {
        long from = opset(model);
        if (from >= target) {
            return model;
        }
        if (target > HIGHEST) {
            throw new IllegalArgumentException("opsets above " + HIGHEST + " are not checked");
        }
        ModelProto.Builder b = model.toBuilder();
        GraphProto.Builder graph = b.getGraphBuilder();
        Map<String, Integer> ranks = ranks(model.getGraph());
        List<NodeProto> nodes = new ArrayList<>();
        java.util.Set<String> names = Int8Weights.takenNames(graph);
        for (NodeProto node : graph.getNodeList()) {
            if (!(node.getDomain().isEmpty() || node.getDomain().equals("ai.onnx"))) {
                nodes.add(node);
                continue;
            }
            String refusal = refusal(node, from, target, ranks);
            if (refusal != null) {
                throw InputException.usage(file, GraphIndex.describe(node) + ": " + why + " need" + (why.endsWith("s")
                        ? "" : "s") + " opset " + target + " and the model imports " + from + "; " + refusal
                        + ", so the model's opset cannot be raised (convert it to opset " + target + " or later "
                        + "first)");
            }
            nodes.add(rewrite(node, from, target, graph, names));
        }
        graph.clearNode().addAllNode(nodes);
        for (int i = 0; i < b.getOpsetImportCount(); i++) {
            String domain = b.getOpsetImport(i).getDomain();
            if (domain.isEmpty() || domain.equals("ai.onnx")) {
                b.setOpsetImport(i, b.getOpsetImport(i).toBuilder().setVersion(target));
            }
        }
        // IR 6 came with opset 11, IR 7 with 13.
        b.setIrVersion(Math.max(b.getIrVersion(), target >= 13 ? 7 : target >= 11 ? 6 : 5));
        return b.build();
    }

    /** Why {@code node} cannot be raised from {@code from} to {@code to}, or null when it can. */
    static String refusal(NodeProto node, long from, long to, Map<String, Integer> ranks) {
        String op = node.getOpType();
        for (AttributeProto a : node.getAttributeList()) {
            if (a.hasG() || a.getGraphsCount() > 0) {
                return op + " holds a subgraph, whose operators are not checked";
            }
        }
        if (SAME.contains(op) || List.of("Unsqueeze", "Squeeze", "ReduceSum", "Slice", "Clip").contains(op)) {
            return null;
        }
        if (op.equals("BatchNormalization")) {
            return node.getOutputCount() > 1 ? "BatchNormalization with training outputs changed at opset 14" : null;
        }
        if (op.equals("Dropout")) {
            return node.getOutputCount() > 1 && !node.getOutput(1).isEmpty()
                    ? "Dropout's mask output changed type at opset 10" : null;
        }
        if (List.of("Softmax", "LogSoftmax", "Hardmax").contains(op)) {
            if (to < 13) {
                return null;
            }
            long axis = NodeAttributes.intAttribute(node, "axis", 1);
            Integer rank = ranks.get(node.getInput(0));
            if (rank == null) {
                rank = ranks.get(node.getOutput(0));
            }
            return axis == -1 || rank != null && axis == rank - 1 ? null : op + " over axis " + axis + " of an input "
                    + "of " + (rank == null ? "unknown rank" : "rank " + rank) + " means something else from opset 13";
        }
        return op + " is not among the operators known to mean the same from opset " + from + " to " + to;
    }

    /** The node as it reads at {@code to}: attributes that became inputs moved there (as initializers). */
    private static NodeProto rewrite(NodeProto node, long from, long to, GraphProto.Builder graph, Set<String> names) {
        String op = node.getOpType();
        if (op.equals("Dropout")) {
            return without(node, List.of("ratio", "is_test"));
        }
        if (List.of("Unsqueeze", "Squeeze", "ReduceSum").contains(op) && to >= 13 && from < 13) {
            return attributesToInputs(node, List.of("axes"), graph, names, 1);
        }
        if (op.equals("Slice") && to >= 10 && from < 10) {
            return attributesToInputs(node, List.of("starts", "ends", "axes"), graph, names, 1);
        }
        if (op.equals("Clip") && to >= 11 && from < 11) {
            return clipBounds(node, graph, names);
        }
        return node;
    }

    private static NodeProto without(NodeProto node, List<String> attributes) {
        NodeProto.Builder b = node.toBuilder().clearAttribute();
        node.getAttributeList().stream().filter(a -> !attributes.contains(a.getName())).forEach(b::addAttribute);
        return b.build();
    }

    /** Integer-list attributes made int64 initializers, read as inputs from position {@code at} on, in order. */
    private static NodeProto attributesToInputs(NodeProto node, List<String> attributes, GraphProto.Builder graph,
            Set<String> names, int at) {
        NodeProto.Builder b = without(node, attributes).toBuilder();
        List<String> inputs = new ArrayList<>(node.getInputList().subList(0, at));
        for (String name : attributes) {
            AttributeProto a = NodeAttributes.attribute(node, name);
            if (a == null) {
                inputs.add("");
                continue;
            }
            String tensor = GraphIndex.uniqueName(names, GraphIndex.key(node) + "_" + name);
            TensorProto.Builder t = TensorProto.newBuilder().setName(tensor)
                    .setDataType(TensorProto.DataType.INT64_VALUE).addDims(a.getIntsCount())
                    .addAllInt64Data(a.getIntsList());
            graph.addInitializer(t);
            inputs.add(tensor);
        }
        while (!inputs.isEmpty() && inputs.get(inputs.size() - 1).isEmpty()) {
            inputs.remove(inputs.size() - 1);
        }
        return b.clearInput().addAllInput(inputs).build();
    }

    /** Clip's min and max attributes (opset 6) as scalar inputs (opset 11). */
    private static NodeProto clipBounds(NodeProto node, GraphProto.Builder graph, Set<String> names) {
        NodeProto.Builder b = without(node, List.of("min", "max")).toBuilder().clearInput().addInput(node.getInput(0));
        for (String bound : List.of("min", "max")) {
            AttributeProto a = NodeAttributes.attribute(node, bound);
            if (a == null) {
                b.addInput("");
                continue;
            }
            String tensor = GraphIndex.uniqueName(names, GraphIndex.key(node) + "_" + bound);
            graph.addInitializer(OnnxTensors.newTensor(tensor, OnnxTensors.FLOAT, new float[] {a.getF()},
                    new long[0]));
            b.addInput(tensor);
        }
        while (b.getInputCount() > 1 && b.getInput(b.getInputCount() - 1).isEmpty()) {
            List<String> in = new ArrayList<>(b.getInputList());
            b.clearInput().addAllInput(in.subList(0, in.size() - 1));
        }
        return b.build();
    }

    /** Ranks the graph states: its inputs', outputs' and value_info's shapes. */
    private static Map<String, Integer> ranks(GraphProto graph) {
        Map<String, Integer> ranks = new HashMap<>();
        List<ValueInfoProto> infos = new ArrayList<>(graph.getInputList());
        infos.addAll(graph.getOutputList());
        infos.addAll(graph.getValueInfoList());
        for (ValueInfoProto v : infos) {
            if (v.getType().getTensorType().hasShape()) {
                ranks.put(v.getName(), v.getType().getTensorType().getShape().getDimCount());
            }
        }
        return ranks;
    }
}

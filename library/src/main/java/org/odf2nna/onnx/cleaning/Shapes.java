package org.odf2nna.onnx.cleaning;

import java.util.Set;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * What is known for sure of a tensor's shape, for the folds that must not widen it: its rank and the size of its last
 * axis, declared (graph inputs, value_info) or following from the nodes that compute it (a Gemm's output has rank 2
 * and its units on the last axis; an activation keeps its input's shape; an Add of a constant broadcasts to the larger
 * rank). Unknown is −1.
 */
final class Shapes {

    /** Operators whose output has their first input's shape. */
    private static final Set<String> SAME_SHAPE = Set.of("Relu", "LeakyRelu", "Elu", "Selu", "Sigmoid", "Tanh",
            "Softplus", "Softsign", "HardSigmoid", "HardSwish", "Gelu", "Erf", "Identity", "Dropout", "Softmax",
            "LogSoftmax", "Neg", "Abs", "Exp", "Cast", "Sqrt", "Clip", "BatchNormalization");
    private static final int DEPTH = 64;

    private Shapes() {
    }

    /** The tensor's rank, or −1. */
    static int rank(EditableGraph graph, String tensor) {
        return rank(graph, tensor, 0);
    }

    /** How many values the tensor's last axis holds, or −1. */
    static long lastAxis(EditableGraph graph, String tensor) {
        return lastAxis(graph, tensor, 0);
    }

    private static int rank(EditableGraph graph, String tensor, int depth) {
        long[] declared = graph.declaredShape(tensor);
        if (declared != null) {
            return declared.length;
        }
        NodeProto p = graph.producer(tensor);
        if (p == null || depth > DEPTH || !EditableGraph.defaultDomain(p) || p.getInputCount() == 0
                || !p.getOutput(0).equals(tensor)) {
            return -1;
        }
        if (SAME_SHAPE.contains(p.getOpType())) {
            return rank(graph, p.getInput(0), depth + 1);
        }
        switch (p.getOpType()) {
            case "Gemm", "Flatten":
                return 2;
            case "MatMul": {
                int a = rank(graph, p.getInput(0), depth + 1);
                int b = p.getInputCount() > 1 ? rank(graph, p.getInput(1), depth + 1) : -1;
                long[] bDims = p.getInputCount() > 1 && graph.constant(p.getInput(1)) != null
                        ? graph.dims(p.getInput(1)) : null;
                b = bDims != null ? bDims.length : b;
                return a >= 2 && b == 2 ? a : -1;
            }
            case "Conv":
                return rank(graph, p.getInput(0), depth + 1);
            default:
                break;
        }
        Affine affine = Affine.of(graph, p);
        if (affine != null) {
            int data = rank(graph, affine.data(), depth + 1);
            return data < 0 ? -1 : Math.max(data, affine.dims().length);
        }
        return -1;
    }

    private static long lastAxis(EditableGraph graph, String tensor, int depth) {
        long[] declared = graph.declaredShape(tensor);
        if (declared != null && declared.length > 0 && declared[declared.length - 1] > 0) {
            return declared[declared.length - 1];
        }
        NodeProto p = graph.producer(tensor);
        if (p == null || depth > DEPTH || !EditableGraph.defaultDomain(p) || p.getInputCount() == 0
                || !p.getOutput(0).equals(tensor)) {
            return -1;
        }
        Layer layer = Layer.writing(graph, tensor);
        if (layer != null && !layer.node().getOpType().equals("Conv")) {
            return layer.units();
        }
        if (SAME_SHAPE.contains(p.getOpType())) {
            return lastAxis(graph, p.getInput(0), depth + 1);
        }
        Affine affine = Affine.of(graph, p);
        if (affine != null) {
            long inner = lastAxis(graph, affine.data(), depth + 1);
            long[] dims = affine.dims();
            long own = dims.length == 0 ? 1 : dims[dims.length - 1];
            return own == 1 || own == inner ? inner : -1;
        }
        return -1;
    }
}

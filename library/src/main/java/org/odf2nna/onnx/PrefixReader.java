package org.odf2nna.onnx;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.odf2nna.network.InputPrefix;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * What a dense chain's input is computed from ({@link DenseChainReader}'s prefix): every node between the graph's data
 * input and the chain input, read as preprocessing (and, when it is one path of elementwise affine and order-keeping
 * shape steps, as the map {@code x * scale + shift} per value) or as a backbone kept as it is.
 */
final class PrefixReader {

    private static final Set<String> PREPROCESSING = Set.of(
            "Flatten", "Reshape", "Sub", "Div", "Mul", "Add", "Cast", "Identity", "Squeeze", "Unsqueeze",
            "Transpose", "Constant", "Shape", "Gather", "Concat", "Dropout", "Slice", "Max", "Min");

    private final GraphIndex graph;
    private final Path file;

    PrefixReader(GraphIndex graph, Path file) {
        this.graph = graph;
        this.file = file;
    }

    /**
     * The prefix computing {@code chainInput} from {@code dataInput}: none, preprocessing (with its affine map when it
     * is one), or a backbone kept as it is.
     */
    InputPrefix read(String chainInput, String dataInput, int valuesPerRow) {
        if (chainInput.equals(dataInput)) {
            return InputPrefix.NONE;
        }
        Set<NodeProto> nodes = graph.upstream(chainInput).nodes();
        List<String> ops = new ArrayList<>();
        boolean preprocessing = true;
        for (NodeProto node : graph.graph.getNodeList()) {
            if (nodes.contains(node) && !node.getOpType().equals("Constant")) {
                ops.add(node.getOpType());
                preprocessing &= DenseChainReader.isDefaultDomain(node) && PREPROCESSING.contains(node.getOpType());
            }
        }
        if (ops.isEmpty()) {
            return InputPrefix.NONE;
        }
        return new InputPrefix(preprocessing ? InputPrefix.Kind.PREPROCESSING : InputPrefix.Kind.BACKBONE, ops,
                preprocessing ? affine(nodes, dataInput, chainInput, valuesPerRow) : null);
    }

    /** Shape steps that keep the values and their row-major order. */
    private static final Set<String> ORDER_KEEPING = Set.of("Flatten", "Reshape", "Identity", "Squeeze", "Unsqueeze");

    /**
     * The prefix as {@code x * scale + shift} per value, when it is one path from the data input to the chain input
     * of Sub, Div, Mul and Add by constants (one value, or one per chain input) and order-keeping shape steps; else
     * null. Shape, Gather and Concat nodes that only compute a Reshape's target shape are allowed beside it.
     */
    private InputPrefix.Affine affine(Set<NodeProto> nodes, String dataInput, String chainInput, int width) {
        if (width <= 0) {
            return null;
        }
        float[] scale = new float[width];
        float[] shift = new float[width];
        java.util.Arrays.fill(scale, 1f);
        String current = dataInput;
        boolean arithmetic = false;
        while (!current.equals(chainInput)) {
            NodeProto next = null;
            for (NodeProto c : graph.consumers(current)) {
                if (nodes.contains(c)) {
                    if (next != null) {
                        return null;
                    }
                    next = c;
                }
            }
            if (next == null || next.getOutputCount() != 1 || !step(next, current, scale, shift)) {
                return null;
            }
            arithmetic |= !ORDER_KEEPING.contains(next.getOpType());
            current = next.getOutput(0);
        }
        // Shape steps alone keep the values: InputPrefix#reshapesOnly says so, without a map.
        return arithmetic ? new InputPrefix.Affine(scale, shift) : null;
    }

    /** One prefix node applied to the map so far; false when it is not an elementwise affine or shape step. */
    private boolean step(NodeProto node, String from, float[] scale, float[] shift) {
        String op = node.getOpType();
        if (ORDER_KEEPING.contains(op)) {
            return node.getInput(0).equals(from);
        }
        if (!Set.of("Sub", "Div", "Mul", "Add").contains(op) || node.getInputCount() != 2) {
            return false;
        }
        boolean left = node.getInput(0).equals(from);
        String other = node.getInput(left ? 1 : 0);
        TensorProto c = graph.constant(other, "a prefix constant");
        if (c == null || (op.equals("Sub") || op.equals("Div")) && !left) {
            return false;
        }
        long count = OnnxTensors.elementCount(c);
        if (count != 1 && count != scale.length) {
            return false;
        }
        float[] v = OnnxTensors.floats(c, file, "constant '" + other + "' of " + GraphIndex.describe(node));
        for (int j = 0; j < scale.length; j++) {
            float k = v[count == 1 ? 0 : j];
            switch (op) {
                case "Sub" -> shift[j] -= k;
                case "Add" -> shift[j] += k;
                case "Mul" -> {
                    scale[j] *= k;
                    shift[j] *= k;
                }
                default -> {
                    scale[j] /= k;
                    shift[j] /= k;
                }
            }
        }
        return true;
    }
}

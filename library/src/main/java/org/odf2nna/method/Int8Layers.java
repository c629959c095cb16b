package org.odf2nna.method;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * What {@code inspect} says of an int8 graph that no pruning reads (the static form's QGemm and QuantizeLinear/
 * DequantizeLinear pairs, a graph's integer layers): which integer operators it holds, and why they are not pruned.
 */
public final class Int8Layers {

    /** Operators of ONNX Runtime's integer forms that hold a layer's weights. */
    private static final Set<String> LAYER_OPS = Set.of("QGemm", "QLinearMatMul", "QLinearConv", "MatMulInteger",
            "ConvInteger", "MatMulIntegerToFloat", "DynamicQuantizeMatMul");

    private Int8Layers() {
    }

    /**
     * One line: the integer layers of {@code model} and why they are not pruned; null when it holds none (a float
     * model). A MatMul, Gemm or Conv whose weight is a DequantizeLinear (the static form's pairs) counts as one.
     */
    public static String notPruned(Path model) {
        String layers = describe(ModelReader.read(model).graph());
        return layers == null ? null : layers + ", not pruned: their int8 codes and scales (and a static form's "
                + "calibrated ranges) were made from the float weights, and pruning changes those weights; prune the "
                + "float model, then quantize what it writes ({{QUANTIZE}} int8)";
    }

    /** {@code 3 int8 layers (QGemm ×3)}, or null when {@code proto} holds none. */
    static String describe(ModelProto proto) {
        Set<String> dequantized = new java.util.HashSet<>();
        for (NodeProto n : proto.getGraph().getNodeList()) {
            if (n.getOpType().equals("DequantizeLinear")) {
                dequantized.addAll(n.getOutputList());
            }
        }
        Map<String, Integer> ops = new TreeMap<>();
        for (NodeProto n : proto.getGraph().getNodeList()) {
            boolean qdq = Set.of("MatMul", "Gemm", "Conv").contains(n.getOpType()) && n.getInputCount() > 1
                    && dequantized.contains(n.getInput(1));
            if (LAYER_OPS.contains(n.getOpType()) || qdq) {
                ops.merge(qdq ? n.getOpType() + " of DequantizeLinear weights" : n.getOpType(), 1, Integer::sum);
            }
        }
        if (ops.isEmpty()) {
            return null;
        }
        int layers = ops.values().stream().mapToInt(Integer::intValue).sum();
        StringBuilder which = new StringBuilder();
        ops.forEach((op, count) -> which.append(which.length() == 0 ? "" : ", ").append(op).append(" ×").append(count));
        return layers + " int8 layer" + (layers == 1 ? "" : "s") + " (" + which + ")";
    }
}

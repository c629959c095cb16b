package org.odf2nna.onnx;

import java.util.List;

/**
 * Where one dense layer of the internal model lives in the ONNX graph, so that new weights can be
 * written back in place. Nodes are identified by their first output tensor, which is unique in a graph.
 *
 * @param dense           the Gemm or MatMul node and its weight
 * @param bias            the bias, or null when the layer has none in the graph
 * @param preNorm         a BatchNormalization between the dense op and the activation, folded into this layer
 * @param postNorm        a BatchNormalization after the activation, folded into the next layer
 * @param activationNode  first output of the activation node, or null
 * @param unitOutput      the tensor holding this layer's unit outputs (after the activation)
 * @param blockTensors    every tensor produced inside this layer's block, in graph order
 */
record LayerBinding(DenseOp dense, BiasBinding bias, NormBinding preNorm, NormBinding postNorm, String activationNode,
        String unitOutput, List<String> blockTensors) {

    LayerBinding {
        blockTensors = List.copyOf(blockTensors);
    }

    /**
     * The layer's Gemm or MatMul node and its weight.
     *
     * @param node       name of the node (its output when it has no name), for tables
     * @param output     the tensor it produces
     * @param op         "Gemm" or "MatMul"
     * @param weight     the weight tensor
     * @param weightType its ONNX element type
     * @param transposed true when stored as {@code [units][inputs]} (Gemm with transB=1)
     * @param alpha      Gemm's alpha (1 for MatMul): stored weights are the layer's divided by it
     */
    record DenseOp(String node, String output, String op, TensorSlot weight, int weightType, boolean transposed,
            float alpha) {
    }

    /**
     * @param slot    the bias tensor
     * @param addNode first output of the Add node holding it, or null for Gemm's C input
     * @param dims    the tensor's original shape ({@code [units]}, {@code [1, units]} or a scalar)
     * @param beta    Gemm's beta (1 for Add)
     */
    record BiasBinding(TensorSlot slot, String addNode, int dataType, long[] dims, float beta) {
    }

    /** A BatchNormalization node: its data input and output. */
    record NormBinding(String node, String input, String output) {
    }
}

package org.odf2nna.onnx.cleaning;

import org.odf2nna.onnx.NodeAttributes;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * A BatchNormalization in inference right after a Conv, Gemm or MatMul, folded into the layer's weights and bias (ONNX
 * Runtime's {@code ConvBNFusion}, onnxoptimizer's {@code FuseBNIntoConv}):
 *
 * <pre>
 *   x ──Conv(W, b)──► y ──BatchNormalization(γ, β, μ, σ², ε)──► z
 *        becomes      x ──Conv(W·s, (b − μ)·s + β)──► z        with s = γ / √(σ² + ε) per channel
 * </pre>
 *
 * Needs: the four parameters FLOAT constants of one value per unit; inference mode ({@code training_mode} 0, and
 * before opset 9 {@code spatial} 1); its running mean and variance outputs read by nothing; {@code y} read by it
 * alone and no graph output; the channel axis (axis 1) the layer's unit axis (a Conv; a Gemm; a MatMul whose output
 * is known to have rank 2).
 */
final class BatchNormIntoLayer extends FoldingPass {

    static final String NAME = "batchnorm-into-layer";

    BatchNormIntoLayer() {
        super(NAME);
    }

    @Override
    CleaningStep fold(EditableGraph graph, NodeProto node) {
        if (!node.getOpType().equals("BatchNormalization") || !EditableGraph.defaultDomain(node)
                || node.getInputCount() != 5 || !inference(graph, node)) {
            return null;
        }
        String x = node.getInput(0);
        Layer layer = Layer.writing(graph, x);
        if (layer == null || !graph.onlyReadBy(x, node)
                || (layer.node().getOpType().equals("MatMul") && layer.rank() != 2)) {
            return null;
        }
        float[][] p = new float[4][];
        for (int k = 0; k < 4; k++) {
            p[k] = graph.floats(node.getInput(k + 1));
            if (p[k] == null || p[k].length != layer.units()) {
                return null;
            }
        }
        double epsilon = NodeAttributes.floatAttribute(node, "epsilon", 1e-5f);
        float[] scale = new float[layer.units()];
        float[] shift = new float[layer.units()];
        for (int u = 0; u < scale.length; u++) {
            double s = p[0][u] / Math.sqrt(p[3][u] + epsilon);
            scale[u] = (float) s;
            shift[u] = (float) (p[1][u] - p[2][u] * s);
        }
        return layer.foldOutputs(graph, scale, shift) ? takeOut(graph, node, x, layer.node()) : null;
    }

    private static boolean inference(EditableGraph graph, NodeProto node) {
        for (int k = 1; k < node.getOutputCount(); k++) {
            if (!graph.unused(node.getOutput(k))) {
                return false;
            }
        }
        return graph.opset >= 7 && NodeAttributes.intAttribute(node, "training_mode", 0) == 0
                && (graph.opset >= 9 || NodeAttributes.intAttribute(node, "spatial", 1) == 1);
    }
}

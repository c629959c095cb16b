package org.odf2nna.onnx.cleaning;

import java.util.ArrayList;
import java.util.List;
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
final class BatchNormIntoLayer implements CleaningPass {

    static final String NAME = "batchnorm-into-layer";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<CleaningStep> apply(EditableGraph graph) {
        List<CleaningStep> steps = new ArrayList<>();
        for (NodeProto node : graph.nodes()) {
            if (!graph.contains(node) || !node.getOpType().equals("BatchNormalization")
                    || !EditableGraph.defaultDomain(node) || node.getInputCount() != 5 || !inference(graph, node)) {
                continue;
            }
            String x = node.getInput(0);
            Layer layer = Layer.writing(graph, x);
            if (layer == null || !graph.onlyReadBy(x, node)
                    || (layer.node().getOpType().equals("MatMul") && layer.rank() != 2)) {
                continue;
            }
            float[][] p = new float[4][];
            boolean usable = true;
            for (int k = 0; k < 4; k++) {
                p[k] = graph.floats(node.getInput(k + 1));
                usable &= p[k] != null && p[k].length == layer.units();
            }
            if (!usable) {
                continue;
            }
            double epsilon = Layer.floatAttribute(node, "epsilon", 1e-5f);
            float[] scale = new float[layer.units()];
            float[] shift = new float[layer.units()];
            for (int u = 0; u < scale.length; u++) {
                double s = p[0][u] / Math.sqrt(p[3][u] + epsilon);
                scale[u] = (float) s;
                shift[u] = (float) (p[1][u] - p[2][u] * s);
            }
            if (layer.foldOutputs(graph, scale, shift)) {
                if (!graph.bypass(node, x, node.getOutput(0))) {
                    throw new IllegalStateException("a folded node could not be taken out: " + Nodes.display(node));
                }
                steps.add(new CleaningStep(NAME, List.of(Nodes.display(node)), Nodes.display(layer.node())));
            }
        }
        return steps;
    }

    private static boolean inference(EditableGraph graph, NodeProto node) {
        for (int k = 1; k < node.getOutputCount(); k++) {
            if (!graph.unused(node.getOutput(k))) {
                return false;
            }
        }
        return graph.opset >= 7 && Layer.intAttribute(node, "training_mode", 0) == 0
                && (graph.opset >= 9 || Layer.intAttribute(node, "spatial", 1) == 1);
    }
}

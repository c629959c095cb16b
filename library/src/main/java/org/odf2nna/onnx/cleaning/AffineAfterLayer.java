package org.odf2nna.onnx.cleaning;

import java.util.List;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * An Add, Sub, Mul or Div by a constant right after a layer, folded into the layer's weights and bias (a
 * BatchNormalization decomposed as {@code Sub(mean) → Mul(γ/σ) → Add(β)} or {@code Sub → Div(σ) → Mul(γ) → Add(β)},
 * as Keras 3's ONNX export writes it, folds one node per round):
 *
 * <pre>
 *   x ──Gemm(W, b)──► y ──Mul(s)──► z        becomes      x ──Gemm(W·s, b·s)──► z
 *   x ──MatMul(W)──► ──Add(b)──► y ──Sub(m)──► z          x ──MatMul(W)──► ──Add(b − m)──► z
 *   x ──Conv(W, b)──► y ──Add(c[C,1,1])──► z              x ──Conv(W, b + c)──► z
 * </pre>
 *
 * Needs: the layer's weights (and bias) FLOAT constants; {@code y} read by the affine node alone and no graph output;
 * the constant one value, or one per unit on the layer's output axis (the last for Gemm and MatMul, the channel axis
 * for Conv) that cannot widen the output's shape. A shift after a MatMul without a bias Add stays, turned into that
 * bias Add when it is a Sub.
 */
final class AffineAfterLayer extends FoldingPass {

    static final String NAME = "affine-after-layer";

    AffineAfterLayer() {
        super(NAME);
    }

    @Override
    CleaningStep fold(EditableGraph graph, NodeProto node) {
        Affine affine = Affine.of(graph, node);
        Layer layer = affine == null ? null : Layer.writing(graph, affine.data());
        if (layer == null || !graph.onlyReadBy(affine.data(), node)
                || !affine.perUnit(layer.units(), layer.unitAxisFromEnd(), layer.rank())) {
            return null;
        }
        if (layer.node().getOpType().equals("MatMul") && layer.biasAdd() == null && affine.scale() == null) {
            return node.getOpType().equals("Sub") && asBiasAdd(graph, node, affine, layer)
                    ? step(node, layer.node()) : null;
        }
        return layer.foldOutputs(graph, affine.scaleFor(layer.units()), affine.shiftFor(layer.units()))
                ? takeOut(graph, node, affine.data(), layer.node()) : null;
    }

    /** {@code y − m} after a MatMul without bias, as the bias Add {@code y + (−m)} the next fold can go into. */
    private static boolean asBiasAdd(EditableGraph graph, NodeProto sub, Affine affine, Layer layer) {
        if (affine.count() != layer.units() && affine.dims().length > 1) {
            return false;
        }
        String name = graph.uniqueName(sub.getOutput(0) + "_bias");
        NodeProto add = NodeProto.newBuilder().setOpType("Add").setName(sub.getName().isEmpty() ? name
                : sub.getName()).addInput(affine.data()).addInput(name).addOutput(sub.getOutput(0)).build();
        graph.replace(sub, add);
        graph.setConstantInput(add, 1, affine.shiftFor(layer.units()), new long[] {layer.units()}, name);
        return true;
    }
}

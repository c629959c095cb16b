package org.odf2nna.onnx.cleaning;

import java.util.List;
import java.util.Set;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * An Add, Sub, Mul or Div by a constant per input feature right before a Gemm or MatMul, folded into the layer's
 * weights and bias (a normalisation of the inputs, a BatchNormalization before a dense layer):
 *
 * <pre>
 *   x ──Mul(s)──► u ──Gemm(W, b)──► y        becomes      x ──Gemm(diag(s)·W, b)──► y
 *   x ──Sub(m)──► u ──MatMul(W)──► ──Add(b)──► y          x ──MatMul(W)──► ──Add(b − m·W)──► y
 * </pre>
 *
 * Needs: {@code u} read by the layer alone, as its first input, and no graph output; the layer's weights (and bias)
 * FLOAT constants, a Gemm not transposing its input, a MatMul with a bias Add where there is a shift; the constant one
 * value, or one per input feature along the last axis where {@code x}'s last axis is known to hold that many (so that
 * the node did not widen {@code x}). A Conv is left alone: its zero padding would not be shifted. A normalisation of
 * the graph's raw input (an affine node reading the input, through reshapes only) stays the prefix it is.
 */
final class AffineBeforeLayer extends FoldingPass {

    static final String NAME = "affine-before-layer";

    /** Operators that move or retype values without computing: a path through them still reads the raw input. */
    private static final Set<String> MOVES = Set.of("Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze",
            "Cast", "Identity");


    AffineBeforeLayer() {
        super(NAME);
    }

    @Override
    CleaningStep fold(EditableGraph graph, NodeProto node) {
        Affine affine = Affine.of(graph, node);
        List<NodeProto> readers = affine == null ? List.of() : graph.consumers(node.getOutput(0));
        if (readers.size() != 1 || !graph.onlyReadBy(node.getOutput(0), readers.get(0))
                || !readers.get(0).getInput(0).equals(node.getOutput(0))) {
            return null;
        }
        if (normalisesTheInput(graph, affine.data(), 0)) {
            return null;
        }
        Layer layer = starting(graph, readers.get(0));
        if (layer == null || layer.node().getOpType().equals("Conv") || !perFeature(graph, affine, layer.inputs())) {
            return null;
        }
        return layer.foldInputs(graph, affine.scaleFor(layer.inputs()), affine.shiftFor(layer.inputs()))
                ? takeOut(graph, node, affine.data(), layer.node()) : null;
    }

    /**
     * Whether {@code tensor} is the graph's input, or computed from it by constants and moves alone (Sub, Div,
     * Flatten, Reshape): a normalisation of the raw inputs, which stays the prefix it is, so that the first layer's
     * int8 form and input selection keep working on normalised values.
     */
    private static boolean normalisesTheInput(EditableGraph graph, String tensor, int depth) {
        if (graph.isGraphInput(tensor)) {
            return true;
        }
        NodeProto p = graph.producer(tensor);
        if (p == null || depth > 32 || !EditableGraph.defaultDomain(p) || p.getInputCount() == 0) {
            return false;
        }
        Affine affine = Affine.of(graph, p);
        if (affine != null) {
            return normalisesTheInput(graph, affine.data(), depth + 1);
        }
        return MOVES.contains(p.getOpType()) && normalisesTheInput(graph, p.getInput(0), depth + 1);
    }

    /** The layer {@code node} starts: a MatMul with the bias Add that reads it alone, or {@code node} bare. */
    private static Layer starting(EditableGraph graph, NodeProto node) {
        Layer bare = Layer.bare(graph, node);
        if (bare == null || !node.getOpType().equals("MatMul")) {
            return bare;
        }
        List<NodeProto> readers = graph.consumers(node.getOutput(0));
        if (readers.size() == 1) {
            Layer withBias = Layer.writing(graph, readers.get(0).getOutputCount() == 1 ? readers.get(0).getOutput(0)
                    : "");
            if (withBias != null && withBias.node() == node) {
                return withBias;
            }
        }
        return bare;
    }

    private static boolean perFeature(EditableGraph graph, Affine affine, int features) {
        if (!affine.perUnit(features, 0, Shapes.rank(graph, affine.data()))) {
            return false;
        }
        return affine.count() == 1 || features == 1 || Shapes.lastAxis(graph, affine.data()) == features;
    }

}

package org.odf2nna.onnx.cleaning;

import java.util.List;
import org.odf2nna.onnx.NodeAttributes;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * A layer computed on its rows flattened to two dimensions and reshaped back, as Hugging Face's {@code Conv1D}
 * (GPT-2's {@code c_attn}, {@code c_fc}, {@code c_proj}) exports: {@code x.view(-1, x.size(-1))}, {@code addmm}, then
 * {@code view(x.size()[:-1] + (nf,))}. It becomes the MatMul and bias Add a {@code nn.Linear} exports, so that the
 * blocks are found as in any other transformer:
 *
 * <pre>
 *   x ──Reshape(s1)──► Gemm(W, C) ──Reshape(s2)──► y
 *        becomes    x ──MatMul(W)──Add(C)──► y          (W transposed once where the Gemm has transB = 1)
 * </pre>
 *
 * Needs: a Gemm of alpha 1, beta 1, transA 0, a constant 2-D weight and a constant bias of one value per output
 * unit (or none); the first Reshape's output read by the Gemm alone, the Gemm's by the second Reshape alone; the
 * second Reshape's shape a Concat of {@code x}'s own sizes at axes 0 … r−2 (each an Unsqueeze of a Gather from
 * {@code Shape(x)}) and the constant N, the Gemm's units, with {@code x} of rank r where its rank is known (the
 * exporter writes one Gather per leading axis). Then the Gemm's rows are x's rows in order, each x's last axis (its
 * size the Gemm's K, the element counts forcing it) times W, and the second Reshape restores x's leading axes,
 * exactly what MatMul computes on x. The shape computations that then feed nothing (the Shape, Gather and Concat
 * nodes) go too.
 */
final class FlattenedGemm extends CleaningPass {

    static final String NAME = "flattened-gemm";

    FlattenedGemm() {
        super(NAME);
    }

    @Override
    List<CleaningStep> apply(EditableGraph graph) {
        return rewriteEach(graph, node -> node.getOpType().equals("Gemm") && EditableGraph.defaultDomain(node),
                gemm -> rewrite(graph, gemm));
    }

    private CleaningStep rewrite(EditableGraph graph, NodeProto gemm) {
        if (gemm.getInputCount() < 2 || gemm.getOutputCount() != 1
                || NodeAttributes.floatAttribute(gemm, "alpha", 1f) != 1f
                || NodeAttributes.floatAttribute(gemm, "beta", 1f) != 1f
                || NodeAttributes.intAttribute(gemm, "transA", 0) != 0 || !graph.isFloatConstant(gemm.getInput(1))) {
            return null;
        }
        long[] wd = graph.dims(gemm.getInput(1));
        boolean transB = NodeAttributes.intAttribute(gemm, "transB", 0) != 0;
        if (wd.length != 2) {
            return null;
        }
        int k = (int) (transB ? wd[1] : wd[0]);
        int n = (int) (transB ? wd[0] : wd[1]);
        String bias = gemm.getInputCount() > 2 && !gemm.getInput(2).isEmpty() ? gemm.getInput(2) : null;
        if (bias != null && !(graph.isFloatConstant(bias) && graph.dims(bias).length == 1
                && graph.dims(bias)[0] == n)) {
            return null;
        }
        NodeProto flatten = graph.producer(gemm.getInput(0));
        String out = gemm.getOutput(0);
        List<NodeProto> readers = graph.consumers(out);
        if (flatten == null || !isReshape(flatten) || !graph.onlyReadBy(gemm.getInput(0), gemm)
                || readers.size() != 1 || !isReshape(readers.get(0)) || !graph.onlyReadBy(out, readers.get(0))
                || !readers.get(0).getInput(0).equals(out)) {
            return null;
        }
        NodeProto back = readers.get(0);
        String x = flatten.getInput(0);
        int rank = restoredRank(graph, back.getInput(1), x, n);
        int known = Shapes.rank(graph, x);
        if (rank < 2 || (known >= 0 && known != rank) || graph.isFloatConstant(x)) {
            return null;
        }
        String y = back.getOutput(0);
        String product = bias == null ? y : graph.uniqueName(out + "_matmul");
        NodeProto matmul = NodeProto.newBuilder().setName(gemm.getName()).setOpType("MatMul").addInput(x)
                .addInput(gemm.getInput(1)).addOutput(product).build();
        graph.replace(gemm, matmul);
        if (transB) {
            float[] w = graph.floats(gemm.getInput(1));
            float[] t = new float[w.length];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < k; j++) {
                    t[j * n + i] = w[i * k + j];
                }
            }
            matmul = graph.setConstantInput(matmul, 1, t, new long[] {k, n}, gemm.getInput(1) + "_t");
        }
        if (bias == null) {
            graph.remove(back);
        } else {
            graph.replace(back, NodeProto.newBuilder().setName(graph.uniqueName(gemm.getName() + "_bias"))
                    .setOpType("Add").addInput(product).addInput(bias).addOutput(y).build());
        }
        graph.remove(flatten);
        removeUnread(graph, flatten.getInput(1));
        removeUnread(graph, back.getInput(1));
        return new CleaningStep(NAME, List.of(Nodes.display(flatten), Nodes.display(gemm), Nodes.display(back)),
                Nodes.display(matmul));
    }

    private static boolean isReshape(NodeProto node) {
        return node.getOpType().equals("Reshape") && EditableGraph.defaultDomain(node) && node.getInputCount() == 2
                && node.getOutputCount() == 1;
    }

    /**
     * r when {@code shape} is the Concat of x's sizes at axes 0 … r−2 and the constant {@code units}; else −1.
     */
    private static int restoredRank(EditableGraph graph, String shape, String x, int units) {
        NodeProto concat = graph.producer(shape);
        if (concat == null || !concat.getOpType().equals("Concat") || concat.getInputCount() < 2
                || NodeAttributes.intAttribute(concat, "axis", 0) != 0) {
            return -1;
        }
        int last = concat.getInputCount() - 1;
        long[] n = TransposeRegion.int64s(graph.constant(concat.getInput(last)));
        if (n == null || n.length != 1 || n[0] != units) {
            return -1;
        }
        for (int axis = 0; axis < last; axis++) {
            if (!sizeOf(graph, concat.getInput(axis), x, axis)) {
                return -1;
            }
        }
        return last + 1;
    }

    /** Whether {@code tensor} is Unsqueeze(Gather(Shape(x), axis), [0]): x's size at {@code axis} as a 1-vector. */
    private static boolean sizeOf(EditableGraph graph, String tensor, String x, int axis) {
        NodeProto unsqueeze = graph.producer(tensor);
        if (unsqueeze == null || !unsqueeze.getOpType().equals("Unsqueeze") || !isZero(graph, unsqueeze)) {
            return false;
        }
        NodeProto gather = graph.producer(unsqueeze.getInput(0));
        if (gather == null || !gather.getOpType().equals("Gather") || gather.getInputCount() != 2
                || NodeAttributes.intAttribute(gather, "axis", 0) != 0) {
            return false;
        }
        TensorProto index = graph.constant(gather.getInput(1));
        long[] i = TransposeRegion.int64s(index);
        NodeProto shape = graph.producer(gather.getInput(0));
        return i != null && i.length == 1 && index.getDimsCount() == 0 && i[0] == axis && shape != null
                && shape.getOpType().equals("Shape") && shape.getInput(0).equals(x)
                && NodeAttributes.attribute(shape, "start") == null && NodeAttributes.attribute(shape, "end") == null;
    }

    /** Whether an Unsqueeze's axes (attribute before opset 13, input after) are [0]. */
    private static boolean isZero(EditableGraph graph, NodeProto unsqueeze) {
        List<Long> attribute = NodeAttributes.intsAttribute(unsqueeze, "axes");
        if (unsqueeze.getInputCount() > 1) {
            long[] axes = TransposeRegion.int64s(graph.constant(unsqueeze.getInput(1)));
            return axes != null && axes.length == 1 && axes[0] == 0;
        }
        return attribute.size() == 1 && attribute.get(0) == 0;
    }

    /** Takes out the node writing {@code tensor} when nothing reads what it writes, and so on up its inputs. */
    private static void removeUnread(EditableGraph graph, String tensor) {
        NodeProto p = graph.producer(tensor);
        if (p == null || !EditableGraph.defaultDomain(p) || p.getAttributeList().stream().anyMatch(a -> a.hasG())) {
            return;
        }
        for (String o : p.getOutputList()) {
            if (!graph.unused(o)) {
                return;
            }
        }
        graph.remove(p);
        for (String in : p.getInputList()) {
            removeUnread(graph, in);
        }
    }
}

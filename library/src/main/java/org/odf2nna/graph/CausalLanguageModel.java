package org.odf2nna.graph;

import java.util.Arrays;
import java.util.List;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.OnnxValues;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.onnx.proto.OnnxProto.TypeProto;

/**
 * Whether a graph is a causal language model, so that windows without labels are read as next-token prediction
 * ({@link org.odf2nna.settings.Task#NEXT_TOKEN}) with no task given. Its shape alone does not say it: a token
 * classifier (BERT's NER head) and a masked language model also take int ids [N, T] and give [N, T, C]. So it is
 * recognised by what it computes, on the rows themselves:
 * <ul>
 * <li>shape: one graph input, of int64 or int32 ids, rank 2; a float first output of rank 3;</li>
 * <li>vocabulary: every id of the windows is below the output's last axis (a tagger of a few classes over a larger
 * vocabulary fails this);</li>
 * <li>causality: changing the last token of a few windows changes no logit at an earlier position (a bidirectional
 * encoder's every position sees the last token).</li>
 * </ul>
 * Rows that carry labels are never read so: labels per position are the targets as given.
 */
public final class CausalLanguageModel {

    /** Windows the causality probe runs on. */
    private static final int PROBED = 4;

    private CausalLanguageModel() {
    }

    /** Whether the graph has a causal language model's shape: one int input of rank 2, a float output of rank 3. */
    public static boolean shaped(ModelProto model) {
        var g = model.getGraph();
        java.util.Set<String> weights = new java.util.HashSet<>();
        g.getInitializerList().forEach(t -> weights.add(t.getName()));
        List<org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto> inputs = g.getInputList().stream()
                .filter(i -> !weights.contains(i.getName())).toList();
        if (inputs.size() != 1 || g.getOutputCount() < 1) {
            return false;
        }
        TypeProto.Tensor in = inputs.get(0).getType().getTensorType();
        TypeProto.Tensor out = g.getOutput(0).getType().getTensorType();
        boolean ids = in.getElemType() == TensorProto.DataType.INT64_VALUE
                || in.getElemType() == TensorProto.DataType.INT32_VALUE;
        return ids && in.hasShape() && in.getShape().getDimCount() == 2 && out.getElemType() == OnnxValues.FLOAT
                && out.hasShape() && out.getShape().getDimCount() == 3;
    }

    /**
     * Whether the graph, run on the first windows of {@code rows}, computes as a causal language model does: logits
     * [N, T, V] with every id below V, and no logit before the last position moved by the last token.
     *
     * @param runnable the graph as {@code feed} runs it
     */
    public static boolean computes(GraphFeed.Session session, ModelProto runnable, GraphRows rows) {
        String output = runnable.getGraph().getOutput(0).getName();
        int count = Math.min(PROBED, rows.count());
        int positions = rows.width();
        OnnxRunner.Out before = session.runShaped(rows, 0, count, List.of(output)).get(output);
        long[] shape = before.shape();
        if (positions < 2 || shape.length != 3 || shape[1] != positions || shape[2] < 2) {
            return false;
        }
        int vocabulary = (int) shape[2];
        for (float id : rows.features()) {
            if (id < 0 || id >= vocabulary) {
                return false;
            }
        }
        float[] changed = Arrays.copyOf(rows.features(), count * positions);
        for (int w = 0; w < count; w++) {
            int last = (w + 1) * positions - 1;
            changed[last] = (changed[last] + 1) % vocabulary;
        }
        GraphRows probe = new GraphRows(changed, positions, null, rows.first(count).sides());
        OnnxRunner.Out after = session.runShaped(probe, 0, count, List.of(output)).get(output);
        return earlierPositionsEqual(before.values(), after.values(), count, positions, vocabulary);
    }

    /** Whether every logit before each window's last position is the same in both runs (to float rounding). */
    private static boolean earlierPositionsEqual(float[] a, float[] b, int windows, int positions, int vocabulary) {
        for (int w = 0; w < windows; w++) {
            for (int i = w * positions * vocabulary; i < ((w + 1) * positions - 1) * vocabulary; i++) {
                if (Math.abs(a[i] - b[i]) > 1e-4f * (1 + Math.abs(a[i]))) {
                    return false;
                }
            }
        }
        return true;
    }
}

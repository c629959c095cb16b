package org.odf2nna.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.data.Batch;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.data.NumpyRows;
import org.odf2nna.metrics.TokenLoss;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.LearningRateSchedule;
import org.odf2nna.settings.TrainingOptions;
import org.odf2nna.tf.ops.OnnxTensorValues;
import org.tensorflow.Session;

/**
 * End-to-end retraining of a graph whose output is {@code [N, T, V]}, on the tiny GPT of
 * {@code library/src/test/resources/corpus/tiny-gpt} (nanoGPT-shaped, exported by torch.onnx.export): the translation's
 * logits keep their positions, a retraining on the next token at every position (distilled from the original's
 * softmax per token) lowers the per-position loss of a damaged copy on windows it never saw, and the Taylor
 * gradients of the same loss have every weight's shape.
 */
class SequenceRetrainerTest {

    private static final Path FOLDER = Path.of("library/src/test/resources/corpus/tiny-gpt");
    private static final int CONTEXT = 16;
    private static final int VOCABULARY = 64;
    /** An MLP's first weight (block 0's c_fc): the unit weights a round prunes and retraining repairs. */
    private static final String MLP_WEIGHT = "onnx::MatMul_326";

    private static Path folder() {
        return FOLDER;
    }

    /** The GPT with its windows' length fixed at the context, as a sweep fixes its data input. */
    private static ModelProto gpt() throws Exception {
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(folder().resolve("gpt.onnx")));
        ModelProto.Builder b = m.toBuilder();
        TensorShapeProto.Builder shape = b.getGraphBuilder().getInputBuilder(0).getTypeBuilder()
                .getTensorTypeBuilder().getShapeBuilder();
        shape.setDim(1, TensorShapeProto.Dimension.newBuilder().setDimValue(CONTEXT));
        return b.build();
    }

    private static float[] windows(String name) {
        try (NumpyRows rows = NumpyRows.npz(folder().resolve(name), "input_ids", ColumnRequest.of(CONTEXT, null,
                ColumnRequest.Target.ABSENT))) {
            float[] all = new float[0];
            Batch b;
            while ((b = rows.next(1024)) != null) {
                int at = all.length;
                all = java.util.Arrays.copyOf(all, at + b.rows() * CONTEXT);
                System.arraycopy(b.features(), 0, all, at, b.rows() * CONTEXT);
            }
            return all;
        }
    }

    private static float[] nextTokens(float[] ids) {
        int[] t = TokenLoss.nextTokenTargets(ids, ids.length / CONTEXT, CONTEXT);
        float[] out = new float[t.length];
        for (int i = 0; i < t.length; i++) {
            out[i] = t[i];
        }
        return out;
    }

    /** The model's mean cross-entropy of the next token over every position but each window's last. */
    private static double nextTokenLoss(ModelProto model, float[] ids) {
        int n = ids.length / CONTEXT;
        float[] logits;
        try (OnnxTfGraph g = OnnxTfGraph.translate(model, Set.of());
             Session session = g.open(Device.CPU)) {
            logits = g.run(session, ids, n, 256, true)[0];
        }
        double sum = 0;
        int counted = 0;
        for (int w = 0; w < n; w++) {
            for (int p = 0; p + 1 < CONTEXT; p++) {
                int at = (w * CONTEXT + p) * VOCABULARY;
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < VOCABULARY; j++) {
                    max = Math.max(max, logits[at + j]);
                }
                double z = 0;
                for (int j = 0; j < VOCABULARY; j++) {
                    z += Math.exp(logits[at + j] - max);
                }
                sum += Math.log(z) + max - logits[at + (int) ids[w * CONTEXT + p + 1]];
                counted++;
            }
        }
        return sum / counted;
    }

    /** The model with one initializer's values scaled: a pruned round's damage, for retraining to repair. */
    private static ModelProto scaled(ModelProto model, String name, float by) {
        ModelProto.Builder b = model.toBuilder();
        for (int i = 0; i < b.getGraph().getInitializerCount(); i++) {
            TensorProto t = b.getGraph().getInitializer(i);
            if (t.getName().equals(name)) {
                float[] v = OnnxTensorValues.floats(t);
                for (int k = 0; k < v.length; k++) {
                    v[k] *= by;
                }
                b.getGraphBuilder().setInitializer(i, OnnxTensorValues.withFloats(t, v));
            }
        }
        return b.build();
    }

    /** The weights a retraining trains here: every MatMul weight and bias (the causal mask and norms stay). */
    private static Set<String> weights(ModelProto model) {
        Set<String> names = new LinkedHashSet<>();
        for (TensorProto t : model.getGraph().getInitializerList()) {
            if (t.getName().startsWith("onnx::MatMul") || t.getName().endsWith("c_fc.bias")
                    || t.getName().endsWith("c_proj.bias") || t.getName().endsWith("c_attn.bias")) {
                names.add(t.getName());
            }
        }
        return names;
    }

    @Test
    void theTranslationKeepsThePositionsAndABatchHoldsWindows() throws Exception {
        ModelProto gpt = gpt();
        assertTrue(GraphRetrainer.perPosition(gpt));
        try (OnnxTfGraph g = OnnxTfGraph.translate(gpt, Set.of())) {
            assertArrayEquals(new int[] {CONTEXT, VOCABULARY}, SequenceRetrainer.shape(g.logits.get(0),
                    new GraphRetrainer.Rows(new float[0], null, 0, null)));
        }
        assertEquals(128, SequenceRetrainer.windowsPerStep(128, CONTEXT));
        assertEquals(64, SequenceRetrainer.windowsPerStep(128, 128), "8,192 positions a step at most");
        assertEquals(1, SequenceRetrainer.windowsPerStep(128, 100_000));
    }

    /**
     * An output of rank 3 reshaped to a size computed at run time ({@code [N, -1, 3]}, as torchvision's detection
     * heads write theirs): the translation does not know its positions, so the retraining is refused as a node
     * without translation is, and the round keeps its refit (it stopped on a NullPointerException).
     */
    @Test
    void anOutputWhosePositionsTheTranslationDoesNotKnowIsRefusedAsUntranslatable() {
        org.odf2nna.graph.Graphs g = new org.odf2nna.graph.Graphs(5);
        g.input("x", 4, 6).output("y", 8, 3);
        String h = g.node("MatMul", "h", "x", g.init("w", 0.5, 6, 6));
        String batch = g.node("Gather", "batch", g.node("Shape", "shape", h), g.int64("zero", 0));
        String target = g.node("Concat", "target", java.util.List.of(org.odf2nna.graph.Graphs.integer("axis", 0)),
                batch, g.int64("rest", -1, 3));
        g.node("Reshape", "y", h, target);
        ModelProto model = g.model(13);
        int n = 64;
        GraphRetrainer.Settings settings = new GraphRetrainer.Settings(Loss.SOFTMAX_CROSS_ENTROPY,
                new TrainingOptions(1, 16, 1e-3f, 7, 0, Device.CPU), Distillation.DEFAULT, 0.2, 16,
                TranslationCheck.DEFAULT_TOLERANCE, LearningRateSchedule.CONSTANT);
        org.odf2nna.tf.ops.UnsupportedOperatorException e = org.junit.jupiter.api.Assertions.assertThrows(
                org.odf2nna.tf.ops.UnsupportedOperatorException.class, () -> GraphRetrainer.retrain(model, model,
                        Set.of("w"), new GraphRetrainer.Rows(org.odf2nna.graph.Graphs.rows(3, n, 24), null, n, null),
                        settings, (ep, all) -> { }));
        assertTrue(e.getMessage().contains("'y'"), e.getMessage());
    }

    @Test
    void retrainingLowersTheNextTokenLossOfADamagedCopyOnWindowsItNeverSaw() throws Exception {
        ModelProto gpt = gpt();
        ModelProto damaged = scaled(gpt, MLP_WEIGHT, 0.3f);
        float[] train = windows("train.npz");
        float[] report = windows("report.npz");
        int n = train.length / CONTEXT;
        GraphRetrainer.Settings settings = new GraphRetrainer.Settings(Loss.SOFTMAX_CROSS_ENTROPY,
                new TrainingOptions(3, 64, 2e-3f, 7, 0, Device.CPU), Distillation.DEFAULT, 0.2, 16,
                TranslationCheck.DEFAULT_TOLERANCE, LearningRateSchedule.CONSTANT);
        GraphRetrainer.Retrained out = GraphRetrainer.retrain(gpt, damaged, weights(damaged),
                new GraphRetrainer.Rows(train, nextTokens(train), n, null), settings, (e, all) -> { });
        assertEquals(16, out.check().rows(), "the translation checked against ONNX Runtime first");
        assertTrue(out.bestEpoch() > 0, "a trained epoch kept: " + out.history());
        TrainingResult.Epoch first = out.history().get(0);
        TrainingResult.Epoch kept = out.history().get(out.bestEpoch());
        assertTrue(kept.validationLoss() < first.validationLoss(), out.history().toString());
        // The held-out loss is per target counted, as perplexity's log: the damaged copy's is a few tenths of a nat.
        assertTrue(first.validationLoss() > 0.5 && first.validationLoss() < 4, out.history().toString());
        double before = nextTokenLoss(damaged, report);
        double after = nextTokenLoss(out.model(), report);
        double original = nextTokenLoss(gpt, report);
        assertTrue(after < before, "report loss " + before + " -> " + after + " (original " + original + ")");
        // torch.json's report perplexity 3.7705 is this loss's exp.
        assertEquals(Math.log(3.7705), original, 0.01);
    }

    @Test
    void withoutTargetsTheOriginalsArgmaxPerPositionIsTheTarget() throws Exception {
        ModelProto gpt = gpt();
        ModelProto damaged = scaled(gpt, MLP_WEIGHT, 0.3f);
        float[] train = java.util.Arrays.copyOf(windows("train.npz"), 256 * CONTEXT);
        GraphRetrainer.Settings settings = new GraphRetrainer.Settings(Loss.SOFTMAX_CROSS_ENTROPY,
                new TrainingOptions(2, 32, 2e-3f, 7, 0, Device.CPU), Distillation.DEFAULT, 0.25, 0,
                TranslationCheck.DEFAULT_TOLERANCE);
        GraphRetrainer.Retrained out = GraphRetrainer.retrain(gpt, damaged, weights(damaged),
                new GraphRetrainer.Rows(train, null, 256, null), settings, (e, all) -> { });
        assertEquals(3, out.history().size(), out.history().toString());
        assertTrue(out.history().get(out.bestEpoch()).validationLoss() < out.history().get(0).validationLoss(),
                out.history().toString());
    }

    @Test
    void taylorGradientsOfTheNextTokenLossHaveEveryWeightsShape() throws Exception {
        ModelProto gpt = gpt();
        float[] train = java.util.Arrays.copyOf(windows("train.npz"), 128 * CONTEXT);
        Set<String> names = weights(gpt);
        Map<String, float[]> g = LossGradients.summed(gpt, gpt, names, new GraphRetrainer.Rows(train,
                nextTokens(train), 128, null), new LossGradients.Pass(Loss.SOFTMAX_CROSS_ENTROPY, Distillation.NONE,
                2, 64, 1, Device.CPU));
        assertEquals(names, g.keySet());
        for (TensorProto t : gpt.getGraph().getInitializerList()) {
            if (names.contains(t.getName())) {
                float[] v = g.get(t.getName());
                assertEquals(OnnxTensorValues.floats(t).length, v.length, t.getName());
                double norm = 0;
                for (float x : v) {
                    norm += x * x;
                }
                assertTrue(norm > 0 && Double.isFinite(norm), t.getName() + " " + norm);
            }
        }
    }
}

package org.odf2nna.tf;

import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.odf2nna.onnx.TestModels;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.TrainingOptions;
import org.odf2nna.tf.ops.OnnxTensorValues;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.odf2nna.tf.OnnxGraphs.i;
import static org.odf2nna.tf.OnnxGraphs.in;

/** End-to-end distillation of a graph built in code: what changes, what does not, and what the teacher brings. */
class GraphRetrainerTest {

    static GraphRetrainer.Settings settings(int epochs, int patience) {
        return new GraphRetrainer.Settings(Loss.SOFTMAX_CROSS_ENTROPY, new TrainingOptions(epochs, 16, 5e-3f, 0,
                patience), Distillation.DEFAULT, 0.2, 100, 1e-4);
    }

    /** x → LayerNorm-free MLP with a Softmax head: MatMul/Add/Relu, Gemm, Softmax. */
    static ModelProto mlp() {
        return new OnnxGraphs(13, "x", 8)
                .weights("w1", 0.5f, 0f, 8, 16).weights("b1", 0.1f, 0f, 16)
                .weights("w2", 0.5f, 0f, 3, 16).weights("b2", 0.1f, 0f, 3)
                .node("MatMul", in("x", "w1"), "h")
                .node("Add", in("b1", "h"), "a")
                .node("Relu", in("a"), "r")
                .node("Gemm", in("r", "w2", "b2"), "z", i("transB", 1))
                .node("Softmax", in("z"), "y", i("axis", -1))
                .output("y").model();
    }

    /** {@code model} with the named initializer multiplied by (1 + noise), stored as float_data instead of raw. */
    static ModelProto damaged(ModelProto model, String name, double noise) {
        GraphProto.Builder g = model.getGraph().toBuilder();
        Random random = new Random(5);
        for (int k = 0; k < g.getInitializerCount(); k++) {
            TensorProto t = g.getInitializer(k);
            if (t.getName().equals(name)) {
                float[] v = OnnxTensorValues.floats(t);
                TensorProto.Builder b = t.toBuilder().clearRawData();
                for (float x : v) {
                    b.addFloatData(x * (float) (1 + noise * random.nextGaussian()));
                }
                g.setInitializer(k, b);
            }
        }
        return model.toBuilder().setGraph(g).build();
    }

    @Test
    void trainsTheNamedInitializersTowardsTheOriginalAndLeavesEverythingElseByteIdentical() {
        ModelProto original = mlp();
        ModelProto pruned = damaged(original, "w1", 0.8);
        int n = 600;
        float[] rows = TestModels.randomRows(2, n, 8);
        GraphRetrainer.Retrained r = GraphRetrainer.retrain(original, pruned, Set.of("w1", "b1"), rows, null, n,
                settings(15, 5), (e, total) -> { });
        assertTrue(r.bestEpoch() > 0, "some epoch beat the damaged start");
        float[] test = TestModels.randomRows(9, 400, 8);
        double before = GraphRetrainerSharedTest.agreement(original, pruned, test, 400);
        double after = GraphRetrainerSharedTest.agreement(original, r.model(), test, 400);
        assertTrue(after > before + 0.05, before + " -> " + after);
        // Validation agreement (against the original's answers, no labels given) rose from epoch 0.
        assertTrue(r.history().get(r.bestEpoch()).validationMetric() > r.history().get(0).validationMetric());

        GraphProto g = r.model().getGraph();
        TensorProto w1 = g.getInitializer(0);
        assertEquals("w1", w1.getName());
        assertTrue(w1.getRawData().isEmpty() && w1.getFloatDataCount() == 128, "w1 kept its float_data storage");
        assertFalse(w1.equals(pruned.getGraph().getInitializer(0)));
        assertFalse(g.getInitializer(1).equals(pruned.getGraph().getInitializer(1)), "b1 trained");
        GraphProto.Builder restored = g.toBuilder().setInitializer(0, pruned.getGraph().getInitializer(0))
                .setInitializer(1, pruned.getGraph().getInitializer(1));
        assertArrayEquals(pruned.toByteArray(), r.model().toBuilder().setGraph(restored).build().toByteArray());
    }

    @Test
    void aConvolutionalNetTrainsThroughSamePaddedConvolutionsAndChannelsLastNodes() {
        ModelProto original = OnnxTfGraphTest.channelsLastNet();
        ModelProto pruned = damaged(damaged(original, "w2", 1), "w3", 1);
        int n = 600;
        float[] rows = TestModels.randomRows(2, n, 144);
        GraphRetrainer.Retrained r = GraphRetrainer.retrain(original, pruned, Set.of("w1", "w2", "w3", "ws1", "ws2",
                "w5"), rows, null, n, settings(15, 5), (e, total) -> { });
        float[] test = TestModels.randomRows(9, 400, 144);
        double before = GraphRetrainerSharedTest.agreement(original, pruned, test, 400);
        double after = GraphRetrainerSharedTest.agreement(original, r.model(), test, 400);
        // The held-out distillation loss falls (the gradients reach every convolution), and so do the disagreements.
        double start = r.history().get(0).validationLoss();
        double least = r.history().stream().mapToDouble(e -> e.validationLoss()).min().orElseThrow();
        assertTrue(least < 0.8 * start, start + " -> " + least);
        assertTrue(r.bestEpoch() > 0 && after > before, before + " -> " + after);
    }

    @Test
    void labelsAloneTrainWhenTheDistillationLeavesTheTeacherOutAndZeroEpochsReturnTheModelItself() {
        ModelProto original = mlp();
        ModelProto pruned = damaged(original, "w1", 0.8);
        int n = 600;
        float[] rows = TestModels.randomRows(4, n, 8);
        float[] logits = GraphRetrainerSharedTest.predict(original, rows, n);
        float[] labels = new float[n];
        for (int k = 0; k < n; k++) {
            labels[k] = GraphRetrainerSharedTest.argmax(logits, k * 3, 3);
        }
        GraphRetrainer.Settings targetsOnly = new GraphRetrainer.Settings(Loss.SOFTMAX_CROSS_ENTROPY,
                new TrainingOptions(15, 16, 5e-3f, 0, 5), Distillation.NONE, 0.2, 50, 1e-4);
        GraphRetrainer.Retrained r = GraphRetrainer.retrain(original, pruned, Set.of("w1"), rows, labels, n,
                targetsOnly, (e, total) -> { });
        float[] test = TestModels.randomRows(9, 400, 8);
        double before = GraphRetrainerSharedTest.agreement(original, pruned, test, 400);
        double after = GraphRetrainerSharedTest.agreement(original, r.model(), test, 400);
        assertTrue(r.bestEpoch() > 0 && after > before + 0.05, before + " -> " + after);

        GraphRetrainer.Retrained none = GraphRetrainer.retrain(original, pruned, Set.of("w1"), rows, labels, n,
                new GraphRetrainer.Settings(Loss.SOFTMAX_CROSS_ENTROPY, new TrainingOptions(0, 16, 1e-3f, 0, 0),
                        Distillation.DEFAULT, 0.2, 50, 1e-4), (e, total) -> { });
        assertEquals(0, none.bestEpoch());
        assertTrue(none.model() == pruned);
    }
}

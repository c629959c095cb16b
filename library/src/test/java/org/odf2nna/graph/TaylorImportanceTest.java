package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.Ranking;
import org.odf2nna.settings.SweepSettings;
import org.odf2nna.tf.GraphRetrainer;
import org.odf2nna.tf.Loss;
import org.odf2nna.tf.LossGradients;
import org.odf2nna.tf.ops.OnnxTensorValues;

/**
 * The first-order Taylor ranking (issue 58): on one FFN block whose first eight units are dead (zero first-layer
 * weights, GELU held near 0) and one unit the logits read ten times more strongly, the dead units are worth nothing to
 * the loss and go first, the strong unit last; the gradient pass moves no weight.
 */
class TaylorImportanceTest {

    private static final Path FILE = BlockFinderTest.FILE;
    private static final int STRONG = 12;

    /** {@link GraphSweepRetrainTest#classifier} with unit 12's second-layer row ten times larger. */
    private static ModelProto model() {
        ModelProto m = GraphSweepRetrainTest.classifier(false);
        var graph = m.getGraph().toBuilder();
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            TensorProto t = graph.getInitializer(i);
            if (t.getName().equals("w2")) {
                float[] v = OnnxTensorValues.floats(t);
                for (int k = 0; k < v.length; k++) {
                    v[k] *= k / 6 == STRONG ? 10 : 1;
                }
                graph.setInitializer(i, OnnxTensorValues.withFloats(t, v));
            }
        }
        return m.toBuilder().setGraph(graph).build();
    }

    /** Rows labelled by the model's own classes. */
    private static GraphRows rows(ModelProto model, int count) {
        GraphRows unlabelled = new GraphRows(Graphs.rows(5, count, 24), 24, null);
        int[] labels = GraphSweep.predict(model, FILE, GraphRows.dataInput(model, FILE), unlabelled, Device.CPU);
        return new GraphRows(unlabelled.features(), 24, labels);
    }

    @Test
    void deadUnitsGoFirstAndTheUnitTheLossReadsMostLast() {
        ModelProto model = model();
        GraphRun settings = GraphRun.of(SweepSettings.builder().ranking(Ranking.TAYLOR).build(), 0.25);
        Map<String, float[]> gradients = TaylorImportance.gradients(model, model, FILE, rows(model, 600),
                GraphFeed.of(model, FILE), settings);
        GraphView g = new GraphView(model, FILE);
        DenseBlock block = BlockFinder.find(g).get(0);
        double[] s = TaylorImportance.scores(g, block, gradients, UnitCosts.NONE);
        assertEquals(16, s.length);
        double max = Arrays.stream(s).max().orElseThrow();
        for (int j = 0; j < 8; j++) {
            assertTrue(s[j] < 1e-4 * max, "dead unit " + j + ": " + Arrays.toString(s));
        }
        for (int j = 8; j < 16; j++) {
            assertTrue(s[j] > 1e-3 * max, "live unit " + j + ": " + Arrays.toString(s));
        }
        assertEquals(max, s[STRONG], 0, "the strongly read unit is the most important: " + Arrays.toString(s));
    }

    /**
     * {@code cost-taylor} (the default where rounds retrain end to end): a block's scores are its costs (so a round takes
     * as many units from it as the cost would), handed out in Taylor's order (so the units that go are Taylor's).
     */
    @Test
    void costTaylorKeepsTheBlocksCostsInTaylorsOrder() {
        ModelProto model = model();
        GraphRun settings = GraphRun.of(SweepSettings.builder().ranking(Ranking.COST_TAYLOR).build(), 0.25);
        GraphRows rows = rows(model, 600);
        Map<String, float[]> gradients = TaylorImportance.gradients(model, model, FILE, rows,
                GraphFeed.of(model, FILE), settings);
        GraphView g = new GraphView(model, FILE);
        List<DenseBlock> blocks = BlockFinder.find(g);
        DenseBlock block = blocks.get(0);
        BlockStatistics.Moments m = BlockStatistics.measure(model, FILE, blocks, rows, GraphFeed.of(model, FILE),
                Device.CPU, GraphRun.DEFAULT_SAMPLES).get(0);
        double[] costs = GraphRounds.scores(g, block, m, Ranking.COST);
        double[] taylor = TaylorImportance.scores(g, block, gradients, UnitCosts.NONE);
        double[] mixed = TaylorImportance.costOrdered(g, block, m, gradients, UnitCosts.NONE);
        double[] sortedCosts = costs.clone();
        double[] sortedMixed = mixed.clone();
        Arrays.sort(sortedCosts);
        Arrays.sort(sortedMixed);
        assertArrayEquals(sortedCosts, sortedMixed, 0, "the same costs");
        for (int i = 0; i < mixed.length; i++) {
            for (int j = 0; j < mixed.length; j++) {
                if (taylor[i] < taylor[j]) {
                    assertTrue(mixed[i] <= mixed[j], "unit " + i + " is less important than " + j + ": "
                            + Arrays.toString(taylor) + " -> " + Arrays.toString(mixed));
                }
            }
        }
        // The cost alone orders this block otherwise: the mixed ranking is not the cost's own.
        assertFalse(Arrays.equals(costs, mixed), Arrays.toString(costs));
    }

    @Test
    void theGradientPassMovesNoWeightAndGivesTheSameSumsTwice() {
        ModelProto model = model();
        byte[] before = model.toByteArray();
        GraphRows rows = rows(model, 300);
        float[] labels = new float[rows.count()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = rows.labels()[i];
        }
        LossGradients.Pass pass = new LossGradients.Pass(Loss.SOFTMAX_CROSS_ENTROPY, Distillation.NONE, 3, 64, 1,
                Device.CPU);
        var fed = new GraphRetrainer.Rows(rows.features(), labels, rows.count(), null);
        Map<String, float[]> first = LossGradients.summed(model, model, Set.of("w1", "w2"), fed, pass);
        Map<String, float[]> second = LossGradients.summed(model, model, Set.of("w1", "w2"), fed, pass);
        assertArrayEquals(before, model.toByteArray());
        assertEquals(Set.of("w1", "w2"), first.keySet());
        assertArrayEquals(first.get("w2"), second.get("w2"));
        assertTrue(Arrays.stream(toDouble(first.get("w2"))).anyMatch(v -> Math.abs(v) > 1e-6),
                "a classifier's loss has gradients: " + Arrays.toString(first.get("w2")));
        // The dead units' first-layer columns see a gradient near zero (GELU's slope at -6), their weights are zero.
        float[] w1 = first.get("w1");
        for (int i = 0; i < 6; i++) {
            assertEquals(0, w1[i * 16], 1e-5);
        }
    }

    @Test
    void aSweepRoundRanksByTaylorWithinTheBlockLimits() {
        ModelProto model = model();
        GraphRows rows = rows(model, 400);
        ModelProto pruned = GraphSweep.prune(model, FILE, rows, 0.3, GraphRun.of(SweepSettings.builder()
                .ranking(Ranking.TAYLOR).build(), 0.1)).model();
        List<DenseBlock> blocks = BlockFinder.find(pruned, FILE);
        assertTrue(blocks.get(0).sizes().width() < 16, "units went: " + blocks.get(0).sizes().width());
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}

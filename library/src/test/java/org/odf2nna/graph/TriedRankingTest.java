package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.GraphSweepReport;
import org.odf2nna.settings.Ranking;
import org.odf2nna.settings.SweepSettings;

/**
 * {@link Ranking#TRIED} (issue 58): a round's head-loss and taylor choices each refitted and retrained, the one better
 * on the retraining's held-out training rows kept and said in the report's notes.
 */
class TriedRankingTest {

    private static final Path FILE = BlockFinderTest.FILE;
    private static final int WIDTH = 24;

    private static GraphRows rows(ModelProto model, long seed, int count) {
        GraphRows unlabelled = new GraphRows(Graphs.rows(seed, count, WIDTH), WIDTH, null);
        InputSignature input = GraphRows.dataInput(model, FILE);
        return new GraphRows(unlabelled.features(), WIDTH, GraphSweep.predict(model, FILE, input, unlabelled,
                Device.CPU));
    }

    /** A sweep's phases and its rounds' refitted graphs. */
    private record Swept(GraphSweepReport report, List<String> phases, Map<Integer, ModelProto> refitted) {
    }

    private static Swept sweep(ModelProto model, Ranking ranking) {
        List<String> phases = new ArrayList<>();
        Map<Integer, ModelProto> refitted = new HashMap<>();
        RoundModels observer = new RoundModels() {
            @Override
            public void update(String phase, long done, long total, String detail) {
                if (!phases.contains(phase)) {
                    phases.add(phase);
                }
            }

            @Override
            public void refitted(int round, ModelProto m) {
                refitted.put(round, m);
            }

            @Override
            public void finished(int round, ModelProto m) {
            }
        };
        GraphRun settings = GraphRun.of(SweepSettings.builder().ranking(ranking).build(), 0.25);
        GraphSweepReport report = GraphSweep.sweep(model, FILE, rows(model, 1, 600), rows(model, 2, 1000), null,
                settings, observer).report();
        return new Swept(report, phases, refitted);
    }

    private static boolean sameWeights(ModelProto a, ModelProto b) {
        return a.getGraph().getInitializerList().equals(b.getGraph().getInitializerList());
    }

    /**
     * A classifier on [N, 4, 6] whose FFN's units disagree between the rankings: units 0-7 write large values into
     * channels 0-2 of the residual stream, units 8-15 small ones into channels 3-5, and the head reads channels 3-5
     * alone. The block's cost (head-loss ranks an FFN as cost) drops units of 8-15; the loss's gradients (taylor) of
     * 0-7, which nothing downstream reads.
     */
    static ModelProto disagreeing() {
        Graphs g = new Graphs(31);
        g.input("x", 4, 6).output("logits", 3);
        String h = g.node("Add", "fc1", g.node("MatMul", "mm1", "x", g.init("w1", 0.8, 6, 16)), g.init("b1", 0.2, 16));
        String a = g.erfGelu(h, "act");
        java.util.Random r = new java.util.Random(5);
        float[] w2 = new float[16 * 6];
        for (int u = 0; u < 16; u++) {
            for (int c = 0; c < 6; c++) {
                boolean own = u < 8 == c < 3;
                w2[u * 6 + c] = own ? (float) (r.nextGaussian() * (u < 8 ? 2.0 : 0.3)) : 0f;
            }
        }
        String o = g.node("Add", "ffn", g.node("MatMul", "mm2", a, g.init("w2", w2, 16, 6)), g.init("b2", 0.2, 6));
        String y = g.node("Add", "res", "x", o);
        String pooled = g.node("ReduceMean", "pool", List.of(Graphs.ints("axes", 1), Graphs.integer("keepdims", 0)),
                y);
        float[] head = new float[6 * 3];
        for (int i = 9; i < head.length; i++) {
            head[i] = (float) (r.nextGaussian() * 3.0);
        }
        g.node("MatMul", "logits", pooled, g.init("head", head, 6, 3));
        return g.model(14);
    }

    @Test
    void aTriedRoundRetrainsBothChoicesAndKeepsTheOneItsNoteNames() {
        ModelProto model = disagreeing();
        Swept tried = sweep(model, Ranking.TRIED);
        Swept headLoss = sweep(model, Ranking.HEAD_LOSS);
        Swept taylor = sweep(model, Ranking.TAYLOR);
        // Round 1 starts from the original in all three: its candidates are the other two sweeps' round 1.
        assertTrue(tried.phases().stream().anyMatch(p -> p.endsWith("retraining end to end (head-loss's choice)")),
                tried.phases().toString());
        assertTrue(tried.phases().stream().anyMatch(p -> p.endsWith("retraining end to end (taylor's choice)")),
                tried.phases().toString());
        assertTrue(tried.phases().get(0).startsWith("round 1"), tried.phases().toString());
        String note = tried.report().notes().stream().filter(n -> n.startsWith("round 1 kept ")).findFirst()
                .orElseThrow(() -> new AssertionError("no note on round 1: " + tried.report().notes()));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(" head-loss and taylor: accuracy on the "
                + "retraining's held-out training rows head-loss's ([0-9.]+) \\(loss ([0-9.]+)\\), taylor's ([0-9.]+) "
                + "\\(loss ([0-9.]+)\\)$").matcher(note);
        assertTrue(m.find(), note);
        Swept kept = note.startsWith("round 1 kept taylor's") ? taylor : headLoss;
        Swept other = kept == taylor ? headLoss : taylor;
        assertTrue(sameWeights(tried.refitted().get(1), kept.refitted().get(1)), note);
        assertTrue(!sameWeights(tried.refitted().get(1), other.refitted().get(1)), "the two choices differ");
        // The kept candidate scores better on the held-out rows: accuracy, then loss; head-loss's on a tie.
        org.odf2nna.tf.TrainingResult.Epoch h = new org.odf2nna.tf.TrainingResult.Epoch(1, Double.NaN,
                Double.parseDouble(m.group(2)), Double.parseDouble(m.group(1)));
        org.odf2nna.tf.TrainingResult.Epoch t = new org.odf2nna.tf.TrainingResult.Epoch(1, Double.NaN,
                Double.parseDouble(m.group(4)), Double.parseDouble(m.group(3)));
        assertEquals(kept == taylor, t.beats(h, org.odf2nna.tf.Loss.SOFTMAX_CROSS_ENTROPY), note);
        assertEquals(Ranking.TRIED.name().toLowerCase(java.util.Locale.ROOT), tried.report().method().ranking());
    }

    @Test
    void withoutRetrainingATriedRoundIsHeadLossAlone() {
        ModelProto model = GraphSweepRetrainTest.classifier(false);
        GraphRows rows = rows(model, 1, 600);
        GraphRun tried = GraphRun.of(SweepSettings.builder().ranking(Ranking.TRIED)
                .graphRetraining(org.odf2nna.settings.GraphRetraining.SEQUENTIAL).build(), 0.25);
        GraphRun headLoss = GraphRun.of(SweepSettings.builder().ranking(Ranking.HEAD_LOSS)
                .graphRetraining(org.odf2nna.settings.GraphRetraining.SEQUENTIAL).build(), 0.25);
        ModelProto a = GraphSweep.prune(model, FILE, GraphFeed.of(model, FILE), rows, 0.5, tried).model();
        ModelProto b = GraphSweep.prune(model, FILE, GraphFeed.of(model, FILE), rows, 0.5, headLoss).model();
        assertTrue(sameWeights(a, b));
    }
}

package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.Progress;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.SweepReport;
import org.odf2nna.settings.GraphRetraining;
import org.odf2nna.settings.SweepSettings;

/**
 * The chain's last step halved: a round between the last two, made from the one before the last before any
 * validation row is read, and tested in its place in the order (issue 58: the shared ViT's rounds 7 and 8 landed at
 * 73.0% and 81.6% of the block parameters, round 8 failed, and the 75.7% that 72% of all needs lay between).
 */
public class HalfStepTest {

    private static final Path FILE = BlockFinderTest.FILE;
    private static final int WIDTH = 24;

    /**
     * A classifier on [N, 4, 6]: an FFN 6-16-6 (MatMul, bias, exact GELU, MatMul, bias, residual Add), a mean over the
     * four positions and a linear head of three classes. Hidden units 0-7 are dead (zero weights, a bias far below
     * zero), 8-10 reach the output by weights of 0.002 (nearly nothing), 11-15 by weights of about 1.5: dropping one
     * of those changes many predictions.
     */
    static ModelProto classifier() {
        Graphs g = new Graphs(58);
        g.input("x", 4, 6).output("logits", 3);
        Random r = new Random(7);
        float[] w1 = new float[6 * 16];
        float[] b1 = new float[16];
        float[] w2 = new float[16 * 6];
        for (int j = 0; j < 16; j++) {
            b1[j] = j < 8 ? -6f : (float) (r.nextGaussian() * 0.2);
            for (int i = 0; i < 6; i++) {
                w1[i * 16 + j] = j < 8 ? 0f : (float) (r.nextGaussian() * 0.8);
                w2[j * 6 + i] = j < 8 ? 0f : (float) (r.nextGaussian() * (j < 11 ? 0.002 : 1.5));
            }
        }
        String h = g.node("Add", "pre", g.init("b1", b1, 16), g.node("MatMul", "mm1", "x", g.init("w1", w1, 6, 16)));
        String a = g.erfGelu(h, "act");
        String o = g.node("Add", "ffn", g.node("MatMul", "mm2", a, g.init("w2", w2, 16, 6)), g.init("b2", 0.1, 6));
        String y = g.node("Add", "res", "x", o);
        String pooled = g.node("ReduceMean", "pool", List.of(Graphs.ints("axes", 1), Graphs.integer("keepdims", 0)),
                y);
        g.node("MatMul", "logits", pooled, g.init("head", 1.5, 6, 3));
        return g.model(14);
    }

    /** Rows labelled with the original's own classes. */
    private static GraphRows rows(ModelProto model, long seed, int count) {
        GraphRows unlabelled = new GraphRows(Graphs.rows(seed, count, WIDTH), WIDTH, null);
        InputSignature input = GraphRows.dataInput(model, FILE);
        int[] labels = GraphSweep.predict(model, FILE, input, unlabelled, Device.CPU);
        return new GraphRows(unlabelled.features(), WIDTH, labels);
    }

    /**
     * Rounds of 25%: round 1 drops five dead units, round 2 the other three and a weak one (117 of the 214 block
     * parameters), round 3, the chain's last, the two weak ones left and a strong one (at most half a block a round:
     * 156), and fails. The half step, made from round 2 to remove halfway to round 3, drops the two weak ones (143),
     * holds, and is written.
     */
    @Test
    void whenTheLastRoundFailsTheHalfStepBeforeItIsTestedAndWritten() {
        ModelProto model = classifier();
        GraphRows train = rows(model, 1, 600);
        GraphRows validation = rows(model, 2, 2000);
        GraphRun settings = GraphRun.of(SweepSettings.builder().graphRetraining(GraphRetraining.SEQUENTIAL)
                .roundTo(org.odf2nna.settings.RoundTo.OFF).build(), 0.25);
        GraphSweep.Outcome out = GraphSweep.sweep(model, FILE, train, validation, null, settings, Progress.NONE);
        SweepReport report = out.report();
        List<SweepReport.Round> rounds = report.outcome().rounds();
        assertEquals(List.of("11", "7", "5", "4"), rounds.stream().map(x -> x.size().widths()).toList(),
                report.outcome().choice());
        SweepReport.Round before = rounds.get(1);
        SweepReport.Round half = rounds.get(2);
        SweepReport.Round last = rounds.get(3);
        assertTrue(half.size().blockReductionPercent() > before.size().blockReductionPercent()
                && half.size().blockReductionPercent() < last.size().blockReductionPercent(), rounds.toString());
        assertFalse(last.holds(), "the last round was meant to fail: " + last);
        assertTrue(half.holds(), half.toString());
        assertNotNull(out.chosen(), report.outcome().choice());
        assertEquals(2, report.outcome().chosen(), report.outcome().choice());
        assertTrue(report.outcome().choice().startsWith("round 3 ("), report.outcome().choice());
        assertTrue(report.notes().contains("round 3 is a half step: made from round 2, it removes the block "
                + "parameters halfway to round 4, the chain's last; made before the validation rows were read and "
                + "tested in its place in the order"), report.notes().toString());
        assertEquals(half.size().parameters(), new GraphView(out.chosen(), FILE).parameters());
    }

    /** A chain of one round has no step to halve. */
    @Test
    void aChainOfOneRoundHasNoHalfStep() {
        ModelProto model = classifier();
        GraphRows train = rows(model, 1, 600);
        GraphRows validation = rows(model, 2, 1000);
        GraphRun settings = GraphRun.of(SweepSettings.builder().graphRetraining(GraphRetraining.SEQUENTIAL)
                .roundTo(org.odf2nna.settings.RoundTo.OFF).build(),
                0.5);
        SweepReport report = GraphSweep.sweep(model, FILE, train, validation, null, settings, Progress.NONE)
                .report();
        assertEquals(1, report.outcome().rounds().size(), report.outcome().rounds().toString());
        assertTrue(report.notes().stream().noneMatch(n -> n.contains("half step")), report.notes().toString());
    }

    /**
     * The step halved is the chain's last full one (at least half a round's share): where the round before the last
     * left the blocks near their floors, the last step is a remainder and the one before it is halved.
     */
    @Test
    void theHalfStepHalvesTheLastStepOfAtLeastHalfAShare() {
        assertEquals(3, RoundChain.lastFullStep(List.of(10L, 20L, 30L, 40L), 5));
        assertEquals(2, RoundChain.lastFullStep(List.of(10L, 20L, 30L, 31L), 5));
        assertEquals(1, RoundChain.lastFullStep(List.of(10L, 20L, 21L, 22L), 5));
        // No full step at all: the last, as before.
        assertEquals(2, RoundChain.lastFullStep(List.of(10L, 12L, 13L), 5));
        assertEquals(0, RoundChain.lastFullStep(List.of(10L), 5));
    }
}

package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.Progress;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.report.SweepReport;
import org.odf2nna.settings.GraphRetraining;

/** Graph sweeps retrained end to end after each round's sequential refit, and their fallback. */
public class GraphSweepRetrainTest {

    private static final Path FILE = BlockFinderTest.FILE;
    private static final int WIDTH = 24;

    /**
     * A classifier on [N, 4, 6]: a transformer FFN (MatMul, bias, exact GELU, MatMul, bias, residual Add) whose first
     * eight of sixteen hidden units are dead (zero weights, a bias far below zero: GELU holds them near 0), a mean over
     * the four positions and a linear head of three classes; with {@code einsum}, an Einsum (which the TensorFlow
     * translation lacks) before the head.
     */
    public static ModelProto classifier(boolean einsum) {
        Graphs g = new Graphs(21);
        g.input("x", 4, 6).output("logits", 3);
        String h = g.halfDeadFirstLayer("x", 3);
        String a = g.erfGelu(h, "act");
        String o = g.node("Add", "ffn", g.node("MatMul", "mm2", a, g.init("w2", 0.5, 16, 6)), g.init("b2", 0.2, 6));
        String y = g.node("Add", "res", "x", o);
        String pooled = g.node("ReduceMean", "pool", List.of(Graphs.ints("axes", 1), Graphs.integer("keepdims", 0)),
                y);
        if (einsum) {
            pooled = g.node("Einsum", "same", List.of(AttributeProto.newBuilder().setName("equation")
                    .setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8("ij->ij")).build()),
                    pooled);
        }
        g.node("MatMul", "logits", pooled, g.init("head", 1.5, 6, 3));
        return g.model(14);
    }

    /** Rows labelled with the original's own classes (what a trained network gets right). */
    private static GraphRows rows(ModelProto model, long seed, int count) {
        GraphRows unlabelled = new GraphRows(Graphs.rows(seed, count, WIDTH), WIDTH, null);
        InputSignature input = GraphRows.dataInput(model, FILE);
        int[] labels = GraphSweep.predict(model, FILE, input, unlabelled, Device.CPU);
        return new GraphRows(unlabelled.features(), WIDTH, labels);
    }

    private static Map<String, TensorProto> initializers(ModelProto m) {
        Map<String, TensorProto> byName = new HashMap<>();
        m.getGraph().getInitializerList().forEach(t -> byName.put(t.getName(), t));
        return byName;
    }

    @Test
    void aGraphSweepRetrainsEachRoundEndToEndAndWritesAModelOnnxRuntimeRuns() {
        ModelProto model = classifier(false);
        GraphRows train = rows(model, 1, 600);
        GraphRows validation = rows(model, 2, 2000);
        GraphRun settings = GraphRun.of(org.odf2nna.settings.SweepSettings.defaults(), 0.25);
        assertTrue(settings.endToEnd());
        GraphSweep.Outcome out = GraphSweep.sweep(model, FILE, train, validation, null, settings, Progress.NONE);
        SweepReport report = out.report();
        assertTrue(report.retraining().startsWith("end to end"), report.retraining());
        // The default ranking (auto) on a graph without attention heads is the cost's.
        assertEquals("cost", report.method().ranking());
        // The half step before the chain's last round is said, and what the retraining cost and bought; nothing else.
        assertEquals(List.of(), report.notes().stream().filter(n -> !n.contains(" is a half step: ")
                && !n.startsWith("end-to-end retraining ran in ")).toList());
        assertFalse(report.outcome().rounds().isEmpty());
        for (SweepReport.Round round : report.outcome().rounds()) {
            assertNotNull(round.retrainedEpoch(), "round " + round.round() + " was not retrained end to end");
            assertTrue(round.retrainedEpoch() >= 0 && round.retrainedEpoch() <= GraphRetraining.DEFAULT_EPOCHS);
        }
        // Half the units are dead: the rounds that remove them alone hold, so a model is written.
        assertNotNull(out.chosen(), report.outcome().choice());
        String choice = report.outcome().choice();
        assertTrue(choice.startsWith("round " + (report.outcome().chosen() + 1) + " ("), choice);
        assertTrue(report.outcome().choice().endsWith("The promise (population reading): over repeated runs, at most 5% write a "
                + "model that loses more than 1 accuracy point on the data the validation rows come from"),
                report.outcome().choice());
        int[] predicted = GraphSweep.predict(out.chosen(), FILE, GraphRows.dataInput(out.chosen(), FILE), validation,
                Device.CPU);
        int agree = 0;
        for (int i = 0; i < predicted.length; i++) {
            agree += predicted[i] == validation.labels()[i] ? 1 : 0;
        }
        assertTrue(agree >= 0.97 * predicted.length, agree + " of " + predicted.length);
        assertEquals(Set.of("w1", "b1", "w2", "b2"), GraphRounds.trainable(out.chosen(), FILE));
    }

    /**
     * A {@link RoundGraphsProgress} progress receives each round twice: refitted at the round's widths, then retrained (other
     * weights, the same widths), the second what the sweep judged. The heads' control retrains the first elsewhere.
     */
    @Test
    void aRoundModelsProgressReceivesEachRoundRefittedThenRetrained() {
        ModelProto model = classifier(false);
        GraphRows train = rows(model, 1, 600);
        GraphRows validation = rows(model, 2, 1000);
        Map<Integer, ModelProto> refitted = new HashMap<>();
        Map<Integer, ModelProto> finished = new HashMap<>();
        RoundGraphsProgress observer = new RoundGraphsProgress() {
            @Override
            public void update(String phase, long done, long total, String detail) {
            }

            @Override
            public void refitted(int round, ModelProto m) {
                assertFalse(finished.containsKey(round), "round " + round + " refitted after it finished");
                refitted.put(round, m);
            }

            @Override
            public void finished(int round, ModelProto m) {
                assertTrue(refitted.containsKey(round), "round " + round + " finished before its refit");
                finished.put(round, m);
            }
        };
        SweepReport report = GraphSweep.sweep(model, FILE, train, validation, null,
                GraphRun.of(org.odf2nna.settings.SweepSettings.defaults(), 0.25), observer).report();
        assertEquals(report.outcome().rounds().size(), finished.size());
        for (SweepReport.Round round : report.outcome().rounds()) {
            ModelProto before = refitted.get(round.round());
            ModelProto after = finished.get(round.round());
            assertEquals(round.size().widths(), HeadUnits.widths(BlockFinder.find(new GraphView(before, FILE))));
            assertEquals(round.size().widths(), HeadUnits.widths(BlockFinder.find(new GraphView(after, FILE))));
            if (round.retrainedEpoch() > 0) {
                assertFalse(initializers(before).get("w1").equals(initializers(after).get("w1")),
                        "round " + round.round() + " kept epoch " + round.retrainedEpoch() + " but its weights");
            }
        }
    }

    @Test
    void theGraphsWeightsAreWhatLayersMultiplyAddAndScaleByNeverAShapeAnExponentOrARunningStatistic() {
        Graphs g = new Graphs(5);
        g.input("x", 2, 4, 4).output("y", 3, 8, 8);
        String c = g.node("Conv", "conv", "x", g.init("cw", 0.5, 3, 2, 1, 1), g.init("cb", 0.1, 3));
        String bn = g.node("BatchNormalization", "bn", c, g.init("scale", 1, 3), g.init("shift", 1, 3),
                g.init("mean", 1, 3), g.init("var", new float[] {1, 1, 1}, 3));
        String p = g.node("Pow", "square", bn, g.init("two", new float[] {2, 2}, 2, 1, 1, 1));
        String r = g.node("Resize", "up", p, "", g.init("scales", new float[] {1, 1, 2, 2}, 4));
        String shared = g.init("both", 0.3, 1, 3, 1, 1);
        String m = g.node("Mul", "gain", r, shared);
        g.node("Add", "y", m, g.node("Div", "half", shared, g.init("den", new float[] {2, 2, 2}, 3, 1, 1)));
        ModelProto model = g.model(13);
        // "both" is a weight wherever it is read; "two" (an exponent), "scales" (a Resize's) and the running
        // statistics are not, and stay constant.
        assertEquals(Set.of("cw", "cb", "scale", "shift", "both", "den"), GraphRounds.weights(model));
    }

    @Test
    void everyWeightOfTheGraphIsTrainedOrOnlyTheBlocksAsAsked() {
        ModelProto model = classifier(false);
        // The head and the blocks' layers; not the GELU's scalar constants, nor ReduceMean's axes.
        assertEquals(Set.of("w1", "b1", "w2", "b2", "head"), GraphRounds.weights(model));
        GraphRows train = rows(model, 1, 600);
        GraphRows validation = rows(model, 2, 2000);
        GraphRetraining blocks = new GraphRetraining(GraphRetraining.Mode.END_TO_END, 2, 600, 3e-4f, 32,
                GraphRetraining.Scope.BLOCKS, org.odf2nna.settings.LearningRateSchedule.ONE_CYCLE);
        GraphSweep.Outcome out = GraphSweep.sweep(model, FILE, train, validation, null,
                GraphRun.of(org.odf2nna.settings.SweepSettings.builder().graphRetraining(blocks).build(), 0.25), Progress.NONE);
        assertNotNull(out.chosen(), out.report().outcome().choice());
        assertTrue(out.report().retraining().contains("one cycle up to 0.0003, the blocks' weights"), out.report().retraining());
        // Only the blocks' initializers were trained: the head is the original's, byte for byte.
        assertEquals(initializers(model).get("head"), initializers(out.chosen()).get("head"));
    }

    @Test
    void anOperatorOutsideTheTranslationFallsBackToTheSequentialRefitWithOneLineNamingTheNode() {
        ModelProto model = classifier(true);
        GraphRows train = rows(model, 1, 600);
        GraphRows validation = rows(model, 2, 2000);
        GraphSweep.Outcome out = GraphSweep.sweep(model, FILE, train, validation, null,
                GraphRun.of(org.odf2nna.settings.SweepSettings.defaults(), 0.25), Progress.NONE);
        SweepReport report = out.report();
        List<String> notes = report.notes().stream().filter(n -> !n.contains(" is a half step: ")).toList();
        assertEquals(1, notes.size(), report.notes().toString());
        String note = notes.get(0);
        assertFalse(note.contains("\n"), note);
        assertTrue(note.matches("node '/Einsum_\\d+': operator Einsum \\(opset \\d+\\) is not translated; "
                + ".*sequential block refit"), note);
        for (SweepReport.Round round : report.outcome().rounds()) {
            assertNull(round.retrainedEpoch());
        }
        // The sequential refit alone still prunes the dead units and writes a model.
        assertNotNull(out.chosen(), report.outcome().choice());
        assertTrue(org.odf2nna.report.SweepTables.sweep(report).contains("Note: " + note + "\n"));
    }

    @Test
    void sequentialAloneIsStillReachable() {
        ModelProto model = classifier(false);
        GraphRows train = rows(model, 1, 300);
        GraphRows validation = rows(model, 2, 1000);
        GraphRun settings = GraphRun.of(org.odf2nna.settings.SweepSettings.builder().graphRetraining(GraphRetraining.SEQUENTIAL).build(), 0.25);
        assertFalse(settings.endToEnd());
        SweepReport report = GraphSweep.sweep(model, FILE, train, validation, null, settings, Progress.NONE)
                .report();
        assertEquals("sequential refit alone", report.retraining());
        assertEquals("cost", report.method().ranking(), "the default ranking without end-to-end retraining");
        assertTrue(report.outcome().rounds().stream().allMatch(r -> r.retrainedEpoch() == null));
    }

    /** The teacher's outputs that retraining distils from are the original's as ONNX Runtime gives them, every row. */
    @Test
    void theTeachersOutputsAreTheOriginalsInOnnxRuntimeRowByRow() {
        ModelProto model = classifier(false);
        GraphRows rows = rows(model, 3, 2500);
        GraphFeed feed = GraphFeed.of(model, FILE);
        float[] outputs = GraphSweep.outputs(model, FILE, feed, rows, Device.CPU);
        int[] classes = GraphSweep.predict(model, FILE, GraphRows.dataInput(model, FILE), rows, Device.CPU);
        int width = outputs.length / rows.count();
        assertEquals(rows.count() * width, outputs.length);
        assertTrue(width >= 2, "one output per class");
        for (int r = 0; r < rows.count(); r++) {
            int best = 0;
            for (int j = 1; j < width; j++) {
                best = outputs[r * width + j] > outputs[r * width + best] ? j : best;
            }
            assertEquals(classes[r], best, "row " + r + " (past the first 1,000-row batch too)");
        }
    }

    /**
     * The teacher ONNX Runtime gives is the original's logits; a graph that ends in a Softmax gets none from it (the
     * teacher is taken before that head, which TensorFlow's translation finds).
     */
    @Test
    void onnxRuntimeGivesTheTeacherOnlyWhereTheOutputIsNoHeads() {
        ModelProto logits = classifier(false);
        GraphRows rows = rows(logits, 4, 50);
        GraphRun run = GraphRun.of(org.odf2nna.settings.SweepSettings.defaults(), 0.25);
        RoundRetraining plain = new RoundRetraining(run, rows, GraphFeed.of(logits, FILE));
        assertEquals(50 * 3, plain.teacher(logits, FILE).length);
        ModelProto.Builder headed = logits.toBuilder();
        headed.getGraphBuilder().getOutputBuilder(0).setName("probabilities");
        headed.getGraphBuilder().addNode(org.odf2nna.onnx.proto.OnnxProto.NodeProto.newBuilder().setOpType("Softmax")
                .setName("head").addInput("logits").addOutput("probabilities"));
        ModelProto softmax = headed.build();
        assertNull(new RoundRetraining(run, rows, GraphFeed.of(softmax, FILE)).teacher(softmax, FILE));
    }
}

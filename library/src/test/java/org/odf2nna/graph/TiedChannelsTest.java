package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.graph.BlockPruner.Compensation;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/** Channels tied by a residual Add pruned together: a residual stream's producers, consumers and the ops between. */
class TiedChannelsTest {

    private static final Path FILE = BlockFinderTest.FILE;
    /** Input [N, 2, 6, 6]. */
    private static final int IN = 2 * 6 * 6;
    private static final int ROWS = 200;
    /** The stream's channel 3 is a constant: the stem's, the project's and the gate's filter 3 read nothing. */
    private static final int DEAD = 3;
    private static final List<AttributeProto> ONE_BY_ONE = List.of(Graphs.ints("kernel_shape", 1, 1));

    /**
     * [N, 2, 6, 6] → stem Conv 1×1 (4 channels) → Relu → s; s → expand Conv 1×1 (6) → Relu → project Conv 1×1 (4) →
     * p; Add(s, p) → a, gated squeeze-excite style by Sigmoid(gate Conv 1×1 of GlobalAveragePool(a)) in a Mul →
     * ReduceMean over H, W (keepdims 0) → Gemm head (3 outputs) → y. The stream: s, p, a, the gate, the Mul and both
     * means; producers stem, project, gate; consumers expand, gate, head.
     */
    static ModelProto residual(String headInput) {
        Graphs g = new Graphs(41);
        g.input("x", 2, 6, 6).output("y", 3);
        Random r = new Random(3);
        float[] stem = new float[4 * 2];
        for (int i = 0; i < stem.length; i++) {
            stem[i] = i / 2 == DEAD ? 0 : (float) (r.nextDouble() - 0.5);
        }
        String s = g.node("Relu", "s", g.node("Conv", "stem", ONE_BY_ONE, "x", g.init("w_stem", stem, 4, 2, 1, 1),
                g.init("b_stem", new float[] {0.1f, 0.2f, -0.1f, 0.5f}, 4)));
        String e = g.node("Relu", "e", g.node("Conv", "expand", ONE_BY_ONE, s, g.init("w_expand", 0.6, 6, 4, 1, 1),
                g.init("b_expand", 0.2, 6)));
        float[] project = new float[4 * 6];
        for (int i = 0; i < project.length; i++) {
            project[i] = i / 6 == DEAD ? 0 : (float) (r.nextDouble() - 0.5);
        }
        String p = g.node("Conv", "project", ONE_BY_ONE, e, g.init("w_project", project, 4, 6, 1, 1),
                g.init("b_project", new float[] {0f, 0.1f, 0.1f, 0.3f}, 4));
        String a = g.node("Add", "a", s, p);
        String pooled = g.node("GlobalAveragePool", "pooled", a);
        float[] gateWeights = new float[4 * 4];
        for (int i = 0; i < gateWeights.length; i++) {
            gateWeights[i] = i / 4 == DEAD ? 0 : (float) (r.nextDouble() - 0.5);
        }
        String gate = g.node("Sigmoid", "sig", g.node("Conv", "gate", ONE_BY_ONE, pooled,
                g.init("w_gate", gateWeights, 4, 4, 1, 1), g.init("b_gate", 0.1, 4)));
        String m = g.node("Mul", "m", a, gate);
        String mean = g.node("ReduceMean", "mean", List.of(Graphs.ints("axes", 2, 3), Graphs.integer("keepdims", 0)),
                m);
        g.node("Gemm", "y", List.of(Graphs.integer("transB", 1)), headInput.equals("mean") ? mean : headInput,
                g.init("w_head", 0.7, 3, 4), g.init("b_head", 0.1, 3));
        return g.model(14);
    }

    private static float[] run(ModelProto model, float[] rows) {
        return Graphs.runY(model, GraphFeed.of(model, FILE), new GraphRows(rows, IN, null));
    }

    @Test
    void aResidualStreamIsOneBlockPerConsumerSharingItsChannels() {
        List<DenseBlock> blocks = BlockFinder.find(residual("mean"), FILE);
        // expand → project is a block of its own; the stream has three consumers.
        assertEquals(4, blocks.size());
        assertEquals(List.of(false, true, true, true), blocks.stream().map(DenseBlock::tied).toList());
        List<DenseBlock> stream = blocks.subList(1, 4);
        // The gate both reads and writes the stream: its block comes last, after the producers are sliced.
        assertEquals(List.of("s", "mean", "pooled"), stream.stream().map(x -> x.place().hidden()).toList());
        assertEquals(List.of(4, 4, 4), stream.stream().map(x -> x.sizes().width()).toList());
        assertEquals(3, stream.get(0).sizes().inputs(), "producers: stem, project, gate");
        // The first carries the producers' filters and biases, each its consumer's input slice.
        assertEquals(List.of("w_stem", "b_stem", "w_project", "b_project", "w_gate", "b_gate", "w_expand"),
                stream.get(0).rewrites().slots().stream()
                        .map(DenseBlock.UnitSlot::tensor).sorted(this::byFirstSeen).toList());
        assertEquals(List.of("w_gate"), stream.get(2).rewrites().slots().stream()
                .map(DenseBlock.UnitSlot::tensor).toList());
        assertEquals(1, stream.get(2).rewrites().slots().get(0).axis(), "the gate reads the stream on its input axis");
        assertEquals(1, stream.get(1).rewrites().secondWeight().axis(), "the head's weight is [outputs, inputs]");
        assertTrue(TiedChannels.lead(blocks, 1));
        assertTrue(!TiedChannels.lead(blocks, 2));
        assertEquals("6-4r", HeadUnits.widths(blocks));
    }

    private int byFirstSeen(String a, String b) {
        List<String> order = List.of("w_stem", "b_stem", "w_project", "b_project", "w_gate", "b_gate", "w_expand");
        return Integer.compare(order.indexOf(a), order.indexOf(b));
    }

    @Test
    void aConstantChannelOfTheStreamGoesFromEveryProducerAndConsumerWithoutChangingTheOutput() {
        ModelProto model = residual("mean");
        float[] rows = Graphs.rows(5, ROWS, IN);
        List<DenseBlock> blocks = BlockFinder.find(model, FILE);
        List<BlockStatistics.Moments> m = BlockStatistics.measure(model, FILE, blocks, new GraphRows(rows, IN, null),
                GraphRows.dataInput(model, FILE), Device.CPU, 100_000);
        // At the expand's input the dead channel is relu(0.5).
        assertEquals(0, m.get(1).std(DEAD), 1e-9);
        assertEquals(0.5, m.get(1).mean()[DEAD], 1e-6);
        boolean[] stream = new boolean[4];
        stream[DEAD] = true;
        float[] before = run(model, rows);
        for (Compensation c : List.of(Compensation.MEAN, Compensation.LEAST_SQUARES)) {
            BlockPruner.Pruned p = BlockPruner.prune(model, FILE, blocks, m, List.of(new boolean[6], stream, stream,
                    stream), c);
            // Producers' filters and biases (2 + 1, 6 + 1, 4 + 1) and the consumers' input slices (6, 3, 4), the
            // gate's weight [4, 4] losing its row and column 3, which meet in one value.
            assertEquals(3 + 7 + 5 + 6 + 3 + 4 - 1, p.parameters());
            float[] after = run(p.model(), rows);
            double diff = 0;
            for (int i = 0; i < before.length; i++) {
                diff = Math.max(diff, Math.abs(before[i] - after[i]));
            }
            // Channel 3 is a constant wherever a consumer reads it: each consumer's fold carries it exactly.
            assertTrue(diff < 1e-4, c + ": outputs moved by " + diff);
            assertEquals("6-3r", HeadUnits.widths(BlockFinder.find(p.model(), FILE)));
        }
    }

    @Test
    void theSweepsPruneCutsTheStreamAndTheModelStillRuns() {
        ModelProto model = residual("mean");
        GraphRows rows = new GraphRows(Graphs.rows(8, 80, IN), IN, null);
        BlockPruner.Pruned p = GraphSweep.prune(model, FILE, rows, 0.6,
                GraphRun.of(org.odf2nna.settings.SweepSettings.defaults(), 0.1));
        assertTrue(p.parameters() > 0);
        List<DenseBlock> after = BlockFinder.find(p.model(), FILE);
        assertEquals(4, after.size(), "the same blocks, narrower");
        assertTrue(after.get(1).sizes().width() >= 2, "a stream keeps two channels");
        for (float v : run(p.model(), Graphs.rows(9, 10, IN))) {
            assertTrue(Float.isFinite(v));
        }
    }

    @Test
    void aStreamThatAGraphOutputOrAnOpMixingChannelsReadsIsNotTied() {
        // The head reading the Mul's output [N, 4, 6, 6] on its last axis: a Gemm cannot read NCHW channels.
        List<DenseBlock> mixed = BlockFinder.find(residual("m"), FILE);
        assertEquals(List.of(false), mixed.stream().map(DenseBlock::tied).toList());
        // The residual Add's output as the graph output: its channels are the model's, and stay.
        Graphs g = new Graphs(42);
        g.input("x", 4, 6, 6).output("y", 4, 6, 6);
        String s = g.node("Relu", "s", g.node("Conv", "stem", ONE_BY_ONE, "x", g.init("w1", 0.5, 4, 4, 1, 1)));
        String p = g.node("Conv", "p", ONE_BY_ONE, g.node("Relu", "e", g.node("Conv", "c", ONE_BY_ONE, s,
                g.init("w2", 0.5, 6, 4, 1, 1))), g.init("w3", 0.5, 4, 6, 1, 1));
        g.node("Add", "y", s, p);
        ModelProto out = g.model(14);
        assertEquals(List.of(false), BlockFinder.find(out, FILE).stream().map(DenseBlock::tied).toList());
        // inspect says why, naming the Add and the tensor.
        assertEquals(List.of("residual Add '/Add_5': its channels are not pruned together ('y' is a graph output)"),
                GraphSweep.describe(out, FILE).notes());
        assertTrue(GraphSweep.describe(residual("m"), FILE).notes().get(0).contains("node '/Gemm_"),
                "the Gemm reading a feature map is named");
        assertEquals(List.of(), GraphSweep.describe(residual("mean"), FILE).notes());
    }

    /**
     * An attention mask's Add (scores plus what the mask input alone gives) is no residual Add: inspect said "residual
     * Add '...': its channels are not pruned together" of it (issue 56).
     */
    @Test
    void anAttentionMasksAddIsNotCalledAResidualAdd() {
        Graphs g = new Graphs(5);
        g.input("x", 4).input("mask", 4).output("y", 3);
        String scores = g.node("MatMul", "scores", "x", g.init("w_q", 0.5, 4, 4));
        String inverse = g.node("Sub", "inverse", g.constant("one", 1f), "mask");
        String bias = g.node("Mul", "bias", inverse, g.constant("big", -10000f));
        String masked = g.node("Relu", "r", g.node("Add", "masked", scores, bias));
        g.node("Gemm", "y", List.of(Graphs.integer("transB", 1)), masked, g.init("w_head", 0.7, 3, 4),
                g.init("b_head", 0.1, 3));
        ModelProto model = g.model(14);
        GraphView view = new GraphView(model, FILE);
        assertTrue(TiedChannels.fromInputsAlone(view, bias));
        assertFalse(TiedChannels.fromInputsAlone(view, scores));
        assertTrue(GraphSweep.describe(model, FILE).notes().stream().noneMatch(n -> n.contains("residual Add")),
                GraphSweep.describe(model, FILE).notes().toString());
    }
}

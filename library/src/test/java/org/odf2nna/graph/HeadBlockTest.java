package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.graph.BlockPruner.Compensation;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/**
 * A classifier's head as a block: Conv 1x1 → BatchNormalization → Clip (ReLU6) → global average pooling → Flatten →
 * Gemm (torchvision's MobileNetV2), or ReduceMean over H and W → MatMul + Add. The units are the convolution's output
 * channels; pooling and flattening act on each channel alone, so the second layer reads the pooled channels.
 */
class HeadBlockTest {

    private static final Path FILE = BlockFinderTest.FILE;
    private static final int IN = 2 * 5 * 5;
    private static final int ROWS = 120;
    private static final int WIDTH = 6;
    /** Channel 2 of the convolution reads nothing: relu6 of its bias through BatchNorm, a constant. */
    private static final int DEAD = 2;

    /** x [N, 2, 5, 5] → Conv 1x1 (6) → BN → Clip(0, 6) → pool → to [N, 6] → Gemm or MatMul + Add (3) → y. */
    static ModelProto head(boolean reduceMean) {
        Graphs g = new Graphs(51);
        g.input("x", 2, 5, 5).output("y", 3);
        Random r = new Random(9);
        float[] w = new float[WIDTH * 2];
        for (int i = 0; i < w.length; i++) {
            w[i] = i / 2 == DEAD ? 0 : (float) (r.nextDouble() * 2 - 1);
        }
        String c = g.node("Conv", "c", "x", g.init("w", w, WIDTH, 2, 1, 1),
                g.init("b", new float[] {0.1f, 0.2f, 0.9f, -0.1f, 0.3f, 0f}, WIDTH));
        String bn = g.node("BatchNormalization", "bn", c, g.init("scale", 1.0, WIDTH), g.init("shift", 0.5, WIDTH),
                g.init("mean", 0.2, WIDTH), g.init("var", new float[] {1, 2, 1, 0.5f, 1.5f, 1}, WIDTH));
        String act = g.node("Clip", "act", bn, g.constant("lo", 0f), g.constant("hi", 6f));
        if (reduceMean) {
            String pooled = g.node("ReduceMean", "pooled", List.of(Graphs.ints("axes", -1, -2),
                    Graphs.integer("keepdims", 0)), act);
            g.node("Add", "y", g.node("MatMul", "mm", pooled, g.init("fc", 0.7, WIDTH, 3)), g.init("fcb", 0.2, 3));
        } else {
            String flat = g.node("Flatten", "flat", g.node("GlobalAveragePool", "gap", act));
            g.node("Gemm", "y", List.of(Graphs.integer("transB", 1)), flat, g.init("fc", 0.7, 3, WIDTH),
                    g.init("fcb", 0.2, 3));
        }
        return g.model(14);
    }

    private static float[] run(ModelProto model, float[] rows) {
        InputSignature input = GraphRows.dataInput(model, FILE);
        try (OnnxRunner r = OnnxRunner.open(model, input, Device.CPU, FILE)) {
            return r.run(rows, rows.length / IN, IN, List.of("y")).get("y");
        }
    }

    @Test
    void theHeadConvolutionAndTheClassifierAreABlockOfPooledChannels() {
        for (boolean reduceMean : List.of(false, true)) {
            List<DenseBlock> blocks = BlockFinder.find(head(reduceMean), FILE);
            assertEquals(1, blocks.size(), "reduceMean " + reduceMean);
            DenseBlock b = blocks.get(0);
            assertEquals(List.of(2, WIDTH, 3), List.of(b.sizes().inputs(), b.sizes().width(), b.sizes().outputs()));
            assertEquals("relu6", b.activation());
            // The second layer reads the channels on the last axis: the block's units lie there.
            assertEquals(DenseBlock.Kind.MATMUL, b.kind());
            assertEquals(WIDTH * 2 + WIDTH + 4 * WIDTH + WIDTH * 3 + 3, b.sizes().parameters());
        }
    }

    @Test
    void aConstantChannelGoesAndItsPooledMeanFoldsExactlyIntoTheClassifiersBias() {
        for (boolean reduceMean : List.of(false, true)) {
            ModelProto model = head(reduceMean);
            float[] rows = Graphs.rows(4, ROWS, IN);
            List<DenseBlock> blocks = BlockFinder.find(model, FILE);
            List<BlockStatistics.Moments> m = BlockStatistics.measure(model, FILE, blocks,
                    new GraphRows(rows, IN, null), GraphRows.dataInput(model, FILE), Device.CPU, 100_000);
            assertEquals(0.0, m.get(0).std(DEAD));
            assertTrue(m.get(0).std(0) > 0);
            assertEquals(ROWS, m.get(0).samples(), "every row measured, one pooled sample each");
            boolean[] drop = new boolean[WIDTH];
            drop[DEAD] = true;
            float[] before = run(model, rows);
            for (Compensation c : List.of(Compensation.MEAN, Compensation.LEAST_SQUARES)) {
                BlockPruner.Pruned p = BlockPruner.prune(model, FILE, blocks, m, List.of(drop), c);
                assertEquals(2 + 1 + 4 + 3, p.parameters());
                assertTrue(Graphs.maxDifference(before, run(p.model(), rows)) < 1e-4, reduceMean + " " + c);
                assertEquals(WIDTH - 1, BlockFinder.find(p.model(), FILE).get(0).sizes().width());
            }
        }
    }

    @Test
    void theSweepsPruneWritesAHeadOnnxRuntimeRuns() {
        ModelProto model = head(false);
        GraphRows rows = new GraphRows(Graphs.rows(8, 60, IN), IN, null);
        BlockPruner.Pruned p = GraphSweep.prune(model, FILE, rows, 0.5,
                GraphRun.of(org.odf2nna.settings.SweepSettings.defaults(), 0.1));
        assertTrue(p.parameters() > 0);
        assertTrue(BlockFinder.find(p.model(), FILE).get(0).sizes().width() < WIDTH);
        for (float v : run(p.model(), Graphs.rows(9, 10, IN))) {
            assertTrue(Float.isFinite(v));
        }
    }

    @Test
    void clipIsNamedAPerUnitActivationWhereTheWalkStopsElsewhere() {
        // The head without its classifier reading the pooled channels alone: the note names what stopped the walk.
        Graphs g = new Graphs(52);
        g.input("x", 2, 5, 5).output("y", 3).output("side", WIDTH);
        String c = g.node("Conv", "c", "x", g.init("w", 0.5, WIDTH, 2, 1, 1));
        String act = g.node("Clip", "act", c, g.constant("lo", 0f), g.constant("hi", 6f));
        String flat = g.node("Flatten", "side", g.node("GlobalAveragePool", "gap", act));
        g.node("Gemm", "y", List.of(Graphs.integer("transB", 1)), flat, g.init("fc", 0.7, 3, WIDTH));
        GraphView view = new GraphView(g.model(14), FILE);
        String why = LayerNotes.why(view, 0);
        assertTrue(why.contains("'side', on the way, is a graph output"), why);
        assertTrue(!why.contains("not through a per-unit activation"), why);
    }
}

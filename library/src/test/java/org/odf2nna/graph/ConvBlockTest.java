package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.graph.BlockPruner.Compensation;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/** Convolution channels of any kernel as blocks: two 3×3 convolutions with per-channel operations between them. */
class ConvBlockTest {

    private static final Path FILE = BlockFinderTest.FILE;
    /** Input [N, 2, 8, 8]. */
    private static final int IN = 2 * 8 * 8;
    private static final int ROWS = 200;
    /** Channel 2 of the first convolution reads nothing: a constant relu(0.7) whose mean the fold must carry. */
    private static final int DEAD = 2;

    /**
     * [N, 2, 8, 8] → Conv 3×3 (4 channels, bias) → BatchNormalization → Relu → Conv 3×3 with {@code pads2} (3
     * channels, bias) → y.
     */
    static ModelProto cnn(long pads2) {
        Graphs g = new Graphs(31);
        long side = 8 - 2 - 2 + 2 * pads2;
        g.input("x", 2, 8, 8).output("y", 3, side, side);
        Random r = new Random(7);
        float[] w1 = new float[4 * 2 * 9];
        for (int i = 0; i < w1.length; i++) {
            w1[i] = i / 18 == DEAD ? 0 : (float) (r.nextDouble() - 0.5);
        }
        String c1 = g.node("Conv", "c1", List.of(Graphs.ints("kernel_shape", 3, 3)), "x", g.init("w1", w1, 4, 2, 3, 3),
                g.init("b1", new float[] {0.1f, -0.1f, 0.7f, 0.2f}, 4));
        String bn = g.node("BatchNormalization", "bn", c1, g.init("scale", 0.5, 4),
                g.init("shift", 0.2, 4), g.init("mean", new float[] {0f, 0.1f, 0.2f, -0.1f}, 4),
                g.init("var", new float[] {1f, 1.5f, 0.5f, 2f}, 4));
        String h = g.node("Relu", "h", bn);
        g.node("Conv", "y", List.of(Graphs.ints("kernel_shape", 3, 3), Graphs.ints("pads", pads2, pads2, pads2,
                pads2)), h, g.init("w2", 0.5, 3, 4, 3, 3), g.init("b2", 0.2, 3));
        return g.model(14);
    }

    private static float[] run(ModelProto model, float[] rows) {
        InputSignature input = GraphRows.dataInput(model, FILE);
        try (OnnxRunner r = OnnxRunner.open(model, input, Device.CPU, FILE)) {
            return r.run(rows, rows.length / IN, IN, List.of("y")).get("y");
        }
    }

    /** The model with the first convolution's channels whose std is zero dropped, by {@code compensation}. */
    private static ModelProto pruneDead(ModelProto model, float[] rows, Compensation compensation) {
        List<DenseBlock> blocks = BlockFinder.find(model, FILE);
        List<BlockStatistics.Moments> m = BlockStatistics.measure(model, FILE, blocks, new GraphRows(rows, IN, null),
                GraphRows.dataInput(model, FILE), Device.CPU, 100_000);
        boolean[] drop = new boolean[4];
        for (int j = 0; j < 4; j++) {
            drop[j] = m.get(0).std(j) == 0;
        }
        assertEquals(List.of(false, false, true, false), List.of(drop[0], drop[1], drop[2], drop[3]));
        BlockPruner.Pruned p = BlockPruner.prune(model, FILE, blocks, m, List.of(drop), compensation);
        // A channel carries its 18 taps in w1, its bias, 4 BatchNormalization values and its 27 taps in w2.
        assertEquals(18 + 1 + 4 + 27, p.parameters());
        return p.model();
    }

    @Test
    void twoThreeByThreeConvolutionsWithBatchNormAndReluAreABlockOfChannels() {
        List<DenseBlock> blocks = BlockFinder.find(cnn(0), FILE);
        assertEquals(1, blocks.size());
        DenseBlock b = blocks.get(0);
        assertEquals(DenseBlock.Kind.CONV, b.kind());
        assertEquals(List.of(2, 4, 3), List.of(b.sizes().inputs(), b.sizes().width(), b.sizes().outputs()));
        assertEquals("relu", b.activation());
        assertEquals(List.of("BatchNormalization"), b.perUnitOps());
        assertEquals(4 * 2 * 9 + 4 + 16 + 3 * 4 * 9 + 3, b.sizes().parameters());
    }

    @Test
    void aConstantChannelGoesWithoutChangingTheOutputsAwayFromPadding() {
        ModelProto model = cnn(0);
        float[] rows = Graphs.rows(5, ROWS, IN);
        float[] before = run(model, rows);
        for (Compensation c : List.of(Compensation.MEAN, Compensation.LEAST_SQUARES)) {
            ModelProto pruned = pruneDead(model, rows, c);
            float[] after = run(pruned, rows);
            assertEquals(before.length, after.length);
            double diff = 0;
            for (int i = 0; i < before.length; i++) {
                diff = Math.max(diff, Math.abs(before[i] - after[i]));
            }
            assertTrue(diff < 1e-4, c + ": outputs moved by " + diff);
            assertEquals(3, BlockFinder.find(pruned, FILE).get(0).sizes().width());
        }
    }

    @Test
    void withZeroPaddingTheFoldIsExactInsideAndMovesTheBorder() {
        ModelProto model = cnn(1);
        float[] rows = Graphs.rows(6, ROWS, IN);
        float[] before = run(model, rows);
        float[] after = run(pruneDead(model, rows, Compensation.MEAN), rows);
        int side = 6;
        double inside = 0;
        double border = 0;
        for (int i = 0; i < before.length; i++) {
            int y = i / side % side;
            int x = i % side;
            double d = Math.abs(before[i] - after[i]);
            if (y == 0 || x == 0 || y == side - 1 || x == side - 1) {
                border = Math.max(border, d);
            } else {
                inside = Math.max(inside, d);
            }
        }
        assertTrue(inside < 1e-4, "inside moved by " + inside);
        // A padded tap read 0 where the constant channel was; the folded bias now adds its mean there too.
        assertTrue(border > 1e-3, "border moved by only " + border);
    }

    @Test
    void theSweepsPruneRunsOnThreeByThreeBlocks() {
        ModelProto model = cnn(1);
        GraphRows rows = new GraphRows(Graphs.rows(8, 60, IN), IN, null);
        BlockPruner.Pruned p = GraphSweep.prune(model, FILE, rows, 0.5, GraphRun.of(org.odf2nna.settings.SweepSettings.defaults(), 0.1));
        assertTrue(p.parameters() > 0);
        assertTrue(BlockFinder.find(p.model(), FILE).get(0).sizes().width() < 4);
        for (float v : run(p.model(), Graphs.rows(9, 10, IN))) {
            assertTrue(Float.isFinite(v));
        }
    }

    /**
     * [N, 2, 8, 8] → Conv 3×3 (4 channels, channel 3 a copy of channel 0) → Relu → Conv 3×3, stride 2, pads 1 (3
     * channels) → y [N, 3, 3, 3].
     */
    private static ModelProto duplicated() {
        Graphs g = new Graphs(34);
        g.input("x", 2, 8, 8).output("y", 3, 3, 3);
        Random r = new Random(8);
        float[] w1 = new float[4 * 18];
        for (int i = 0; i < 54; i++) {
            w1[i] = (float) (r.nextDouble() - 0.5);
        }
        System.arraycopy(w1, 0, w1, 54, 18);
        String c1 = g.node("Conv", "c1", List.of(Graphs.ints("kernel_shape", 3, 3)), "x", g.init("w1", w1, 4, 2, 3, 3),
                g.init("b1", new float[] {0.2f, -0.1f, 0.3f, 0.2f}, 4));
        g.node("Conv", "y", List.of(Graphs.ints("kernel_shape", 3, 3), Graphs.ints("strides", 2, 2),
                Graphs.ints("pads", 1, 1, 1, 1)), g.node("Relu", "h", c1), g.init("w2", 0.5, 3, 4, 3, 3),
                g.init("b2", 0.2, 3));
        return g.model(14);
    }

    /**
     * The original's samples are kept from one refit to the next (OriginalSamples): a second refit of the same
     * original on the same rows reads them instead of running the original, and writes the very same model.
     */
    @Test
    void aSecondRefitReadsTheOriginalsKeptSamplesAndWritesTheSameModel() {
        ModelProto model = duplicated();
        GraphRows graphRows = new GraphRows(Graphs.rows(13, ROWS, IN), IN, null);
        List<DenseBlock> blocks = BlockFinder.find(model, FILE);
        List<BlockStatistics.Moments> m = BlockStatistics.measure(model, FILE, blocks, graphRows,
                GraphRows.dataInput(model, FILE), Device.CPU, 100_000);
        ModelProto folded = BlockPruner.prune(model, FILE, blocks, m, List.of(new boolean[] {false, true, false,
            true}), Compensation.MEAN).model();
        String key = OriginalSamples.key(blocks.get(0), false, graphRows, 100_000);
        assertEquals(null, OriginalSamples.find(model, key), "nothing kept before the first refit");
        ModelProto first = SequentialRefit.refit(model, folded, FILE, GraphFeed.of(model, FILE), graphRows,
                Device.CPU, 100_000);
        assertTrue(OriginalSamples.find(model, key) != null, "the first refit keeps the original's samples");
        ModelProto second = SequentialRefit.refit(model, folded, FILE, GraphFeed.of(model, FILE), graphRows,
                Device.CPU, 100_000);
        assertEquals(first, second);
        // Other rows are other samples: not read from what the first rows kept.
        GraphRows other = new GraphRows(Graphs.rows(14, ROWS, IN), IN, null);
        assertEquals(null, OriginalSamples.find(model, OriginalSamples.key(blocks.get(0), false, other, 100_000)));
    }

    @Test
    void theSequentialRefitFitsPatchesOfAStridedPaddedKernelExactly() {
        ModelProto model = duplicated();
        float[] rows = Graphs.rows(12, ROWS, IN);
        GraphRows graphRows = new GraphRows(rows, IN, null);
        List<DenseBlock> blocks = BlockFinder.find(model, FILE);
        List<BlockStatistics.Moments> m = BlockStatistics.measure(model, FILE, blocks, graphRows,
                GraphRows.dataInput(model, FILE), Device.CPU, 100_000);
        ModelProto folded = BlockPruner.prune(model, FILE, blocks, m, List.of(new boolean[] {false, false, false,
            true}), Compensation.MEAN).model();
        List<String> told = new java.util.ArrayList<>();
        ModelProto refitted = SequentialRefit.refit(model, folded, FILE, new SequentialRefit.Input(graphRows,
                GraphFeed.of(model, FILE), (done, of) -> told.add(done + "/" + of)), Device.CPU, 100_000);
        assertEquals(List.of("0/1"), told, "told before each block");
        float[] before = run(model, rows);
        double foldedError = 0;
        double refitError = 0;
        float[] f = run(folded, rows);
        float[] a = run(refitted, rows);
        for (int i = 0; i < before.length; i++) {
            foldedError = Math.max(foldedError, Math.abs(before[i] - f[i]));
            refitError = Math.max(refitError, Math.abs(before[i] - a[i]));
        }
        // Channel 3 equals channel 0 at every position, the padding included: its taps move onto channel 0's.
        assertTrue(foldedError > 0.05, "folding alone moved the outputs by only " + foldedError);
        assertTrue(refitError < 1e-3, "the refit left " + refitError);
    }

    /** [N, 4, 6, 6] → Conv 3×3 → Relu, read by a second Conv 3×3 and by a residual Add after it. */
    @Test
    void channelsTiedByAResidualAddAreNotABlock() {
        Graphs g = new Graphs(32);
        g.input("x", 4, 6, 6).output("y", 4, 6, 6);
        List<org.odf2nna.onnx.proto.OnnxProto.AttributeProto> same = List.of(Graphs.ints("kernel_shape", 3, 3),
                Graphs.ints("pads", 1, 1, 1, 1));
        String h = g.node("Relu", "h", g.node("Conv", "c1", same, "x", g.init("w1", 0.5, 4, 4, 3, 3)));
        String c2 = g.node("Conv", "c2", same, h, g.init("w2", 0.5, 4, 4, 3, 3));
        g.node("Add", "y", c2, h);
        assertEquals(List.of(), BlockFinder.find(g.model(14), FILE));
        // The same convolutions, the residual from the input instead: c1's channels are read by c2 alone.
        Graphs basic = new Graphs(33);
        basic.input("x", 4, 6, 6).output("y", 4, 6, 6);
        String h2 = basic.node("Relu", "h", basic.node("Conv", "c1", same, "x", basic.init("w1", 0.5, 4, 4, 3, 3)));
        String out = basic.node("Conv", "c2", same, h2, basic.init("w2", 0.5, 4, 4, 3, 3));
        basic.node("Add", "y", out, "x");
        List<DenseBlock> blocks = BlockFinder.find(basic.model(14), FILE);
        assertEquals(1, blocks.size());
        assertEquals("x", blocks.get(0).place().residual());
        assertEquals(new ArrayList<>(List.of(4, 4, 4)),
                List.of(blocks.get(0).sizes().inputs(), blocks.get(0).sizes().width(),
                blocks.get(0).sizes().outputs()));
    }
}

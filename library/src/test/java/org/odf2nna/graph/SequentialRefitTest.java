package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/** What makes the sequential refit cheap on real sizes: prefix graphs, and rows read by positions per row. */
class SequentialRefitTest {

    @Test
    void aBlockOfManyPositionsPerRowReadsFewerRowsAndOneOfFewReadsAll() {
        long cap = GraphRun.DEFAULT_SAMPLES;
        // The shared MNIST graphs: 17 tokens, 16 patches, 196 positions of a 14x14 map: every one of 1,500 rows.
        for (int positions : new int[] {1, 17, 64, 196}) {
            assertEquals(1500, SequentialRefit.rowsFor(1500, positions, cap), positions + " positions");
        }
        // A 24x96 feature map of a 48x192 image: 2,304 positions a row; the rows for 8 times the cap, at least 256.
        assertEquals(SequentialRefit.MIN_ROWS, SequentialRefit.rowsFor(1500, 2304, cap));
        assertEquals(278, SequentialRefit.rowsFor(1500, 1152, cap));
        assertEquals(100, SequentialRefit.rowsFor(100, 2304, cap));
    }

    @Test
    void aPrefixRunsOnlyWhatItsTensorsNeedAndComputesTheSame() {
        ModelProto model = BlockFinderTest.ffn(new Graphs(51), null, null);
        ModelProto cut = SequentialRefit.prefix(model, List.of("pre"), "x");
        assertEquals(List.of("MatMul", "Add"), cut.getGraph().getNodeList().stream().map(NodeProto::getOpType)
                .toList());
        assertEquals(1, cut.getGraph().getOutputCount());
        GraphRows rows = new GraphRows(Graphs.rows(3, 20, 24), 24, null);
        GraphFeed feed = GraphFeed.of(model, BlockFinderTest.FILE);
        float[] whole;
        try (GraphFeed.Session s = feed.open(BlockStatistics.exposing(model, List.of("pre"), "x"), Device.CPU,
                BlockFinderTest.FILE)) {
            whole = s.run(rows, 0, 20, List.of("pre")).get("pre");
        }
        try (GraphFeed.Session s = feed.open(cut, Device.CPU, BlockFinderTest.FILE)) {
            assertArrayEquals(whole, s.run(rows, 0, 20, List.of("pre")).get("pre"), 1e-6f);
        }
        // A block's hidden tensor and residual: the nodes up to them, the second layer and after left out.
        ModelProto upTo = SequentialRefit.prefix(model, List.of("act_gelu", "x"), "x");
        assertTrue(upTo.getGraph().getNodeList().stream().noneMatch(n -> n.getOutput(0).equals("y")));
    }

    @Test
    void onnxRuntimesProductsSumWhatEjmlSums() {
        int k = 300;
        int m = 700;
        int outputs = 5;
        java.util.Random r = new java.util.Random(3);
        double[] xT = new double[k * m];
        double[] t = new double[m * outputs];
        for (int i = 0; i < xT.length; i++) {
            xT[i] = r.nextGaussian();
        }
        for (int i = 0; i < t.length; i++) {
            t[i] = r.nextGaussian();
        }
        assertTrue((double) k * k * m >= RefitSums.ONNX_PRODUCT_MACS, "a batch this size goes to ONNX Runtime");
        try (RefitSums ejml = new RefitSums(k, outputs);
                RefitSums ort = new RefitSums(k, outputs)) {
            for (int batch = 0; batch < 2; batch++) {
                ejml.addProducts(xT, m, t, false);
                ort.addProducts(xT, m, t, true);
            }
            // ONNX Runtime's products are float ones summed in double: float's rounding of m terms of about 1.
            assertArrayEquals(ejml.xx.data, ort.xx.data, 1e-5 * m);
            assertArrayEquals(ejml.xt.data, ort.xt.data, 1e-5 * m);
            // XᵀX of two batches: the diagonal near 2m, the matrix symmetric.
            assertEquals(2.0 * m, ort.xx.get(7, 7), 0.2 * m);
            assertEquals(ort.xx.get(3, 11), ort.xx.get(11, 3), 1e-5 * m);
        }
    }

    /** Two transformer FFNs in a row on [N, 4, 6], each MatMul, bias Add, ReLU, MatMul, bias Add, residual Add. */
    private static ModelProto twoFfns() {
        Graphs g = new Graphs(61);
        g.input("x", 4, 6).output("y", 4, 6);
        String in = "x";
        for (int f = 1; f <= 2; f++) {
            String h = g.node("Relu", "h" + f, g.node("Add", "pre" + f, g.init("b1" + f, 0.3, 10),
                    g.node("MatMul", "mm1" + f, in, g.init("w1" + f, 0.6, 6, 10))));
            String o = g.node("Add", "ffn" + f, g.node("MatMul", "mm2" + f, h, g.init("w2" + f, 0.5, 10, 6)),
                    g.init("b2" + f, 0.2, 6));
            in = g.node("Add", f == 2 ? "y" : "r" + f, in, o);
        }
        return g.model(14);
    }

    /**
     * A block whose units and every layer up to its output are as in the model the round pruned is not refitted again:
     * the same rows would give it the same sums. Units dropped from the second FFN only leave the first one's weights
     * as they were, and the second's are refitted; dropped from the first, both are refitted.
     */
    @Test
    void aBlockNothingUpstreamOfChangedIsLeftAsTheRoundFoundIt() {
        ModelProto model = twoFfns();
        List<DenseBlock> blocks = BlockFinder.find(model, BlockFinderTest.FILE);
        assertEquals(2, blocks.size());
        GraphRows rows = new GraphRows(Graphs.rows(5, 60, 24), 24, null);
        GraphFeed feed = GraphFeed.of(model, BlockFinderTest.FILE);
        List<BlockStatistics.Moments> m = BlockStatistics.measure(model, BlockFinderTest.FILE, blocks, rows,
                feed.data(), Device.CPU, 100_000);
        boolean[] none = new boolean[10];
        boolean[] some = new boolean[10];
        some[2] = true;
        some[7] = true;
        for (boolean secondOnly : new boolean[] {true, false}) {
            List<boolean[]> drop = secondOnly ? List.of(none, some) : List.of(some, none);
            ModelProto folded = BlockPruner.prune(model, BlockFinderTest.FILE, blocks, m, drop,
                    BlockPruner.Compensation.MEAN).model();
            assertEquals(secondOnly, SequentialRefit.unchanged(model, folded, blocks.get(0)));
            assertTrue(!SequentialRefit.unchanged(model, folded, BlockFinder.find(folded, BlockFinderTest.FILE)
                    .get(1)));
            ModelProto refitted = SequentialRefit.refit(model, model, folded, BlockFinderTest.FILE,
                    SequentialRefit.Input.quiet(rows, feed), Device.CPU, 100_000);
            ModelProto everyBlock = SequentialRefit.refit(model, folded, BlockFinderTest.FILE,
                    SequentialRefit.Input.quiet(rows, feed), Device.CPU, 100_000);
            GraphView left = new GraphView(refitted, BlockFinderTest.FILE);
            GraphView all = new GraphView(everyBlock, BlockFinderTest.FILE);
            GraphView was = new GraphView(folded, BlockFinderTest.FILE);
            assertEquals(secondOnly, java.util.Arrays.equals(was.values("w21"), left.values("w21")),
                    "the first FFN's second layer left as the round found it");
            assertTrue(!java.util.Arrays.equals(was.values("w21"), all.values("w21")),
                    "refitted when nothing says it is unchanged");
            assertTrue(!java.util.Arrays.equals(was.values("w22"), left.values("w22")), "the second FFN refitted");
        }
    }

    /** The patch matrix filled a column at a time holds what the Conv reads value by value, the padding's zeros too. */
    @Test
    void patchColumnsFilledAtOnceAreTheValuesTheConvReads() {
        ConvKernel kernel = new ConvKernel(3, 2, 2, 1, 1, 0, 1, 2);
        ConvPatches p = new ConvPatches(kernel, 3, 7, 6, 4, 4);
        java.util.Random r = new java.util.Random(2);
        float[] hidden = new float[2 * 3 * 7 * 6];
        for (int i = 0; i < hidden.length; i++) {
            hidden[i] = (float) r.nextGaussian();
        }
        int[] taken = {0, 3, 5, 9, 15, 16, 22, 31};
        int k = 3 * kernel.taps();
        double[] xT = new double[k * taken.length];
        p.fill(hidden, taken, xT);
        int zeros = 0;
        for (int c = 0; c < k; c++) {
            for (int i = 0; i < taken.length; i++) {
                assertEquals(p.value(hidden, taken[i], c), xT[c * taken.length + i], 0, c + "," + i);
                zeros += xT[c * taken.length + i] == 0 ? 1 : 0;
            }
        }
        assertTrue(zeros > 0, "some taps lie on the padding");
    }
}

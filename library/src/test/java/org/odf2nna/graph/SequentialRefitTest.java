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
        assertTrue((double) k * k * m >= SequentialRefit.ONNX_PRODUCT_MACS, "a batch this size goes to ONNX Runtime");
        try (SequentialRefit.Sums ejml = new SequentialRefit.Sums(k, outputs);
                SequentialRefit.Sums ort = new SequentialRefit.Sums(k, outputs)) {
            for (int batch = 0; batch < 2; batch++) {
                SequentialRefit.products(ejml, xT, m, t, false);
                SequentialRefit.products(ort, xT, m, t, true);
            }
            assertArrayEquals(ejml.xx.data, ort.xx.data, 1e-9 * m);
            assertArrayEquals(ejml.xt.data, ort.xt.data, 1e-9 * m);
            // XᵀX of two batches: the diagonal near 2m, the matrix symmetric.
            assertEquals(2.0 * m, ort.xx.get(7, 7), 0.2 * m);
            assertEquals(ort.xx.get(3, 11), ort.xx.get(11, 3), 1e-9);
        }
    }
}

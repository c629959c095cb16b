package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.graph.BlockPruner.Compensation;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

class BlockPrunerTest {

    private static final Path FILE = BlockFinderTest.FILE;
    private static final int ROWS = 300;

    private static float[] run(ModelProto model, float[] rows, int width) {
        InputSignature input = GraphRows.dataInput(model, FILE);
        try (OnnxRunner r = OnnxRunner.open(model, input, Device.CPU, FILE)) {
            String out = model.getGraph().getOutput(0).getName();
            return r.run(rows, rows.length / width, width, List.of(out)).get(out);
        }
    }

    private static double maxDifference(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    private static double squaredError(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (double) (a[i] - b[i]);
        }
        return s;
    }

    /** Drops exactly the units whose std is zero, with each compensation, and checks the outputs stay. */
    private static void zeroVarianceLeavesOutputs(ModelProto model, int width, int expectedDead) {
        float[] rows = Graphs.rows(11, ROWS, width);
        GraphRows graphRows = new GraphRows(rows, width, null);
        List<DenseBlock> blocks = BlockFinder.find(model, FILE);
        InputSignature input = GraphRows.dataInput(model, FILE);
        List<BlockStatistics.Moments> m = BlockStatistics.measure(model, FILE, blocks, graphRows, input, Device.CPU,
                100_000);
        List<boolean[]> drop = new ArrayList<>();
        int dead = 0;
        for (int b = 0; b < blocks.size(); b++) {
            boolean[] d = new boolean[blocks.get(b).sizes().width()];
            for (int j = 0; j < d.length; j++) {
                d[j] = m.get(b).std(j) == 0;
                dead += d[j] ? 1 : 0;
            }
            drop.add(d);
        }
        assertEquals(expectedDead, dead);
        float[] before = run(model, rows, width);
        for (Compensation c : List.of(Compensation.MEAN, Compensation.LEAST_SQUARES)) {
            BlockPruner.Pruned p = BlockPruner.prune(model, FILE, blocks, m, drop, c);
            assertTrue(p.parameters() > 0);
            double diff = maxDifference(before, run(p.model(), rows, width));
            assertTrue(diff < 1e-4, c + ": outputs moved by " + diff);
            List<DenseBlock> after = BlockFinder.find(p.model(), FILE);
            assertEquals(blocks.size(), after.size());
            assertEquals(blocks.get(0).sizes().width() - drop.get(0).length + (int) countKept(drop.get(0)),
                    after.get(0).sizes().width());
        }
    }

    private static long countKept(boolean[] d) {
        long n = 0;
        for (boolean x : d) {
            n += x ? 0 : 1;
        }
        return n;
    }

    @Test
    void zeroVarianceUnitsOfAnFfnGoWithoutChangingTheOutputs() {
        float[] w1 = new float[60];
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < w1.length; i++) {
            // Units 2 and 7 read nothing: constant, non-zero hidden values whose means must be folded.
            w1[i] = (i % 10 == 2 || i % 10 == 7) ? 0 : (float) (r.nextDouble() - 0.5);
        }
        float[] b1 = {0.1f, -0.2f, 0.7f, 0.3f, 0f, 0.2f, -0.1f, -0.3f, 0.4f, 0.05f};
        zeroVarianceLeavesOutputs(BlockFinderTest.ffn(new Graphs(21), w1, b1), 24, 2);
    }

    @Test
    void zeroVarianceUnitsOfAPointwiseBlockGoAndABiasIsAdded() {
        float[] w1 = new float[24];
        float[] dw = new float[72];
        java.util.Random r = new java.util.Random(4);
        for (int i = 0; i < 24; i++) {
            w1[i] = i / 3 == 5 ? 0 : (float) (r.nextDouble() - 0.5);
        }
        for (int i = 0; i < 72; i++) {
            dw[i] = i / 9 == 5 ? 0 : (float) (r.nextDouble() - 0.5);
        }
        float[] b1 = {0.1f, 0.2f, 0.3f, 0.1f, 0.2f, 0.5f, 0.3f, 0.1f};
        float[] dwb = {0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.4f, 0.1f, 0.1f};
        ModelProto model = BlockFinderTest.pointwise(new Graphs(22), w1, b1, dw, dwb);
        zeroVarianceLeavesOutputs(model, 75, 1);
        // The second layer had no bias: the folded mean needs one, added as the Conv's third input.
        List<DenseBlock> blocks = BlockFinder.find(model, FILE);
        GraphRows rows = new GraphRows(Graphs.rows(5, 50, 75), 75, null);
        BlockPruner.Pruned p = GraphSweep.prune(model, FILE, rows, 0.3, GraphRun.of(org.odf2nna.settings.SweepSettings.defaults(), 0.1));
        NodeProto last = p.model().getGraph().getNodeList().stream().filter(n -> n.getOutput(0).equals("y"))
                .findFirst().orElseThrow();
        assertEquals(3, last.getInputCount());
        NodeProto dwNode = p.model().getGraph().getNodeList().stream().filter(n -> n.getOutput(0).equals("dw"))
                .findFirst().orElseThrow();
        int width = BlockFinder.find(p.model(), FILE).get(0).sizes().width();
        assertTrue(width < blocks.get(0).sizes().width());
        assertEquals(width, dwNode.getAttributeList().stream().filter(a -> a.getName().equals("group")).findFirst()
                .orElseThrow().getI());
    }

    @Test
    void opset17AndOpset14GraphsPruneAndRunInOnnxRuntime() {
        ModelProto a = BlockFinderTest.opset17(new Graphs(23));
        float[] rows = Graphs.rows(6, 200, 24);
        BlockPruner.Pruned p = GraphSweep.prune(a, FILE, new GraphRows(rows, 24, null), 0.4,
                GraphRun.of(org.odf2nna.settings.SweepSettings.defaults(), 0.1));
        assertEquals(1, BlockFinder.find(p.model(), FILE).size());
        assertTrue(BlockFinder.find(p.model(), FILE).get(0).sizes().width() < 10);
        assertEquals(run(a, rows, 24).length, run(p.model(), rows, 24).length);
        ModelProto b = BlockFinderTest.siluGemm(new Graphs(24));
        float[] rows2 = Graphs.rows(7, 200, 6);
        BlockPruner.Pruned q = GraphSweep.prune(b, FILE, new GraphRows(rows2, 6, null), 0.4,
                GraphRun.of(org.odf2nna.settings.SweepSettings.defaults(), 0.1));
        assertEquals(run(b, rows2, 6).length, run(q.model(), rows2, 6).length);
        // Every node but the blocks' own is the original's.
        assertEquals(b.getGraph().getNodeCount(), q.model().getGraph().getNodeCount());
    }

    @Test
    void theSequentialRefitDoesNoWorseThanMeanFoldingOnItsRows() {
        ModelProto model = BlockFinderTest.ffn(new Graphs(25), null, null);
        float[] rows = Graphs.rows(8, ROWS, 24);
        GraphRows graphRows = new GraphRows(rows, 24, null);
        float[] before = run(model, rows, 24);
        double[] error = new double[2];
        org.odf2nna.settings.Compensation[] kinds = org.odf2nna.settings.Compensation.values();
        for (int k = 0; k < 2; k++) {
            org.odf2nna.settings.SweepSettings settings = org.odf2nna.settings.SweepSettings.builder()
                    .ranking(org.odf2nna.settings.Ranking.IMPACT).pruning(new org.odf2nna.settings.PruningOptions(
                    org.odf2nna.settings.UnitScore.STD, kinds[k], Double.NaN)).build();
            GraphRun s = GraphRun.of(settings, 0.1).measuredOn(ROWS, 100_000);
            assertEquals(k == 0 ? Compensation.MEAN : Compensation.SEQUENTIAL, s.compensation());
            BlockPruner.Pruned p = GraphSweep.prune(model, FILE, graphRows, 0.5, s);
            error[k] = squaredError(before, run(p.model(), rows, 24));
        }
        assertTrue(error[0] > 0);
        assertTrue(error[1] <= error[0] * 1.0001, java.util.Arrays.toString(error));
    }
}

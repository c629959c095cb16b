package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.odf2nna.Progress;
import org.odf2nna.onnx.MultiplyAdds;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.SweepReport;
import org.odf2nna.settings.Budget;
import org.odf2nna.settings.GraphRetraining;
import org.odf2nna.settings.RoundTo;
import org.odf2nna.settings.SweepSettings;

/**
 * Aligned widths ({@code --round-to}) and the multiply-adds budget ({@code --budget macs}), issue 69: every pruned
 * block's width a multiple after a round, the sweep's rounds and the written model included, a residual stream's
 * shared mask too; the multiply-adds budget reaching the high-resolution block that the parameter budget leaves.
 */
class RoundToTest {

    private static final Path FILE = Path.of("graph.onnx");
    private static final List<AttributeProto> THREE = List.of(Graphs.ints("kernel_shape", 3, 3),
            Graphs.ints("pads", 1, 1, 1, 1));

    /**
     * [N, 1, 16, 16] → Conv 3×3 (40 channels, 16×16) → Relu → Conv 1×1 stride 4 (16 channels, 4×4) → Relu → Conv 1×1
     * (64, 4×4) → Relu → Conv 1×1 (16) → Flatten → Gemm (3). Blocks: 40 channels at full resolution (a width that is
     * no multiple of 16), 16 channels, 64 channels at a sixteenth of the positions.
     */
    static ModelProto highResolutionNet() {
        Graphs g = new Graphs(17);
        g.input("x", 1, 16, 16).output("y", 3);
        String c1 = g.node("Relu", "r1", g.node("Conv", "c1", THREE, "x", g.init("w1", 0.5, 40, 1, 3, 3),
                g.init("b1", 0.1, 40)));
        String c2 = g.node("Relu", "r2", g.node("Conv", "c2", List.of(Graphs.ints("kernel_shape", 1, 1),
                Graphs.ints("strides", 4, 4)), c1, g.init("w2", 0.3, 16, 40, 1, 1), g.init("b2", 0.1, 16)));
        String c3 = g.node("Relu", "r3", g.node("Conv", "c3", List.of(Graphs.ints("kernel_shape", 1, 1)), c2,
                g.init("w3", 0.3, 64, 16, 1, 1), g.init("b3", 0.1, 64)));
        String c4 = g.node("Conv", "c4", List.of(Graphs.ints("kernel_shape", 1, 1)), c3,
                g.init("w4", 0.2, 16, 64, 1, 1), g.init("b4", 0.1, 16));
        String flat = g.node("Flatten", "flat", c4);
        g.node("Gemm", "y", List.of(Graphs.integer("transB", 1)), flat, g.init("wy", 0.2, 3, 256),
                g.init("by", 0.1, 3));
        return g.model(14);
    }

    private static GraphRows rows(int count) {
        return new GraphRows(Graphs.rows(5, count, 256), 256, null);
    }

    private static ModelProto pruned(ModelProto model, SweepSettings settings, double share) {
        return GraphSweep.prune(model, FILE, rows(300), share, GraphRun.of(settings, 0.1)).model();
    }

    private static List<Integer> widths(ModelProto model) {
        return BlockFinder.find(model, FILE).stream().map(x -> x.sizes().width()).toList();
    }

    @Test
    void chunksTakeWholeMultiplesAndBringAWidthToOne() {
        double[] scores = {9, 1, 8, 2, 7, 3, 6, 4, 5, 0};
        // 10 units, multiples of 4, at most 6 taken: first the 2 lowest (10 → 8), then 4 more (→ 4); never below 4.
        List<UnitDrops.Chunk> chunks = UnitDrops.chunks(0, scores, 6, 4);
        assertEquals(2, chunks.size());
        assertArrayEquals(new int[] {9, 1}, chunks.get(0).units());
        assertArrayEquals(new int[] {3, 5, 7, 8}, chunks.get(1).units());
        assertEquals(0.5, chunks.get(0).score());
        assertEquals(3.5, chunks.get(1).score());
        // At most 3 taken: 10 → 8 only (8 → 4 would take 6).
        assertEquals(1, UnitDrops.chunks(0, scores, 3, 4).size());
        // A width of one multiple keeps it: nothing to take.
        assertEquals(0, UnitDrops.chunks(0, new double[] {1, 2, 3, 4}, 2, 4).size());
        // No rounding: a chunk is a unit, as many as the most.
        assertEquals(6, UnitDrops.chunks(0, scores, 6, 1).size());
    }

    @Test
    void aConcatsBranchesAreChunkedApartAndNoneIsEmptied() {
        // A stream of 7 channels joined from two branches: units 0-3 (4 wide) and 4-6 (3 wide).
        double[] scores = {0, 1, 2, 3, 0.5, 1.5, 2.5};
        java.util.SortedMap<Integer, Integer> branches = new java.util.TreeMap<>(java.util.Map.of(0, 4, 4, 3));
        List<UnitDrops.Chunk> two = UnitDrops.branchChunks(0, scores, 2, branches);
        // The first branch 4 → 2 (one chunk of 2); the second 3 → 2 (its odd unit first), never further.
        assertEquals(2, two.size(), two.toString());
        assertArrayEquals(new int[] {0, 1}, two.get(0).units());
        assertArrayEquals(new int[] {4}, two.get(1).units());
        // A branch narrower than the multiple keeps one unit: 3 → 1, the lowest two first.
        List<UnitDrops.Chunk> four = UnitDrops.branchChunks(0, scores, 4, branches);
        assertEquals(List.of(4, 5), four.stream().filter(c -> c.units()[0] >= 4)
                .flatMap(c -> java.util.Arrays.stream(c.units()).boxed()).toList());
        // Without rounding each branch still keeps a unit.
        assertEquals(3 + 2, UnitDrops.branchChunks(0, scores, 1, branches).size());
    }

    @Test
    void everyPrunedConvolutionKeepsAWidthOfMultiples() {
        ModelProto model = highResolutionNet();
        assertEquals(List.of(40, 16, 64), widths(model));
        List<Integer> rounded = widths(pruned(model, SweepSettings.defaults(), 0.4));
        assertTrue(rounded.stream().allMatch(w -> w % 16 == 0), "default: multiples of 16: " + rounded);
        assertTrue(rounded.get(0) < 40 && rounded.get(2) <= 64, rounded.toString());
        assertEquals(16, rounded.get(1), "a block of one multiple stays as it is");
        List<Integer> eight = widths(pruned(model, SweepSettings.builder().roundTo(RoundTo.of(8)).build(), 0.4));
        assertTrue(eight.stream().allMatch(w -> w % 8 == 0) && !eight.equals(List.of(40, 16, 64)), eight.toString());
        List<Integer> free = widths(pruned(model, SweepSettings.builder().roundTo(RoundTo.OFF).build(), 0.4));
        assertTrue(free.stream().anyMatch(w -> w % 8 != 0), "without rounding, widths fall anywhere: " + free);
    }

    @Test
    void aResidualStreamsSharedMaskIsRoundedToo() {
        ModelProto model = stream();
        List<DenseBlock> blocks = BlockFinder.find(model, FILE);
        assertTrue(blocks.stream().anyMatch(DenseBlock::tied));
        SweepSettings sixteen = SweepSettings.builder().roundTo(RoundTo.of(16)).build();
        ModelProto out = GraphSweep.prune(model, FILE, new GraphRows(Graphs.rows(3, 300, 2 * 6 * 6), 2 * 6 * 6,
                null), 0.5, GraphRun.of(sixteen, 0.1)).model();
        List<Integer> after = widths(out);
        assertTrue(after.stream().allMatch(w -> w % 16 == 0), after.toString());
        assertTrue(after.stream().mapToInt(Integer::intValue).sum() < widths(model).stream().mapToInt(
                Integer::intValue).sum(), after + " against " + widths(model));
    }

    /**
     * [N, 2, 6, 6] → stem Conv 1×1 (32) → Relu → s; s → expand Conv 1×1 (48) → Relu → project Conv 1×1 (32); Add(s, p)
     * → ReduceMean over H, W → Gemm (3): a stream of 32 channels (stem, project; expand, head) and a block of 48.
     */
    private static ModelProto stream() {
        Graphs g = new Graphs(43);
        g.input("x", 2, 6, 6).output("y", 3);
        List<AttributeProto> one = List.of(Graphs.ints("kernel_shape", 1, 1));
        String s = g.node("Relu", "s", g.node("Conv", "stem", one, "x", g.init("w_stem", 0.6, 32, 2, 1, 1),
                g.init("b_stem", 0.2, 32)));
        String e = g.node("Relu", "e", g.node("Conv", "expand", one, s, g.init("w_expand", 0.4, 48, 32, 1, 1),
                g.init("b_expand", 0.2, 48)));
        String p = g.node("Conv", "project", one, e, g.init("w_project", 0.3, 32, 48, 1, 1),
                g.init("b_project", 0.1, 32));
        String a = g.node("Add", "a", s, p);
        String mean = g.node("ReduceMean", "mean", List.of(Graphs.ints("axes", 2, 3), Graphs.integer("keepdims", 0)),
                a);
        g.node("Gemm", "y", List.of(Graphs.integer("transB", 1)), mean, g.init("w_head", 0.5, 3, 32),
                g.init("b_head", 0.1, 3));
        return g.model(14);
    }

    @Test
    void theMultiplyAddsBudgetReachesTheHighResolutionBlock() {
        ModelProto model = highResolutionNet();
        long before = MultiplyAdds.count(model, FILE).total();
        ModelProto byParameters = pruned(model, SweepSettings.defaults(), 0.3);
        ModelProto byMacs = pruned(model, SweepSettings.builder().budget(Budget.MACS).build(), 0.3);
        long parametersRound = before - MultiplyAdds.count(byParameters, FILE).total();
        long macsRound = before - MultiplyAdds.count(byMacs, FILE).total();
        assertTrue(macsRound > parametersRound, "multiply-adds removed: " + macsRound + " under macs, "
                + parametersRound + " under params");
        // The 16×16 block is where the compute is: the multiply-adds budget takes from it.
        assertTrue(widths(byMacs).get(0) < 40, widths(byMacs).toString());
    }

    @Test
    void aSweepsRoundsAndTheWrittenModelKeepMultiples() {
        ModelProto model = highResolutionNet();
        GraphRows all = rows(700);
        GraphRows train = new GraphRows(java.util.Arrays.copyOfRange(all.features(), 0, 400 * 256), 256, null);
        GraphRows validation = new GraphRows(java.util.Arrays.copyOfRange(all.features(), 400 * 256, 700 * 256), 256,
                null);
        GraphRun settings = GraphRun.of(SweepSettings.builder().graphRetraining(GraphRetraining.SEQUENTIAL)
                .maxDrop(50).build(), 0.25).measuredOn(300, 40_000);
        GraphSweep.Outcome out = GraphSweep.sweep(model, FILE, train, validation, null, settings, Progress.NONE);
        SweepReport report = out.report();
        assertTrue(report.outcome().rounds().size() >= 2, "rounds: " + report.outcome().rounds().size());
        // A block left as it was keeps its width (the first's 40 is no multiple); every pruned one is a multiple.
        List<Integer> original = widths(model);
        for (SweepReport.Round round : report.outcome().rounds()) {
            String[] w = round.size().widths().split("-");
            for (int b = 0; b < w.length; b++) {
                int width = Integer.parseInt(w[b]);
                assertTrue(width == original.get(b) || width % 16 == 0, round.size().widths());
            }
        }
        assertTrue(report.outcome().rounds().stream().anyMatch(r -> !r.size().widths().startsWith("40-")),
                "the 16×16 block is pruned in some round");
        assertTrue(out.chosen() != null, report.outcome().choice());
        List<Integer> written = widths(out.chosen());
        for (int b = 0; b < written.size(); b++) {
            assertTrue(written.get(b).equals(original.get(b)) || written.get(b) % 16 == 0, written.toString());
        }
    }
}

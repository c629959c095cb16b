package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.odf2nna.Progress;
import org.odf2nna.onnx.Int8LayerTiming;
import org.odf2nna.onnx.MultiplyAdds;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.report.SweepReport;
import org.odf2nna.report.SweepTables;
import org.odf2nna.settings.Budget;
import org.odf2nna.settings.GraphRetraining;
import org.odf2nna.settings.LatencyCheck;
import org.odf2nna.settings.SweepSettings;

/**
 * The latency budget ({@code --budget latency}, issue 69): each block layer timed alone beside a model that only
 * passes its input on, its rate per multiply-add, the others' rate for a layer that cannot run alone, unit costs
 * weighed by the rates, and a sweep that counts them and says so. Made-up timings check the arithmetic; one sweep
 * times for real.
 */
class LayerTimesTest {

    private static final Path FILE = Path.of("graph.onnx");
    private static final LatencyCheck AT_32 = new LatencyCheck(32, 1, false);

    /** What each layer of the made-up timings costs whatever its width, µs per run at either batch. */
    private static final double FIXED = 7;

    /**
     * A timer that gives each layer {@code extra} µs per row that go with its width over the passing model's 10 µs at
     * batch 1 and 20 µs at 32, and {@link #FIXED} µs a run that do not (its narrowed form, the third model, takes half
     * the width's), and records what it was given.
     */
    private static final class MadeUp implements Int8LayerTiming.Timer {
        final Map<String, Double> extra;
        final Map<String, long[]> shapes = new HashMap<>();
        int calls;

        MadeUp(Map<String, Double> extra) {
            this.extra = extra;
        }

        @Override
        public double[][] micros(List<ModelProto> models, Path file, org.odf2nna.onnx.InputSignature input,
                float[] rows, int batch, int threads) {
            assertEquals(3, models.size(), "the layer, the passing model, the layer narrowed");
            List<NodeProto> layer = models.get(0).getGraph().getNodeList();
            assertEquals(1, layer.size(), "one layer alone: " + layer);
            assertEquals(List.of("Identity"), models.get(1).getGraph().getNodeList().stream()
                    .map(NodeProto::getOpType).toList(), "the passing model");
            assertEquals(32, batch);
            assertEquals(rows.length % input.valuesPerRow(), 0);
            String name = layer.get(0).getName();
            shapes.put(name, input.shape());
            calls++;
            Double x = extra.get(name);
            if (x == null) {
                throw new IllegalStateException("cannot run alone");
            }
            assertEquals(layer.get(0).getName(), models.get(2).getGraph().getNode(0).getName());
            return new double[][] {{10 + FIXED + x, 20 + FIXED + 32 * x}, {10, 20},
                    {10 + FIXED + x / 2, 20 + FIXED + 16 * x}};
        }
    }

    private static GraphRows rows(int count) {
        return new GraphRows(Graphs.rows(5, count, 256), 256, null);
    }

    private static LayerTimes timed(ModelProto model, Int8LayerTiming.Timer timer) {
        List<DenseBlock> blocks = BlockFinder.find(model, FILE);
        GraphFeed feed = GraphFeed.of(model, FILE);
        return LayerTimes.measure(model, FILE, feed, rows(20), blocks, MultiplyAdds.count(model, FILE), AT_32, timer);
    }

    /** The block layers: the nodes of the blocks that do multiply-adds. */
    private static Set<String> blockLayers(ModelProto model) {
        Set<String> nodes = new LinkedHashSet<>();
        BlockFinder.find(model, FILE).forEach(b -> nodes.addAll(b.place().nodes()));
        Set<String> layers = new LinkedHashSet<>();
        MultiplyAdds.count(model, FILE).nodes().stream().filter(n -> n.multiplyAdds() > 0 && nodes.contains(n.name()))
                .forEach(n -> layers.add(n.name()));
        return layers;
    }

    /** The name of the node that writes {@code output} (the test graphs name tensors, the builder names nodes). */
    private static String node(ModelProto model, String output) {
        return model.getGraph().getNodeList().stream().filter(n -> n.getOutput(0).equals(output)).findFirst()
                .map(GraphView::nodeName).orElseThrow();
    }

    @Test
    void eachBlockLayerIsTimedAloneItsRunsAndItsFixedCostTakenOff() {
        ModelProto model = RoundToTest.highResolutionNet();
        Set<String> layers = blockLayers(model);
        String c1 = node(model, "c1");
        String c2 = node(model, "c2");
        String c3 = node(model, "c3");
        assertTrue(layers.containsAll(List.of(c1, c2, c3)), layers.toString());
        Map<String, Double> extra = new HashMap<>();
        layers.forEach(l -> extra.put(l, l.equals(c1) ? 40.0 : 4.0));
        MadeUp timer = new MadeUp(extra);
        LayerTimes times = timed(model, timer);
        assertEquals(layers, times.nanosPerMultiplyAdd().keySet());
        assertTrue(times.untimed().isEmpty());
        MultiplyAdds.Count count = MultiplyAdds.count(model, FILE);
        for (String l : layers) {
            assertEquals(extra.get(l) * 1000 / count.node(l), times.rate(l), 1e-9 * times.rate(l), l);
        }
        // Each layer was fed what reached it: the graph's input for the first, the first's output for the second.
        assertArrayEquals(new long[] {-1, 1, 16, 16}, timer.shapes.get(c1));
        assertArrayEquals(new long[] {-1, 40, 16, 16}, timer.shapes.get(c2));
        assertArrayEquals(new long[] {-1, 16, 4, 4}, timer.shapes.get(c3));
    }

    @Test
    void layersAlikeAreRunOnce() {
        // Three 1×1 convolutions of 8 channels on 4×4 maps, each reading the same shape: alike but for their weights.
        Graphs g = new Graphs(3);
        g.input("x", 8, 4, 4).output("y", 3);
        String h = "x";
        for (int k = 1; k <= 3; k++) {
            h = g.node("Relu", "r" + k, g.node("Conv", "c" + k, List.of(Graphs.ints("kernel_shape", 1, 1)), h,
                    g.init("w" + k, 0.3, 8, 8, 1, 1), g.init("b" + k, 0.1, 8)));
        }
        g.node("Gemm", "y", List.of(Graphs.integer("transB", 1)), g.node("Flatten", "flat", h),
                g.init("wy", 0.2, 3, 128), g.init("by", 0.1, 3));
        ModelProto model = g.model(14);
        Set<String> layers = blockLayers(model);
        assertTrue(layers.size() >= 3, layers.toString());
        Map<String, Double> extra = new HashMap<>();
        layers.forEach(l -> extra.put(l, 3.0));
        MadeUp timer = new MadeUp(extra);
        List<DenseBlock> blocks = BlockFinder.find(model, FILE);
        LayerTimes times = LayerTimes.measure(model, FILE, GraphFeed.of(model, FILE), new GraphRows(Graphs.rows(5,
                20, 128), 128, null), blocks, MultiplyAdds.count(model, FILE), AT_32, timer);
        String c1 = node(model, "c1");
        String c3 = node(model, "c3");
        assertEquals(layers, times.nanosPerMultiplyAdd().keySet());
        assertEquals(layers.size() - 2, timer.calls, "the three convolutions run once: " + timer.shapes.keySet());
        assertEquals(layers.size() - 2, times.distinct());
        assertEquals(times.rate(c1), times.rate(c3), 0);
    }

    @Test
    void aLayerThatCannotRunAloneTakesTheOthersRateOnBalance() {
        ModelProto model = RoundToTest.highResolutionNet();
        Map<String, Double> extra = new HashMap<>();
        blockLayers(model).forEach(l -> extra.put(l, 5.0));
        String c2 = node(model, "c2");
        extra.remove(c2);
        LayerTimes times = timed(model, new MadeUp(extra));
        assertEquals(List.of(c2), times.untimed());
        MultiplyAdds.Count count = MultiplyAdds.count(model, FILE);
        long others = extra.keySet().stream().mapToLong(count::node).sum();
        assertEquals(5.0 * 1000 * extra.size() / others, times.rate(c2), 1e-9);
    }

    @Test
    void aPassingModelSlowerThanTheLayerLeavesATenthOfTheLayersOwnTime() {
        ModelProto model = RoundToTest.highResolutionNet();
        Int8LayerTiming.Timer noisy = (models, file, input, rows, batch, threads) ->
                new double[][] {{10, 40}, {12, 50}, {5, 20}};
        LayerTimes times = timed(model, noisy);
        MultiplyAdds.Count count = MultiplyAdds.count(model, FILE);
        double perRow = Math.sqrt(LayerTimes.LEAST_SHARE * 10 * LayerTimes.LEAST_SHARE * 40 / 32);
        String c1 = node(model, "c1");
        assertEquals(perRow * 1000 / count.node(c1), times.rate(c1), 1e-9);
    }

    private static float[] run(ModelProto layer, GraphFeed feed, GraphRows rows) {
        try (GraphFeed.Session s = feed.open(layer, org.odf2nna.Device.CPU, FILE)) {
            return s.run(rows, 0, rows.count(), List.of("c2")).get("c2");
        }
    }

    @Test
    void aNarrowedLayerKeepsHalfItsOutputUnitsAndItsInput() {
        ModelProto model = RoundToTest.highResolutionNet();
        NodeProto c2 = model.getGraph().getNodeList().stream().filter(n -> n.getOutput(0).equals("c2")).findFirst()
                .orElseThrow();
        ModelProto alone = org.odf2nna.onnx.SingleLayerModel.of(model, c2.getInput(0), "c2", new long[] {4, 40, 16, 16});
        org.odf2nna.onnx.SingleLayerModel.Narrowed half = org.odf2nna.onnx.SingleLayerModel.narrowed(alone, FILE);
        assertNotNull(half);
        assertEquals(0.5, half.kept());
        float[] x = Graphs.rows(3, 2, 40 * 16 * 16);
        GraphFeed feed = GraphFeed.plain(org.odf2nna.onnx.SingleLayerModel.signature(c2.getInput(0), new long[] {2, 40, 16,
                16}));
        GraphRows rows = new GraphRows(x, 40 * 16 * 16, null);
        float[] whole = run(alone, feed, rows);
        float[] cut = run(half.model(), feed, rows);
        // [2, 16, 4, 4] against [2, 8, 4, 4]: the first 8 channels of each row alike.
        assertEquals(2 * 8 * 16, cut.length);
        for (int r = 0; r < 2; r++) {
            for (int k = 0; k < 8 * 16; k++) {
                assertEquals(whole[r * 16 * 16 + k], cut[r * 8 * 16 + k], 1e-5);
            }
        }
    }

    @Test
    void aUnitsCostIsItsLayersMultiplyAddsAtTheirRates() {
        ModelProto model = RoundToTest.highResolutionNet();
        List<DenseBlock> blocks = BlockFinder.find(model, FILE);
        MultiplyAdds.Count count = MultiplyAdds.count(model, FILE);
        // The high-resolution layer 50 times slower per multiply-add than the others.
        Map<String, Double> rates = new HashMap<>();
        String n1 = node(model, "c1");
        String n2 = node(model, "c2");
        blockLayers(model).forEach(l -> rates.put(l, l.equals(n1) ? 50.0 : 1.0));
        LayerTimes times = new LayerTimes(rates, 1.0, List.of(), rates.size(), 0);
        UnitCosts byMacs = UnitCosts.multiplyAdds(model, blocks, count);
        UnitCosts byTime = UnitCosts.work(model, blocks, count, times);
        assertEquals(Budget.LATENCY, byTime.budget());
        DenseBlock first = blocks.stream().filter(b -> b.place().nodes().contains(n1)).findFirst().orElseThrow();
        long c1 = count.node(n1);
        long c2 = count.node(n2);
        // The first block is c1 then c2: its unit's time is c1's share at 50 and c2's at 1, in ps.
        assertEquals((50.0 * c1 + c2) * 1000 / first.units(), byTime.of(first), 1e-6 * byTime.of(first));
        assertEquals((double) (c1 + c2) / first.units(), byMacs.of(first), 1e-9);
        assertTrue(byTime.relative(first) < byMacs.relative(first), "the slow layer's units cost more against the "
                + "others under latency: " + byTime.relative(first) + " vs " + byMacs.relative(first));
    }

    @Test
    void aSweepUnderTheLatencyBudgetTimesItsLayersAndSaysSo() {
        ModelProto model = RoundToTest.highResolutionNet();
        GraphRows all = rows(700);
        GraphRows train = new GraphRows(java.util.Arrays.copyOfRange(all.features(), 0, 400 * 256), 256, null);
        GraphRows validation = new GraphRows(java.util.Arrays.copyOfRange(all.features(), 400 * 256, 700 * 256), 256,
                null);
        GraphRun settings = GraphRun.of(SweepSettings.builder().graphRetraining(GraphRetraining.SEQUENTIAL)
                .budget(Budget.LATENCY).maxDrop(50).build(), 0.25).measuredOn(300, 40_000);
        List<String> phases = new ArrayList<>();
        Progress progress = new Progress() {
            @Override
            public void update(String phase, long done, long total, String detail) {
                phases.add(phase);
            }
        };
        GraphSweep.Outcome out = GraphSweep.sweep(model, FILE, train, validation, null, settings, progress);
        SweepReport report = out.report();
        assertTrue(phases.contains(GraphSweep.TIMING_LAYERS), phases.toString());
        assertEquals("latency", report.method().budget());
        String note = report.notes().stream().filter(n -> n.contains("budget latency")).findFirst().orElse(null);
        assertNotNull(note, report.notes().toString());
        assertTrue(note.contains(blockLayers(model).size() + " block layers timed alone"), note);
        assertTrue(SweepTables.sweep(report).contains("Rounds of 25% of the block time per row"),
                SweepTables.sweep(report));
        assertNotNull(out.chosen(), "a round holds at 50 points");
        assertTrue(MultiplyAdds.count(out.chosen(), FILE).total() < MultiplyAdds.count(model, FILE).total());
    }
}

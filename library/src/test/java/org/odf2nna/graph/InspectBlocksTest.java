package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.Progress;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.GraphBlocks;
import org.odf2nna.settings.GraphRetraining;
import org.odf2nna.settings.ModelInputs;
import org.odf2nna.settings.OutputDecoding;
import org.odf2nna.settings.SweepSettings;

/** {@code inspect} lists exactly the blocks a sweep's first round prunes: the same search, on made-up rows. */
class InspectBlocksTest {

    private static final Path FILE = BlockFinderTest.FILE;
    private static final int WIDTH = 6 * 8;

    /** What {@code inspect} lists for {@code model}: its blocks traced on made-up rows. */
    static GraphBlocks inspected(ModelProto model) {
        GraphFeed made = GraphFeed.madeUp(model, FILE, ModelInputs.NONE);
        return GraphSweep.describe(model, FILE, made, made.madeUpRows(4), Device.CPU);
    }

    /** The blocks a sweep over {@code model} reports, its rounds refitted only (no TensorFlow). */
    static GraphBlocks swept(ModelProto model) {
        GraphFeed feed = GraphFeed.of(model, FILE);
        GraphRows training = new GraphRows(Graphs.rows(1, 300, WIDTH), WIDTH, null);
        GraphRows unlabelled = new GraphRows(Graphs.rows(2, 300, WIDTH), WIDTH, null);
        int[] labels = GraphSweep.predict(model, FILE, feed, unlabelled, Device.CPU,
                new Decoder(OutputDecoding.DEFAULT));
        GraphRows validation = new GraphRows(unlabelled.features(), WIDTH, labels);
        SweepSettings settings = SweepSettings.builder().graphRetraining(GraphRetraining.SEQUENTIAL).build();
        return GraphSweep.sweep(model, FILE, new GraphSweep.Io(feed, OutputDecoding.DEFAULT), training, validation,
                null, GraphRun.of(settings, 0.2), Progress.NONE).report().blocks();
    }

    @Test
    void anExportersAttentionsHeadsAreListedAsTheSweepFindsThem() {
        ModelProto model = AttentionHeadsTest.fusedQkv((w, b) -> { },
                (g, qk) -> g.node("Mul", "scores", qk, g.constant("scale", 0.5f)), g -> { });
        GraphBlocks listed = inspected(model);
        GraphBlocks swept = swept(model);
        assertEquals(swept.blocks().size(), listed.blocks().size(), listed.blocks() + " against " + swept.blocks());
        assertEquals(swept.blockParameters(), listed.blockParameters());
        assertEquals(swept.blockShare(), listed.blockShare(), 1e-12);
        assertEquals(swept.blocks().stream().map(GraphBlocks.Block::units).toList(),
                listed.blocks().stream().map(GraphBlocks.Block::units).toList());
        assertTrue(listed.blocks().stream().anyMatch(b -> b.units().equals("heads")), listed.blocks().toString());
        // The classifier's layer is in no block, and a line says why.
        List<String> why = listed.notes().stream().filter(n -> n.contains("is in no block")).toList();
        assertTrue(why.stream().anyMatch(n -> n.contains("it writes the graph's output 'y'")), listed.notes()
                .toString());
    }

    @Test
    void theFusedFfnIsListedAsTheSweepFindsIt() {
        ModelProto model = FusedFfnTest.ffn("BiasGelu");
        GraphFeed made = GraphFeed.madeUp(model, FILE, ModelInputs.NONE);
        GraphBlocks listed = GraphSweep.describe(model, FILE, made, made.madeUpRows(4), Device.CPU);
        assertEquals(1, listed.blocks().size());
        assertEquals("gelu", listed.blocks().get(0).between().activation());
        assertEquals(listed.blockParameters(), listed.blocks().get(0).parameters());
    }
}

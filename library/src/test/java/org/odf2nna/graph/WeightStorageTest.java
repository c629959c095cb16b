package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.WeightStorage;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/** Graphs whose weights are Constant nodes (paddle2onnx) or initializers read through an Identity (PyTorch). */
public class WeightStorageTest {

    private static final Path FILE = BlockFinderTest.FILE;

    /** The same graph with every float initializer as a Constant node in front of the nodes, as paddle2onnx writes. */
    public static ModelProto asConstantNodes(ModelProto model) {
        GraphProto.Builder g = model.getGraph().toBuilder();
        List<NodeProto> nodes = new ArrayList<>();
        for (TensorProto t : g.getInitializerList()) {
            nodes.add(NodeProto.newBuilder().setOpType("Constant").setName(t.getName() + "_const")
                    .addOutput(t.getName()).addAttribute(AttributeProto.newBuilder().setName("value")
                            .setType(AttributeProto.AttributeType.TENSOR).setT(t.toBuilder().clearName())).build());
        }
        nodes.addAll(g.getNodeList());
        return model.toBuilder().setGraph(g.clearInitializer().clearNode().addAllNode(nodes)).build();
    }

    /** The same graph with every initializer stored as {@code NAME_stored} and read through an Identity. */
    static ModelProto throughIdentities(ModelProto model) {
        GraphProto.Builder g = model.getGraph().toBuilder();
        List<NodeProto> nodes = new ArrayList<>();
        List<TensorProto> stored = new ArrayList<>();
        for (TensorProto t : g.getInitializerList()) {
            stored.add(t.toBuilder().setName(t.getName() + "_stored").build());
            nodes.add(NodeProto.newBuilder().setOpType("Identity").setName(t.getName() + "_copy")
                    .addInput(t.getName() + "_stored").addOutput(t.getName()).build());
        }
        nodes.addAll(g.getNodeList());
        return model.toBuilder().setGraph(g.clearInitializer().addAllInitializer(stored).clearNode()
                .addAllNode(nodes)).build();
    }

    private static float[] run(ModelProto model, float[] rows, int width) {
        InputSignature input = GraphRows.dataInput(model, FILE);
        try (OnnxRunner r = OnnxRunner.open(model, input, Device.CPU, FILE)) {
            String out = model.getGraph().getOutput(0).getName();
            return r.run(rows, rows.length / width, width, List.of(out)).get(out);
        }
    }

    private static List<String> describe(ModelProto model) {
        return BlockFinder.find(model, FILE).stream()
                .map(b -> b.place().firstNode() + ">" + b.place().secondNode() + ":"
                + b.sizes().width() + ":" + b.sizes().parameters() + ":" + b.perUnitOps()).toList();
    }

    @Test
    void constantNodeAndIdentityWeightsFindTheSameBlocksAndParameters() {
        for (ModelProto model : List.of(BlockFinderTest.ffn(new Graphs(31), null, null),
                BlockFinderTest.pointwise(new Graphs(32), null, null, null, null),
                BlockFinderTest.squeezeExcite(new Graphs(33)))) {
            List<String> blocks = describe(model);
            assertFalse(blocks.isEmpty());
            assertEquals(blocks, describe(asConstantNodes(model)));
            assertEquals(blocks, describe(throughIdentities(model)));
            long parameters = GraphSweep.describe(model, FILE).modelParameters();
            assertEquals(parameters, GraphSweep.describe(asConstantNodes(model), FILE).modelParameters());
            assertEquals(parameters, GraphSweep.describe(throughIdentities(model), FILE).modelParameters());
        }
    }

    @Test
    void hoistingThenRestoringGivesTheModelBack() {
        ModelProto model = asConstantNodes(BlockFinderTest.pointwise(new Graphs(34), null, null, null, null));
        WeightStorage.Hoisted h = WeightStorage.hoist(model);
        assertTrue(h.changed());
        // The two Clip bounds are scalars: they stay Constant nodes.
        assertArrayEquals(new int[] {5, 0}, h.counts());
        assertEquals(model, h.restore(h.model()));
        ModelProto copies = throughIdentities(BlockFinderTest.ffn(new Graphs(35), null, null));
        WeightStorage.Hoisted i = WeightStorage.hoist(copies);
        assertArrayEquals(new int[] {0, 4}, i.counts());
        assertEquals(copies, i.restore(i.model()));
    }

    @Test
    void prunedWeightsAreRewrittenWhereTheExporterStoredThem() {
        ModelProto plain = BlockFinderTest.pointwise(new Graphs(36), null, null, null, null);
        float[] rows = Graphs.rows(9, 200, 75);
        GraphRows graphRows = new GraphRows(rows, 75, null);
        GraphRun s = GraphRun.of(org.odf2nna.settings.SweepSettings.defaults(), 0.1);
        ModelProto expected = GraphSweep.prune(plain, FILE, graphRows, 0.4, s).model();
        for (ModelProto stored : List.of(asConstantNodes(plain), throughIdentities(plain))) {
            BlockPruner.Pruned p = GraphSweep.prune(stored, FILE, graphRows, 0.4, s);
            ModelProto pruned = p.model();
            // The same network as pruning the initializer copy ...
            float[] a = run(expected, rows, 75);
            float[] b = run(pruned, rows, 75);
            assertArrayEquals(a, b, 1e-5f);
            // ... stored as the exporter stored it: the original's Constant or Identity nodes, each before its reader.
            long constants = stored.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Constant"))
                    .count();
            long identities = stored.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Identity"))
                    .count();
            assertEquals(constants, pruned.getGraph().getNodeList().stream()
                    .filter(n -> n.getOpType().equals("Constant")).count());
            assertEquals(identities, pruned.getGraph().getNodeList().stream()
                    .filter(n -> n.getOpType().equals("Identity")).count());
            // The second layer had no bias: the folded one is the one initializer added.
            assertTrue(pruned.getGraph().getInitializerCount() <= stored.getGraph().getInitializerCount() + 1);
            int w = BlockFinder.find(pruned, FILE).get(0).sizes().width();
            assertTrue(w < 8, "pruned width " + w);
        }
    }
}

package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.GraphBlocks;
import org.odf2nna.report.GraphTables;

/** What inspect says of a graph's blocks (issue 47): a hand-written Mish by its name, and layers two blocks share. */
class BlockNamesTest {

    static final Path FILE = Path.of("graph.onnx");

    @Test
    void aHandWrittenMishIsCalledMish() {
        Graphs g = new Graphs(11);
        g.input("x", 6).output("y", 3);
        String h = g.node("Gemm", "g1", List.of(Graphs.integer("transB", 1)), "x", g.init("w1", 0.6, 10, 6),
                g.init("b1", 0.3, 10));
        String mish = g.node("Mul", "mish", h, g.node("Tanh", "tanh", g.node("Softplus", "softplus", h)));
        g.node("Gemm", "y", mish, g.init("w2", 0.5, 10, 3), g.init("b2", 0.1, 3));
        List<DenseBlock> blocks = BlockFinder.find(g.model(14), FILE);
        assertEquals(1, blocks.size());
        assertEquals("mish", blocks.get(0).activation());
        assertEquals(List.of(), blocks.get(0).perUnitOps(), "tanh and softplus are the activation's own");
    }

    @Test
    void aLayerSharedByTwoBlocksIsInBothRowsAndTheTotalCountsItOnce() {
        Graphs g = new Graphs(12);
        g.input("x", 6).output("y", 3);
        String h1 = g.node("Relu", "r1", g.node("Gemm", "g1", List.of(Graphs.integer("transB", 1)), "x",
                g.init("w1", 0.6, 10, 6), g.init("b1", 0.3, 10)));
        String h2 = g.node("Relu", "r2", g.node("Gemm", "g2", List.of(Graphs.integer("transB", 1)), h1,
                g.init("w2", 0.6, 8, 10), g.init("b2", 0.3, 8)));
        g.node("Gemm", "y", h2, g.init("w3", 0.5, 8, 3), g.init("b3", 0.1, 3));
        ModelProto model = g.model(14);
        GraphBlocks described = GraphSweep.describe(model, FILE);
        assertEquals(2, described.blocks().size(), GraphTables.blocks(described));
        long rows = described.blocks().stream().mapToLong(GraphBlocks.Block::parameters).sum();
        assertEquals(70 + 88 + 27, described.blockParameters(), "g1, g2 and y once each");
        assertEquals(70 + 88 + 88 + 27, rows, "g2 in both rows");
        String table = GraphTables.blocks(described);
        String shared = described.blocks().get(0).layers().second();
        assertEquals(shared, described.blocks().get(1).layers().first(), table);
        assertTrue(table.contains("(a layer shared by two blocks is in both rows, which sum to 273; the 185 above "
                + "count it once: " + shared + " (blocks 1 and 2))"), table);
    }
}

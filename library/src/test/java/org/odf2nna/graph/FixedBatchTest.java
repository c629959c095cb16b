package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.OnnxValues;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/** A model exported with its batch fixed at 1, and a Reshape inside that fixes it too: fed one row per run. */
public class FixedBatchTest {

    /** x [1, 4] → Reshape [1, 2, 2] → ReduceSum over the last axis → y [1, 2]: pairs summed. */
    static ModelProto fixedBatch(String batch) {
        Graphs g = new Graphs(1);
        g.inputOf("x", OnnxValues.FLOAT, batch, "4").output("y", 2);
        String r = g.node("Reshape", "r", "x", g.int64("shape", 1, 2, 2));
        g.node("ReduceSum", "y", List.of(Graphs.integer("keepdims", 0)), r, g.int64("axes", 2));
        return g.model(13);
    }

    private static final float[] ROWS = {1, 2, 3, 4, 10, 20, 30, 40, -1, -1, 5, 5};
    private static final float[] SUMS = {3, 7, 30, 70, -2, 10};

    @Test
    void aBatchFixedAtOneIsFedRowByRowFromTheStart() {
        ModelProto model = fixedBatch("1");
        GraphFeed feed = GraphFeed.of(model, BlockFinderTest.FILE);
        assertTrue(feed.batchFixedAtOne());
        ModelProto runnable = GraphRows.runnable(model, feed.data());
        try (GraphFeed.Session s = feed.open(runnable, Device.CPU, BlockFinderTest.FILE)) {
            // Before any run: no batch is tried (ONNX Runtime would log the Reshape's refusal on stderr).
            assertTrue(s.rowByRow());
            float[] y = s.run(new GraphRows(ROWS, 4, null), 0, 3, List.of("y")).get("y");
            assertArrayEquals(SUMS, y, 1e-6f);
        }
        try (OnnxRunner runner = OnnxRunner.open(runnable, feed.data(), Device.CPU, BlockFinderTest.FILE)) {
            // The runner tries the first batch quietly (ONNX Runtime's logging at fatal) and goes row by row.
            assertArrayEquals(SUMS, runner.run(ROWS, 3, 4, List.of("y")).get("y"), 1e-6f);
            assertTrue(runner.isRowByRow());
        }
    }

    @Test
    void anOpenBatchIsStillTriedWhole() {
        Graphs g = new Graphs(1);
        g.input("x", 4).output("y", 4);
        g.node("Relu", "y", "x");
        ModelProto model = g.model(13);
        GraphFeed feed = GraphFeed.of(model, BlockFinderTest.FILE);
        assertFalse(feed.batchFixedAtOne());
        try (GraphFeed.Session s = feed.open(GraphRows.runnable(model, feed.data()), Device.CPU,
                BlockFinderTest.FILE)) {
            float[] y = s.run(new GraphRows(ROWS, 4, null), 0, 3, List.of("y")).get("y");
            assertFalse(s.rowByRow());
            assertArrayEquals(new float[] {1, 2, 3, 4, 10, 20, 30, 40, 0, 0, 5, 5}, y, 1e-6f);
        }
    }
}

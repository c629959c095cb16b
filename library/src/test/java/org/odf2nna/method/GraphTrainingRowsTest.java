package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.junit.jupiter.api.Test;
import org.odf2nna.graph.GraphFeed;
import org.odf2nna.graph.GraphRun;
import org.odf2nna.graph.Graphs;
import org.odf2nna.settings.ModelInputs;
import org.odf2nna.Progress;
import org.odf2nna.settings.GraphRetraining;

/** How many training rows a graph sweep reads: those end-to-end retraining takes, whatever the graph is fed. */
class GraphTrainingRowsTest {

    private static final Path FILE = Path.of("tokens.onnx");

    /** input_ids and attention_mask, int64 [batch, 8]: an embedding, masked, summed over positions, a head. */
    private static ModelProto tokens() {
        Graphs g = new Graphs(5);
        g.inputOf("input_ids", TensorProto.DataType.INT64_VALUE, "batch", "sequence");
        g.inputOf("attention_mask", TensorProto.DataType.INT64_VALUE, "batch", "sequence");
        g.output("logits", 3);
        String emb = g.node("Gather", "emb", g.init("table", 1.0, 30, 6), "input_ids");
        String mask = g.node("Unsqueeze", "mask3", g.node("Cast", "maskf", List.of(Graphs.integer("to", 1)),
                "attention_mask"), g.int64("axis2", 2));
        String pooled = g.node("ReduceSum", "pool", List.of(Graphs.integer("keepdims", 0)),
                g.node("Mul", "masked", emb, mask), g.int64("axis1", 1));
        g.node("MatMul", "logits", pooled, g.init("head", 1.5, 6, 3));
        return g.model(14);
    }

    @Test
    void aGraphFedTokenIdsAndAMaskReadsTheRowsItsRetrainingTakes() {
        ModelProto model = tokens();
        GraphFeed feed = GraphFeed.resolve(model, FILE, new ModelInputs(new long[] {8}, "input_ids",
                List.of(new ModelInputs.Other("attention_mask", null, List.of(Path.of("mask.csv"))))), List.of());
        assertTrue(feed.retrainable());
        assertEquals(16, feed.valuesPerRowFed(), "ids and mask, 8 positions each");
        int rows = GraphSweepRows.trainingRows(GraphRun.DEFAULT_STATISTICS_ROWS, GraphRetraining.DEFAULT, feed,
                Progress.NONE, Path.of("train.npz"));
        // Before, any graph but one fed a single float input read the statistics' 3,000 rows and retrained on those.
        assertEquals(GraphRetraining.DEFAULT_ROWS, rows);
    }

    @Test
    void withoutEndToEndRetrainingTheStatisticsRowsAreEnough() {
        ModelProto model = tokens();
        GraphFeed feed = GraphFeed.resolve(model, FILE, new ModelInputs(new long[] {8}, "input_ids",
                List.of(new ModelInputs.Other("attention_mask", null, List.of(Path.of("mask.csv"))))), List.of());
        GraphRetraining refitOnly = new GraphRetraining(GraphRetraining.Mode.SEQUENTIAL, GraphRetraining.DEFAULT_EPOCHS,
                GraphRetraining.DEFAULT_ROWS, GraphRetraining.DEFAULT_LEARNING_RATE, GraphRetraining.DEFAULT_BATCH_SIZE,
                GraphRetraining.DEFAULT_SCOPE, GraphRetraining.DEFAULT_SCHEDULE);
        assertEquals(GraphRun.DEFAULT_STATISTICS_ROWS, GraphSweepRows.trainingRows(GraphRun.DEFAULT_STATISTICS_ROWS,
                refitOnly, feed, Progress.NONE, Path.of("train.npz")));
    }
}

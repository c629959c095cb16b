package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.Progress;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.report.SweepReport;
import org.odf2nna.settings.ModelInputs;
import org.odf2nna.settings.OutputDecoding;
import org.odf2nna.settings.SweepSettings;

/**
 * End-to-end retraining of a graph fed token ids and an attention mask (issue 58): the rows of both inputs packed
 * side by side, the embedding table (a Gather's) trained with the rest, the translation checked against ONNX Runtime.
 */
class TokenRetrainTest {

    private static final Path FILE = Path.of("tokens.onnx");
    private static final int LENGTH = 8;
    private static final int VOCAB = 20;

    /**
     * input_ids, attention_mask: int64 [batch, sequence]; the embedding Gather, masked, an FFN 6-16-6 with exact GELU
     * and a residual, the sum over the positions and a linear head of 3 classes. Half the FFN's units are dead.
     */
    static ModelProto classifier() {
        Graphs g = new Graphs(41);
        g.inputOf("input_ids", TensorProto.DataType.INT64_VALUE, "batch", "sequence");
        g.inputOf("attention_mask", TensorProto.DataType.INT64_VALUE, "batch", "sequence");
        g.output("logits", 3);
        String emb = g.node("Gather", "emb", g.init("table", 1.0, VOCAB, 6), "input_ids");
        String mask = g.node("Unsqueeze", "mask3", g.node("Cast", "maskf", List.of(Graphs.integer("to", 1)),
                "attention_mask"), g.int64("axis2", 2));
        String x = g.node("Mul", "masked", emb, mask);
        String h = g.halfDeadFirstLayer(x, 3);
        String o = g.node("Add", "ffn", g.node("MatMul", "mm2", g.erfGelu(h, "act"), g.init("w2", 0.5, 16, 6)),
                g.init("b2", 0.2, 6));
        String pooled = g.node("ReduceSum", "pool", List.of(Graphs.integer("keepdims", 0)), g.node("Add", "res", x,
                o), g.int64("axis1", 1));
        g.node("MatMul", "logits", pooled, g.init("head", 1.5, 6, 3));
        return g.model(14);
    }

    /** Rows of ids in [1, VOCAB) padded with 0 after a random length, their masks, labelled with the model's classes. */
    private static GraphRows rows(ModelProto model, GraphFeed feed, long seed, int count) {
        Random r = new Random(seed);
        float[] ids = new float[count * LENGTH];
        float[] mask = new float[count * LENGTH];
        for (int i = 0; i < count; i++) {
            int n = 3 + r.nextInt(LENGTH - 2);
            for (int t = 0; t < n; t++) {
                ids[i * LENGTH + t] = 1 + r.nextInt(VOCAB - 1);
                mask[i * LENGTH + t] = 1;
            }
        }
        GraphRows unlabelled = new GraphRows(ids, LENGTH, null, Map.of("attention_mask", mask));
        int[] labels = GraphSweep.predict(feed.fixed(model), FILE, feed, unlabelled, org.odf2nna.Device.CPU,
                new Decoder(OutputDecoding.DEFAULT));
        return new GraphRows(ids, LENGTH, labels, Map.of("attention_mask", mask));
    }

    @Test
    void aGraphOfTokenIdsAndAMaskIsRetrainedEndToEndWithItsEmbeddingTable() {
        ModelProto model = classifier();
        GraphFeed feed = GraphFeed.resolve(model, FILE, new ModelInputs(new long[] {LENGTH}, "input_ids",
                List.of(new ModelInputs.Other("attention_mask", null, List.of(Path.of("mask.csv"))))), List.of());
        assertTrue(RoundRetraining.feeds(feed));
        assertTrue(GraphRounds.weights(model).contains("table"), "the embedding table is a weight");
        GraphRows train = rows(model, feed, 1, 600);
        GraphRows validation = rows(model, feed, 2, 1500);
        GraphSweep.Outcome out = GraphSweep.sweep(model, FILE, new GraphSweep.Io(feed, OutputDecoding.DEFAULT),
                train, validation, null, GraphRun.of(SweepSettings.defaults(), 0.25), Progress.NONE);
        SweepReport report = out.report();
        assertEquals(List.of(), report.notes().stream().filter(n -> !n.contains(" is a half step: ")
                && !n.startsWith("end-to-end retraining ran in ")).toList(), "no fallback to the sequential refit");
        for (SweepReport.Round round : report.outcome().rounds()) {
            assertNotNull(round.retrainedEpoch(), "round " + round.round() + " was not retrained end to end");
        }
        assertNotNull(out.chosen(), report.outcome().choice());
        // Retraining moved the table (the round's best epoch was a trained one) or kept it; either way the written
        // model declares both inputs with their sequence open.
        for (var in : out.chosen().getGraph().getInputList()) {
            assertEquals("sequence", in.getType().getTensorType().getShape().getDim(1).getDimParam(), in.getName());
        }
        boolean trained = report.outcome().rounds().stream()
                .anyMatch(r -> r.retrainedEpoch() != null && r.retrainedEpoch() > 0);
        if (trained) {
            int chosen = report.outcome().chosen();
            if (report.outcome().rounds().get(chosen).retrainedEpoch() > 0) {
                assertNotEquals(table(model), table(out.chosen()), "the embedding table was trained");
            }
        }
    }

    private static TensorProto table(ModelProto m) {
        return m.getGraph().getInitializerList().stream().filter(t -> t.getName().equals("table")).findFirst()
                .orElseThrow();
    }
}

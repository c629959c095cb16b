package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.Progress;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.GraphSweepReport;
import org.odf2nna.report.GraphTables;
import org.odf2nna.settings.GraphRetraining;
import org.odf2nna.settings.LearningRateSchedule;
import org.odf2nna.settings.ModelInputs;
import org.odf2nna.settings.OutputDecoding;
import org.odf2nna.settings.SweepSettings;

/**
 * A tiny BERT as torch.onnx.export writes it (input_ids, attention_mask, token_type_ids; opset 14: LayerNorm as
 * ReduceMean/Pow/Sqrt, erf GELU, the mask as (1 - mask)·min, a tanh pooler), swept with end-to-end retraining on its
 * .npz rows (issue 58). Made by {@code scripts/corpus/make_tiny_bert_sentiment.py --small} into
 * {@code /work/corpus/bert-sentiment-small} ({@code -Dodf2nna.bert=DIR} for another folder); skipped without it. Few
 * rows and one epoch a round, to stay within a couple of minutes on 2 cores.
 */
class TinyBertSweepTest {

    private static final int SEQUENCE = 32;

    private static Path folder() {
        return Path.of(System.getProperty("odf2nna.bert", "/work/corpus/bert-sentiment-small"));
    }

    @Test
    void theThreeInputExportIsSweptWithEveryRoundRetrainedEndToEnd() {
        Path dir = folder();
        Path file = dir.resolve("bert.onnx");
        if (!Files.isRegularFile(file)) {
            System.out.println("SKIPPED: no tiny BERT at " + file + " (made by scripts/corpus/"
                    + "make_tiny_bert_sentiment.py --small --out " + dir + "; -Dodf2nna.bert=DIR)");
            Assumptions.abort("no tiny BERT corpus");
        }
        ModelProto model = OnnxModelFile.read(file);
        List<Path> data = List.of(dir.resolve("train.npz"), dir.resolve("validation.npz"), dir.resolve("report.npz"));
        GraphFeed feed = GraphFeed.resolve(model, file, new ModelInputs(new long[] {SEQUENCE}, "input_ids", List.of()),
                data);
        assertEquals(2, feed.sides().size(), "the mask and the segment ids from the archives' arrays");
        GraphRows train = GraphRows.read(data.get(0), 0, feed, null, 2000);
        GraphRows validation = GraphRows.read(data.get(1), 1, feed, null, 2000);
        GraphRows report = GraphRows.read(data.get(2), 2, feed, null, 1000);
        GraphRetraining quick = new GraphRetraining(GraphRetraining.Mode.END_TO_END, 1, 2000,
                GraphRetraining.DEFAULT_LEARNING_RATE, 64, GraphRetraining.Scope.ALL, LearningRateSchedule.ONE_CYCLE);
        GraphRun settings = GraphRun.of(SweepSettings.builder().graphRetraining(quick).build(), 0.25)
                .measuredOn(1000, 20_000);
        GraphSweep.Outcome out = GraphSweep.sweep(model, file, new GraphSweep.Io(feed, OutputDecoding.DEFAULT),
                train, validation, report, settings, Progress.NONE);
        GraphSweepReport r = out.report();
        String table = GraphTables.sweep(r);
        System.out.println(table);
        assertFalse(r.rounds().isEmpty(), table);
        assertTrue(r.notes().stream().noneMatch(n -> n.contains("sequential block refit")), table);
        for (GraphSweepReport.Round round : r.rounds()) {
            assertNotNull(round.retrainedEpoch(), "round " + round.round() + " not retrained end to end\n" + table);
        }
        if (out.chosen() != null) {
            assertRunsAtAnotherLength(out.chosen(), file);
        }
    }

    /** The written model keeps the sequence open: it runs on rows of 20 tokens. */
    private static void assertRunsAtAnotherLength(ModelProto written, Path file) {
        int n = 2;
        int t = 20;
        float[] ids = new float[n * t];
        float[] mask = new float[n * t];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i % t == 0 ? 1 : i % t < 12 ? 100 + i % 50 : 0;
            mask[i] = ids[i] == 0 ? 0 : 1;
        }
        List<OnnxRunner.Fed> feeds = new ArrayList<>();
        int int64 = org.odf2nna.onnx.proto.OnnxProto.TensorProto.DataType.INT64_VALUE;
        feeds.add(new OnnxRunner.Fed("input_ids", int64, new long[] {n, t}, ids, 0, n * t));
        feeds.add(new OnnxRunner.Fed("attention_mask", int64, new long[] {n, t}, mask, 0, n * t));
        feeds.add(new OnnxRunner.Fed("token_type_ids", int64, new long[] {n, t}, new float[n * t], 0, n * t));
        String output = written.getGraph().getOutput(0).getName();
        try (OnnxRunner runner = OnnxRunner.open(written, new InputSignature("input_ids", int64, new long[] {-1, -1}),
                Device.CPU, file)) {
            assertEquals(2 * n, runner.runInputs(feeds, List.of(output)).get(output).values().length);
        }
    }
}

package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.Progress;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.GraphBlocks;
import org.odf2nna.report.SweepReport;
import org.odf2nna.report.GraphTables;
import org.odf2nna.report.SweepTables;
import org.odf2nna.settings.GraphRetraining;
import org.odf2nna.settings.LearningRateSchedule;
import org.odf2nna.settings.ModelInputs;
import org.odf2nna.settings.OutputDecoding;
import org.odf2nna.settings.SweepSettings;

/**
 * A tiny BERT as a user fine-tunes and ships it (issues 56 and 58): transformers' BertForSequenceClassification trained
 * on a synthetic sentiment task with negation and exported by torch.onnx.export (input_ids, attention_mask,
 * token_type_ids; ids only; dynamo with external data) and by ONNX Runtime's transformer optimizer. Made by
 * {@code scripts/corpus/make_tiny_bert_sentiment.py} and {@code scripts/corpus/optimize_bert.py}; the small one (2
 * layers, hidden 32, 2 heads, FFN 64, 2,000 training rows) is committed under
 * {@code library/src/test/resources/corpus/bert-small} (made by scripts/corpus/make_test_corpus.sh; its README.md
 * names the versions), {@code -Dodf2nna.bert=DIR} reads another (the 4-layer one of
 * docs/research/graphs.md). The sizes the checks expect come from the folder's model.json. The sweep here is a short one (few rows, one epoch a round), to
 * stay within a minute or two on 2 cores; the full {@code sweep --max-drop 1} is measured in docs/research/graphs.md.
 */
class TinyBertSweepTest {

    private static final int SEQUENCE = 32;
    /** Training rows of the short sweep (all the committed corpus's). */
    private static final int TRAIN_ROWS = 2000;
    /**
     * The share of the block parameters the short sweep's written round removes at least: its first round's (25%; the
     * committed 2-layer corpus at 75% holds that one, the 4-layer one of docs/research/graphs.md held 40% and more).
     */
    private static final double MIN_BLOCK_REDUCTION = 25;

    private static Path folder() {
        return Path.of(System.getProperty("odf2nna.bert", "library/src/test/resources/corpus/bert-small"));
    }

    private static Path corpusFile(String name) {
        Path file = folder().resolve(name);
        assertTrue(Files.isRegularFile(file), "the tiny BERT " + file.toAbsolutePath() + " (made by "
                + "scripts/corpus/make_test_corpus.sh; -Dodf2nna.bert=DIR for another)");
        return file;
    }

    /** What model.json says of the corpus's BERT: its layers, heads, hidden and FFN widths and parameters. */
    private record Sizes(int layers, int heads, int hidden, int ffn, long parameters) {

        static Sizes read() throws IOException {
            JsonObject o = JsonParser.parseString(Files.readString(corpusFile("model.json"))).getAsJsonObject();
            return new Sizes(o.get("layers").getAsInt(), o.get("heads").getAsInt(), o.get("hidden").getAsInt(),
                    o.get("ffn").getAsInt(), o.get("parameters").getAsLong());
        }

        /** An FFN block's parameters: two dense layers, hidden to ffn and back, with their biases. */
        long ffnParameters() {
            return 2L * hidden * ffn + ffn + hidden;
        }
    }

    private static List<Path> data() {
        Path dir = folder();
        return List.of(dir.resolve("train.npz"), dir.resolve("validation.npz"), dir.resolve("report.npz"));
    }

    private static GraphFeed feed(ModelProto model, Path file) {
        return GraphFeed.resolve(model, file, new ModelInputs(new long[] {SEQUENCE}, "input_ids", List.of()),
                data());
    }

    /**
     * Every export lists what a sweep's first round prunes: an attention of its heads and an FFN per layer (and the
     * pooler), whatever wrote the file (issue 56: inspect found 5 blocks and no heads in the 4-layer one; only the
     * pooler in the optimized file).
     */
    @Test
    void everyExportHasAnAttentionAndAnFfnPerLayerAsBlocks() throws IOException {
        Sizes sizes = Sizes.read();
        for (String name : List.of("bert.onnx", "bert_ids.onnx", "dynamo/bert.onnx", "bert_opt.onnx")) {
            Path file = corpusFile(name);
            ModelProto model = OnnxModelFile.read(file);
            GraphFeed feed = feed(model, file);
            GraphRows rows = GraphRows.read(data().get(1), 1, feed, null, 16);
            GraphBlocks blocks = GraphSweep.describe(model, file, feed, rows, Device.CPU);
            String table = name + "\n" + GraphTables.blocks(blocks);
            assertEquals(2 * sizes.layers() + 1, blocks.blocks().size(), table);
            assertEquals(sizes.layers(), blocks.blocks().stream().filter(b -> b.units().equals("heads")).count(),
                    table);
            assertEquals(sizes.layers(), blocks.blocks().stream().filter(b -> b.sizes().width() == sizes.ffn()
                    && b.parameters() == sizes.ffnParameters()).count(), table);
            assertEquals(sizes.parameters(), blocks.modelParameters(), table);
        }
    }

    @Test
    void theThreeInputExportIsSweptWithItsRoundsRetrainedEndToEnd() {
        Path file = corpusFile("bert.onnx");
        ModelProto model = OnnxModelFile.read(file);
        List<Path> data = data();
        GraphFeed feed = feed(model, file);
        assertEquals(2, feed.sides().size(), "the mask and the segment ids from the archives' arrays");
        GraphRows train = GraphRows.read(data.get(0), 0, feed, null, TRAIN_ROWS);
        GraphRows validation = GraphRows.read(data.get(1), 1, feed, null, 2000);
        GraphRows report = GraphRows.read(data.get(2), 2, feed, null, 2000);
        GraphRetraining quick = new GraphRetraining(GraphRetraining.Mode.END_TO_END, 1, TRAIN_ROWS,
                GraphRetraining.DEFAULT_LEARNING_RATE, 64, GraphRetraining.Scope.ALL, LearningRateSchedule.ONE_CYCLE);
        GraphRun settings = GraphRun.of(SweepSettings.builder().graphRetraining(quick).build(), 0.25)
                .measuredOn(1000, 20_000);
        GraphSweep.Outcome out = GraphSweep.sweep(model, file, new GraphSweep.Io(feed, OutputDecoding.DEFAULT),
                train, validation, report, settings, Progress.NONE);
        SweepReport r = out.report();
        String table = SweepTables.sweep(r);
        System.out.println(table);
        assertFalse(r.outcome().rounds().isEmpty(), table);
        assertTrue(r.notes().stream().noneMatch(n -> n.contains("sequential block refit")), table);
        // Every round is retrained end to end, or goes without it for the reason the table gives (issue 69: the last
        // retraining kept the refitted values and this refit alone loses at most a quarter of the bound).
        for (SweepReport.Round round : r.outcome().rounds()) {
            assertTrue(round.retrainedEpoch() != null || round.retrainingSkipped() != null
                    && round.retrainingSkipped().startsWith("not retrained: the last retraining kept the refitted "
                    + "values"), "round " + round.round() + " neither retrained nor said why\n" + table);
        }
        assertNotNull(r.outcome().rounds().get(0).retrainedEpoch(), "the first round retrained\n" + table);
        assertNotNull(out.chosen(), "nothing written\n" + table);
        assertRunsAtAnotherLength(out.chosen(), file);
        SweepReport.Round chosen = r.outcome().rounds().get(r.outcome().chosen());
        assertTrue(chosen.size().blockReductionPercent() >= MIN_BLOCK_REDUCTION, table);
        assertTrue(r.original().report().accuracy() - chosen.report().accuracy() <= 0.01,
                "more than a point lost on the report rows\n" + table);
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

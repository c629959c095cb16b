package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.api.FileWorkflows;
import org.odf2nna.data.Batch;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.data.NumpyRows;
import org.odf2nna.data.TestNpz;
import org.odf2nna.graph.Graphs;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.report.Evaluation;
import org.odf2nna.settings.CsvReading;
import org.odf2nna.settings.Task;

/**
 * {@code eval} of a causal language model: the tiny GPT of {@code library/src/test/resources/corpus/tiny-gpt} (made by
 * {@code scripts/corpus/make_tiny_gpt.py}, nanoGPT-shaped, exported by torch.onnx.export) measured on its token windows
 * alone gives torch's own perplexity and next-token accuracy, recorded in the folder's torch.json; labels per position
 * (the next token, -100 at the last position) give the same; a token classifier's shape without labels is not taken
 * for a language model.
 */
class TinyGptEvalTest {

    private static final Path FOLDER = Path.of("library/src/test/resources/corpus/tiny-gpt");
    private static final int CONTEXT = 16;

    @TempDir
    Path dir;

    private static Evaluation eval(Path model, Path rows, Task task) {
        return FileWorkflows.evaluate(model, rows, new CsvReading(null, 256), task, Device.CPU, Progress.NONE);
    }

    private static JsonObject torch(String rows) throws Exception {
        return JsonParser.parseString(Files.readString(FOLDER.resolve("torch.json"))).getAsJsonObject()
                .getAsJsonObject(rows);
    }

    @Test
    void windowsAloneGiveTorchsPerplexityAndAccuracy() throws Exception {
        for (String rows : new String[] {"report", "validation"}) {
            Evaluation e = eval(FOLDER.resolve("gpt.onnx"), FOLDER.resolve(rows + ".npz"), null);
            Metrics.Tokens m = assertInstanceOf(Metrics.Tokens.class, e.metrics());
            JsonObject expected = torch(rows);
            assertEquals("next-token", e.task(), "recognised as a causal language model with no --task");
            assertEquals(expected.get("tokens_predicted").getAsLong(), m.rows());
            double perplexity = expected.get("perplexity").getAsDouble();
            assertEquals(perplexity, m.perplexity(), 0.005 * perplexity, rows);
            assertEquals(expected.get("accuracy").getAsDouble(), m.accuracy(), 0.5 / m.rows(), rows);
            // Well below uniform over 64 tokens: a model that learnt something, so the figures could differ.
            assertTrue(m.perplexity() < 8, "perplexity " + m.perplexity());
        }
        Evaluation given = eval(FOLDER.resolve("gpt.onnx"), FOLDER.resolve("report.npz"), Task.NEXT_TOKEN);
        assertEquals(torch("report").get("perplexity").getAsDouble(),
                ((Metrics.Tokens) given.metrics()).perplexity(), 1e-6);
    }

    @Test
    void labelsPerPositionGiveTheSamePerplexity() throws Exception {
        long[] ids = ids(FOLDER.resolve("report.npz"));
        int windows = ids.length / CONTEXT;
        long[] labels = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            labels[i] = (i + 1) % CONTEXT == 0 ? -100 : ids[i + 1];
        }
        Map<String, TestNpz.Array> arrays = new LinkedHashMap<>();
        arrays.put("input_ids", new TestNpz.Array(ids, windows));
        arrays.put("labels", new TestNpz.Array(labels, windows));
        Path file = TestNpz.write(dir.resolve("labelled.npz"), arrays);
        Evaluation e = eval(FOLDER.resolve("gpt.onnx"), file, null);
        Metrics.Tokens m = assertInstanceOf(Metrics.Tokens.class, e.metrics());
        assertEquals("classification per position", e.task());
        assertEquals(torch("report").get("perplexity").getAsDouble(), m.perplexity(), 1e-6);
        assertFalse(Double.isNaN(m.macroF1()), "labels per position keep their macro F1");
    }

    /**
     * A token classifier (ids → embedding → 3 classes at every position, nothing mixed across positions) with ids up
     * to 7: causal, but its classes are no vocabulary, so windows without labels are refused, not read as next-token.
     */
    @Test
    void aTokenClassifierWithoutLabelsIsNotALanguageModel() throws Exception {
        Graphs g = new Graphs(83);
        g.inputOf("input_ids", TensorProto.DataType.INT64_VALUE, "N", "4").output("logits", 4, 3);
        g.node("Gather", "logits", g.init("embedding", 1.0, 8, 3), "input_ids");
        Path model = Files.write(dir.resolve("tagger.onnx"), g.model(14).toByteArray());
        long[] ids = new long[40];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i % 8;
        }
        Path file = TestNpz.write(dir.resolve("windows.npz"), Map.of("input_ids", new TestNpz.Array(ids, 10)));
        InputException e = assertThrows(InputException.class, () -> eval(model, file, null));
        assertTrue(e.getMessage().contains("target"), e.getMessage());
    }

    private static long[] ids(Path npz) {
        try (NumpyRows rows = NumpyRows.npz(npz, "input_ids", ColumnRequest.of(CONTEXT, null,
                ColumnRequest.Target.ABSENT))) {
            java.util.List<Long> all = new java.util.ArrayList<>();
            Batch b;
            while ((b = rows.next(1024)) != null) {
                for (int i = 0; i < b.rows() * CONTEXT; i++) {
                    all.add((long) b.features()[i]);
                }
            }
            return all.stream().mapToLong(Long::longValue).toArray();
        }
    }
}

package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.Progress;
import org.odf2nna.api.FileWorkflows;
import org.odf2nna.graph.BlockFinder;
import org.odf2nna.graph.DenseBlock;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.onnx.cleaning.Cleaned;
import org.odf2nna.onnx.cleaning.CleaningStep;
import org.odf2nna.onnx.cleaning.ModelCleaner;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.Evaluation;
import org.odf2nna.settings.CsvReading;
import org.odf2nna.settings.Task;

/**
 * A Hugging Face GPT2LMHeadModel of a tiny config, exported as optimum writes a decoder without past
 * ({@code library/src/test/resources/corpus/tiny-hf-gpt2}, made by {@code scripts/corpus/make_hf_gpt2.py --tiny}):
 * its Conv1D layers (a Gemm on rows flattened to two dimensions, reshaped back) are cleaned into MatMul and Add, so
 * that its two MLPs are found as blocks; {@code eval --task next-token} on windows with their attention mask gives
 * torch's own perplexity and next-token accuracy.
 */
class TinyHfGpt2Test {

    private static final Path FOLDER = Path.of("library/src/test/resources/corpus/tiny-hf-gpt2");

    @Test
    void conv1dLayersBecomeMatMulsAndTheMlpsAreBlocks() throws Exception {
        Path file = FOLDER.resolve("decoder_model.onnx");
        ModelProto model = ModelProto.parseFrom(Files.readAllBytes(file));
        Cleaned cleaned = ModelCleaner.clean(model, file);
        List<CleaningStep> flattened = cleaned.steps().stream().filter(s -> s.pass().equals("flattened-gemm"))
                .toList();
        assertEquals(8, flattened.size(), "c_attn, c_proj, c_fc and the MLP's c_proj of both layers");
        List<DenseBlock> blocks = BlockFinder.find(cleaned.model(), file);
        assertEquals(2, blocks.size(), "the two MLPs (GPT-2's heads are not found yet)");
    }

    @Test
    void windowsWithTheirMaskGiveTorchsPerplexity() throws Exception {
        JsonObject torch = JsonParser.parseString(Files.readString(FOLDER.resolve("torch.json"))).getAsJsonObject()
                .getAsJsonObject("report");
        for (String name : new String[] {"decoder_model.onnx", "decoder_with_past_model.onnx"}) {
            Evaluation e = FileWorkflows.evaluate(FOLDER.resolve(name), FOLDER.resolve("report.npz"),
                    new CsvReading(null, 256), Task.NEXT_TOKEN, Device.CPU, Progress.NONE);
            Metrics.Tokens m = assertInstanceOf(Metrics.Tokens.class, e.metrics());
            assertEquals(torch.get("tokens_predicted").getAsLong(), m.rows());
            double perplexity = torch.get("perplexity").getAsDouble();
            assertEquals(perplexity, m.perplexity(), 1e-4 * perplexity, name);
            assertEquals(torch.get("accuracy").getAsDouble(), m.accuracy(), 0.5 / m.rows(), name);
        }
    }
}

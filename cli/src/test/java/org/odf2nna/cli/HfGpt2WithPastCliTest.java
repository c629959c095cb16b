package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * A Hugging Face GPT-2 exported with its key/value cache ({@code decoder_with_past_model.onnx} of
 * {@code library/src/test/resources/corpus/tiny-hf-gpt2}) swept as a user gives it: its {@code past_key_values.*}
 * inputs, which no window file holds, fed empty (past length 0) in the statistics, the retraining and the timing, and
 * the written file keeping every input and output, so that generation with the cache runs it as it ran the original.
 */
class HfGpt2WithPastCliTest {

    private static final Path FOLDER = Path.of("library/src/test/resources/corpus/tiny-hf-gpt2");

    private static final Path SPLIT = Path.of("cli/src/test/resources/tiny-hf-gpt2-split");

    @TempDir
    Path dir;

    @Test
    void theDecoderWithItsCacheIsSweptRetrainedTimedAndWrittenWhole() throws Exception {
        // The corpus keeps only its report windows; training and validation are disjoint slices of them (SPLIT).
        String windows = FOLDER.resolve("report.npz").toString();
        Path small = dir.resolve("small.onnx");
        CliRun run = CliRun.of("sweep", FOLDER.resolve("decoder_with_past_model.onnx").toString(), "--task",
                "next-token", "--train", SPLIT.resolve("train.npz").toString(), "--validation",
                SPLIT.resolve("validation.npz").toString(), "--eval", windows, "--max-drop", "150", "-o",
                small.toString());
        assertEquals(Main.OK, run.exitCode(), run.toString());
        Matcher written = Pattern.compile("\\n  \\d+ +\\d+-\\d+ +\\d+ +[0-9.]+ +[0-9.]+ +([12]) .* ([0-9.]+)  <- "
                + "written").matcher(run.out());
        assertTrue(written.find(), "a round retrained end to end (epoch 1 or 2) is written: " + run.out());
        assertFalse(run.err().contains("without its speed judged") || run.err().contains("onnxruntime"),
                run.err());
        assertTrue(run.out().contains("% fewer)"), "multiply-adds counted: " + run.out());
        ModelProto model = ModelProto.parseFrom(Files.readAllBytes(small));
        assertEquals(6, model.getGraph().getInputCount(), "ids, mask and the four cache tensors");
        assertTrue(model.getGraph().getOutputList().stream().map(ValueInfoProto::getName)
                .anyMatch(n -> n.startsWith("present")));
        CliRun eval = CliRun.of("eval", small.toString(), windows, "--task", "next-token");
        assertEquals(Main.OK, eval.exitCode(), eval.toString());
        assertTrue(eval.out().contains("perplexity " + written.group(2) + " "), written.group(2) + " in the table; "
                + eval.out());
    }
}

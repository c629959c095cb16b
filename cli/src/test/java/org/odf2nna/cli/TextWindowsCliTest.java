package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A language model's data given as plain text: cut into the model's windows of token ids by its Hugging Face
 * {@code tokenizer.json} or as bytes ({@code cli/src/test/resources/tiny-gpt-text}, written by
 * {@code scripts/fixtures/make_text_windows.py} from the tiny GPT's own windows, one window of 16 numbers per line).
 */
class TextWindowsCliTest {

    private static final Path GPT = Path.of("library/src/test/resources/corpus/tiny-gpt");

    private static final Path HF = Path.of("library/src/test/resources/corpus/tiny-hf-gpt2");

    private static final Path TEXT = Path.of("cli/src/test/resources/tiny-gpt-text");

    @TempDir
    Path dir;

    private static String perplexity(CliRun run) {
        Matcher m = Pattern.compile("perplexity ([0-9.]+) .*accuracy ([0-9.]+%)").matcher(run.out());
        assertTrue(m.find(), run.toString());
        return m.group(1) + " " + m.group(2);
    }

    /** The tokenizer gives the report windows' ids back, so eval on the text is eval on the archive: torch's 3.770. */
    @Test
    void textCutByTheTokenizerIsJudgedAsItsWindows() {
        CliRun text = CliRun.of("eval", GPT.resolve("gpt.onnx").toString(), TEXT.resolve("report.txt").toString(),
                "--tokenizer", TEXT.resolve("tokenizer.json").toString(), "--window", "16");
        assertEquals(Main.OK, text.exitCode(), text.toString());
        assertTrue(text.err().contains("Text   512 windows of 16 tokens (tokenizer.json) from "), text.err());
        assertTrue(text.out().contains("Data   " + TEXT.resolve("report.txt") + " (7680 predicted tokens in 512 "
                + "windows, next-token)"), text.out());
        CliRun npz = CliRun.of("eval", GPT.resolve("gpt.onnx").toString(), GPT.resolve("report.npz").toString());
        assertEquals(perplexity(npz), perplexity(text));
        assertTrue(perplexity(text).startsWith("3.77 "), "torch.json's 3.770: " + text.out());
        // Read as bytes instead ("12 5 ..." is digits and spaces, all below 64), the windows are other ones.
        CliRun bytes = CliRun.of("eval", GPT.resolve("gpt.onnx").toString(), TEXT.resolve("report.txt").toString(),
                "--window", "16");
        assertEquals(Main.OK, bytes.exitCode(), bytes.toString());
        assertTrue(bytes.err().contains("windows of 16 tokens (bytes)"), bytes.err());
        assertNotEquals(perplexity(npz), perplexity(bytes));
    }

    /** A sweep reads its three files as text, with the task next-token, and writes a round eval then measures. */
    @Test
    void aSweepRunsOnTextFiles() throws Exception {
        Path small = dir.resolve("small.onnx");
        String tokenizer = TEXT.resolve("tokenizer.json").toString();
        CliRun run = CliRun.of("sweep", GPT.resolve("gpt.onnx").toString(), "--train",
                TEXT.resolve("train.txt").toString(), "--validation", TEXT.resolve("validation.txt").toString(),
                "--eval", TEXT.resolve("report.txt").toString(), "--tokenizer", tokenizer, "--window", "16",
                "--max-drop", "150", "-o", small.toString());
        assertEquals(Main.OK, run.exitCode(), run.toString());
        assertTrue(run.out().contains("val. PPL"), run.out());
        assertTrue(run.out().matches("(?s).*original\\s+30080\\s+3\\.997\\s+74\\.93%.*"), "validation.npz's "
                + "perplexity, as torch.json records it: " + run.out());
        assertTrue(Files.isRegularFile(small));
        CliRun eval = CliRun.of("eval", small.toString(), TEXT.resolve("report.txt").toString(), "--tokenizer",
                tokenizer, "--window", "16");
        assertEquals(Main.OK, eval.exitCode(), eval.toString());
    }

    /** Bytes beyond the model's vocabulary, and a window the export leaves open, are refused in one line. */
    @Test
    void refusals() throws Exception {
        Path words = dir.resolve("words.txt");
        Files.writeString(words, "In the beginning God created the heaven and the earth.\n".repeat(20));
        CliRun vocabulary = CliRun.of("eval", HF.resolve("decoder_model.onnx").toString(), words.toString(),
                "--window", "16");
        assertNotEquals(Main.OK, vocabulary.exitCode(), vocabulary.toString());
        assertTrue(vocabulary.err().contains("words.txt: byte-level tokens go up to 118, and the model's "
                + "vocabulary holds 64 (the last axis of output 'logits'); give the model's tokenizer with "
                + "--tokenizer tokenizer.json"), vocabulary.err());
        CliRun open = CliRun.of("eval", GPT.resolve("gpt.onnx").toString(), words.toString());
        assertNotEquals(Main.OK, open.exitCode(), open.toString());
        assertTrue(open.err().contains("gpt.onnx: input 'input_ids' takes windows of any length; give the context "
                + "the model was trained on with --window N"), open.err());
        CliRun task = CliRun.of("eval", GPT.resolve("gpt.onnx").toString(), words.toString(), "--task",
                "classification");
        assertNotEquals(Main.OK, task.exitCode(), task.toString());
        assertTrue(task.err().contains("is text, read as windows of tokens for --task next-token"), task.err());
        CliRun tokenizer = CliRun.of("eval", GPT.resolve("gpt.onnx").toString(), words.toString(), "--window", "16",
                "--tokenizer", words.toString());
        assertNotEquals(Main.OK, tokenizer.exitCode(), tokenizer.toString());
        assertTrue(tokenizer.err().contains("words.txt: is not a tokenizer Hugging Face's tokenizers library "
                + "reads"), tokenizer.err());
        assertFalse(tokenizer.err().contains("\n\tat "), "no stack trace: " + tokenizer.err());
        // Windows without labels for a decoder that is not recognised alone (two inputs): the refusal names the task.
        CliRun hf = CliRun.of("eval", HF.resolve("decoder_model.onnx").toString(), HF.resolve("report.npz").toString());
        assertNotEquals(Main.OK, hf.exitCode(), hf.toString());
        assertTrue(hf.err().contains("windows of token ids for a causal language model need none: give --task "
                + "next-token"), hf.err());
    }
}

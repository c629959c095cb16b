package org.odf2nna.data;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.LongConsumer;
import org.odf2nna.InputException;

/**
 * The token ids of a text file, streamed: its bytes as they are (a byte-level model's vocabulary of 256, as nanoGPT's
 * character models and {@code train_byte_gpt.py} read text), or the ids a Hugging Face {@code tokenizer.json} gives,
 * through Hugging Face's own tokenizers library (the Rust code {@code transformers} runs, by DJL's binding), with no
 * special tokens added. A tokenizer reads the text a paragraph block at a time (about {@link #CHUNK} characters cut at
 * a line's end), so memory holds one block, never the file; a word is never cut, and a line break starts a new
 * pre-token in the byte-level BPEs of GPT-2 and its kin, so the ids are those of the whole text read at once.
 */
public final class TextTokens {

    /** Characters a tokenizer reads at a time (cut at the next line's end). */
    static final int CHUNK = 1 << 20;

    private TextTokens() {
    }

    /**
     * Feeds every token id of {@code text} to {@code sink}, in order: its bytes where {@code tokenizer} is null, else
     * the ids of that {@code tokenizer.json}.
     *
     * @throws InputException where a file cannot be read, or the tokenizer file is not one
     */
    public static void read(Path text, Path tokenizer, LongConsumer sink) {
        if (!Files.isRegularFile(text)) {
            throw new InputException(text, null, "is not a file of text");
        }
        if (tokenizer == null) {
            bytes(text, sink);
        } else {
            tokenized(text, tokenizer, sink);
        }
    }

    private static void bytes(Path text, LongConsumer sink) {
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(text)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                for (int i = 0; i < n; i++) {
                    sink.accept(buffer[i] & 0xff);
                }
            }
        } catch (IOException e) {
            throw new InputException(text, null, "cannot be read: " + e.getMessage());
        }
    }

    private static void tokenized(Path text, Path tokenizer, LongConsumer sink) {
        try (HuggingFaceTokenizer t = open(tokenizer);
                BufferedReader in = Files.newBufferedReader(text, StandardCharsets.UTF_8)) {
            StringBuilder block = new StringBuilder();
            String line;
            while ((line = in.readLine()) != null) {
                block.append(line).append('\n');
                if (block.length() >= CHUNK) {
                    encode(t, block, sink);
                }
            }
            encode(t, block, sink);
        } catch (IOException | UncheckedIOException e) {
            throw new InputException(text, null, "cannot be read as UTF-8 text: " + e.getMessage());
        }
    }

    private static void encode(HuggingFaceTokenizer t, StringBuilder block, LongConsumer sink) {
        if (block.length() == 0) {
            return;
        }
        Encoding e = t.encode(block.toString(), false, false);
        for (long id : e.getIds()) {
            sink.accept(id);
        }
        block.setLength(0);
    }

    private static HuggingFaceTokenizer open(Path tokenizer) {
        if (!Files.isRegularFile(tokenizer)) {
            throw new InputException(tokenizer, null, "is not a file (a Hugging Face tokenizer.json)");
        }
        try {
            // No truncation, padding or special tokens: the windows are cut from the ids as they come.
            return HuggingFaceTokenizer.newInstance(tokenizer, Map.of("addSpecialTokens", "false",
                    "truncation", "false", "padding", "false", "modelMaxLength", String.valueOf(Integer.MAX_VALUE)));
        } catch (IOException | RuntimeException e) {
            throw new InputException(tokenizer, null, "is not a tokenizer Hugging Face's tokenizers library reads: "
                    + e.getMessage());
        }
    }
}

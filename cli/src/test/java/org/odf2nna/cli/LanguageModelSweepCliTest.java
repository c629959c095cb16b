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

/**
 * {@code sweep --task next-token} on the tiny GPT of {@code library/src/test/resources/corpus/tiny-gpt}: its rounds
 * judged by perplexity on the validation windows (the original's as torch computes it), the bound's rule in the
 * choice, the written round's perplexity on the report windows the one {@code eval} then measures, and its speed
 * judged on int64 ids (never a float tensor fed to them).
 */
class LanguageModelSweepCliTest {

    private static final Path FOLDER = Path.of("library/src/test/resources/corpus/tiny-gpt");

    @TempDir
    Path dir;

    private CliRun sweep(String... more) {
        String[] args = {"sweep", FOLDER.resolve("gpt.onnx").toString(), "--train", FOLDER.resolve("train.npz")
            .toString(), "--validation", FOLDER.resolve("validation.npz").toString(), "--eval",
            FOLDER.resolve("report.npz").toString(), "-o", dir.resolve("small.onnx").toString()};
        String[] all = java.util.Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        return CliRun.of(all);
    }

    /**
     * At a perplexity rise of 150% allowed, 512 windows certify rounds 1 to 3 by betting (+9%, +46% and +103%
     * measured; an unchanged model would pass from about 4·13/ln 2.5 = 57 windows) and not round 4 (+169%): round 3
     * is written. Every round is retrained end to end on the next token at every position (an epoch kept, not the
     * refit's "-").
     */
    @Test
    void theRoundWithinTheBoundIsWrittenAndEvalAgreesWithTheTable() throws Exception {
        CliRun run = sweep("--task", "next-token", "--max-drop", "150");
        assertEquals(Main.OK, run.exitCode(), run.toString());
        assertTrue(run.out().contains("val. PPL") && run.out().contains("the perplexity at most 150% above"),
                run.out());
        // The original's parameters (torch's 30,080: the causal mask is none) and validation perplexity, as
        // torch.json records it (3.99695).
        assertTrue(run.out().matches("(?s).*original\\s+30080\\s+3\\.997\\s+74\\.93%.*"), run.out());
        Matcher written = Pattern.compile("\\n  3 +2h-40-1h-40 +16544 +[0-9.]+ +[0-9.]+ +[12] .* ([0-9.]+)  <- "
                + "written").matcher(run.out());
        assertTrue(written.find(), run.out());
        assertTrue(run.out().contains("rounds retrain end to end on the next token at every position"), run.out());
        assertTrue(run.out().contains("\n  4 x "), "round 4 does not hold: " + run.out());
        assertTrue(run.out().contains("betting test (Waudby-Smith and Ramdas 2024)"), run.out());
        assertFalse(run.err().contains("without its speed judged") || run.err().contains("tensor(float)"),
                run.err());
        Path small = dir.resolve("small.onnx");
        assertTrue(Files.isRegularFile(small));
        CliRun eval = CliRun.of("eval", small.toString(), FOLDER.resolve("report.npz").toString());
        assertEquals(Main.OK, eval.exitCode(), eval.toString());
        assertTrue(eval.out().contains("perplexity " + written.group(1) + " "), written.group(1) + " in the table; "
                + eval.out());
    }

    /**
     * Without {@code --task} the windows are recognised as a language model's; at the default 5%, 512 windows are too
     * few for the betting test (an unchanged model needs about 4·13/ln 1.05 = 1,066): nothing is written, and the rule
     * says how many it needs.
     */
    @Test
    void recognisedWithoutTaskTheDefaultAsksForMoreWindowsThanTheTinyCorpusHas() {
        CliRun run = sweep();
        assertEquals(Main.NOTHING_QUALIFIED, run.exitCode(), run.toString());
        assertTrue(run.out().contains("val. PPL") && run.out().contains("the perplexity at most 5% above"),
                run.out());
        assertTrue(run.out().contains("even with no change at all it needs"), run.out());
    }
}

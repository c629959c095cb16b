package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * convert on rows of the user's (issue 47): --eval prints the metric before and after, --validation judges the written
 * model against the original as a sweep judges one candidate and writes nothing when the promise is not kept.
 */
class ConvertChecksCliTest {

    private static final String MODEL = "models/digits_8x8-128-64-10_relu.onnx";
    private static final String TEST = "examples/digits/digits-test.csv.gz";

    @TempDir
    Path dir;

    @Test
    void evalPrintsTheAccuracyBeforeAndAfterInt8() {
        Path out = dir.resolve("digits.int8.onnx");
        CliRun run = CliRun.of("-q", "convert", MODEL, "-o", out.toString(), "--quantize", "int8", "--eval", TEST);
        assertEquals(0, run.exitCode(), run.toString());
        Matcher m = Pattern.compile("eval  " + Pattern.quote(TEST) + ": original accuracy 97\\.77%, macro F1 [0-9.]+; "
                + "written accuracy ([0-9.]+)%, macro F1 [0-9.]+").matcher(run.out());
        assertTrue(m.find(), run.out());
        assertTrue(Double.parseDouble(m.group(1)) > 90, run.out());
        assertTrue(Files.exists(out));
    }

    @Test
    void validationRowsJudgeTheWrittenModelAndRefuseWhatBreaksThePromise() throws IOException {
        Path out = dir.resolve("digits.int8.onnx");
        CliRun kept = CliRun.of("-q", "convert", MODEL, "-o", out.toString(), "--quantize", "int8", "--validation",
                TEST, "--max-drop", "5");
        assertEquals(0, kept.exitCode(), kept.toString());
        assertTrue(kept.out().contains("valid 359 validation rows: "), kept.out());
        assertTrue(kept.out().contains("; the promise holds, at most 5 points lost: "), kept.out());
        assertTrue(Files.exists(out));
        Files.delete(out);

        // 359 rows cannot vouch for a tenth of a point even if no prediction changed: nothing is written.
        CliRun refused = CliRun.of("-q", "convert", MODEL, "-o", out.toString(), "--quantize", "int8",
                "--validation", TEST, "--max-drop", "0.1");
        assertEquals(Main.NOTHING_QUALIFIED, refused.exitCode(), refused.toString());
        List<String> lines = refused.err().lines().toList();
        assertEquals(1, lines.size(), refused.toString());
        assertTrue(lines.get(0).startsWith("odf2nna-onnx: error: " + out + ": not written: on the validation rows "
                + TEST + ", 0 of 359 predictions changed"), lines.get(0));
        assertTrue(lines.get(0).contains("may lose more than 0.1 accuracy points"), lines.get(0));
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(), left.toList(), "nothing written, no hidden folder left");
        }
    }

    @Test
    void maxDropWithoutValidationRowsIsAUsageError() {
        CliRun run = CliRun.of("convert", MODEL, "-o", dir.resolve("x.onnx").toString(), "--max-drop", "1");
        assertEquals(Main.USAGE, run.exitCode(), run.toString());
        assertTrue(run.err().contains("--max-drop needs --validation"), run.err());
        assertFalse(Files.exists(dir.resolve("x.onnx")));
    }
}

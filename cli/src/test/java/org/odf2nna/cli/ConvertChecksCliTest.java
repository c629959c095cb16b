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
        CliRun run = CliRun.of("-q", "convert", MODEL, "-o", out.toString(), "--quantize", "int8", "--int8-everywhere", "--eval", TEST);
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
        CliRun kept = CliRun.of("-q", "convert", MODEL, "-o", out.toString(), "--quantize", "int8", "--int8-everywhere", "--validation",
                TEST, "--max-drop", "5");
        assertEquals(0, kept.exitCode(), kept.toString());
        assertTrue(kept.out().contains("valid 359 validation rows: "), kept.out());
        assertTrue(kept.out().contains("; the promise holds, at most 5 points lost: "), kept.out());
        assertTrue(Files.exists(out));
        Files.delete(out);

        // 359 rows cannot vouch for a tenth of a point even if no prediction changed: nothing is written.
        CliRun refused = CliRun.of("-q", "convert", MODEL, "-o", out.toString(), "--quantize", "int8", "--int8-everywhere",
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
    void aRegressorIsJudgedOnOutputsClippedToTheRangeItRecords() throws IOException {
        String regressor = "models/diabetes_10-32-32-1_tanh_norm.onnx";
        String rows = "examples/diabetes/diabetes-test.csv";
        Path out = dir.resolve("diabetes.int8.onnx");
        // No recorded range: the bound has no range to clip to, and says so in one line.
        CliRun bare = CliRun.of("-q", "convert", regressor, "-o", out.toString(), "--quantize", "int8", "--int8-everywhere",
                "--validation", rows);
        assertEquals(Main.USAGE, bare.exitCode(), bare.toString());
        assertEquals(1, bare.err().lines().count(), bare.toString());
        assertTrue(bare.err().contains("records no training targets' range (odf2nna.output_range"), bare.err());
        assertFalse(Files.exists(out));

        // The training targets' range recorded (as a sweep writes it): the empirical-Bernstein bound judges; 88 rows
        // cannot vouch for 10% of the MSE over a range of [25, 346], so nothing is written.
        Path ranged = withRange(regressor, 25, 346, "ranged.onnx");
        CliRun judged = CliRun.of("-q", "convert", ranged.toString(), "-o", out.toString(), "--quantize", "int8", "--int8-everywhere",
                "--validation", rows);
        assertEquals(Main.NOTHING_QUALIFIED, judged.exitCode(), judged.toString());
        assertTrue(judged.err().contains("empirical-Bernstein bound") && judged.err().contains("[25, 346]")
                && judged.err().contains("the MSE rose by"), judged.err());
        assertFalse(Files.exists(out));

        // A validation target outside the recorded range cannot be judged on clipped outputs: refused, naming the row.
        Path narrow = withRange(regressor, 100, 200, "narrow.onnx");
        CliRun outside = CliRun.of("-q", "convert", narrow.toString(), "-o", out.toString(), "--quantize", "int8", "--int8-everywhere",
                "--validation", rows);
        assertEquals(Main.NOTHING_QUALIFIED, outside.exitCode(), outside.toString());
        assertTrue(outside.err().contains("lies outside the training targets' range [100, 200]"), outside.err());
        assertFalse(Files.exists(out));
    }

    /** {@code model} with its output clipped to [lo, hi] and the range recorded, as a regression sweep writes it. */
    private Path withRange(String model, float lo, float hi, String name) throws IOException {
        org.odf2nna.onnx.proto.OnnxProto.ModelProto proto = org.odf2nna.onnx.proto.OnnxProto.ModelProto.parseFrom(
                Files.readAllBytes(Path.of(model)));
        Path path = dir.resolve(name);
        Files.write(path, org.odf2nna.onnx.OutputClip.apply(proto, proto.getGraph().getOutput(0).getName(), lo, hi)
                .toByteArray());
        return path;
    }

    @Test
    void maxDropWithoutValidationRowsIsAUsageError() {
        CliRun run = CliRun.of("convert", MODEL, "-o", dir.resolve("x.onnx").toString(), "--max-drop", "1");
        assertEquals(Main.USAGE, run.exitCode(), run.toString());
        assertTrue(run.err().contains("--max-drop needs --validation"), run.err());
        assertFalse(Files.exists(dir.resolve("x.onnx")));
    }
}

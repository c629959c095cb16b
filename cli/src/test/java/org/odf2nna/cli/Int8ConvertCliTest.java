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
 * convert --quantize int8 judged as a user would (issue 56): the static form with --eval and --validation is judged as
 * a graph in ONNX Runtime (it was read back as a dense chain and always failed), whichever form plain int8 picks;
 * the int8 file is timed beside the float model and both ratios printed; its size is taken against the float ONNX
 * (a Keras input's own file holds more); the check on generated rows counts changed predictions, not a largest
 * output difference.
 */
class Int8ConvertCliTest {

    private static final String MODEL = "models/digits_8x8-128-64-10_relu.onnx";
    private static final String TEST = "examples/digits/digits-test.csv.gz";
    private static final String TRAIN = "examples/digits/digits-train.csv.gz";

    @TempDir
    Path dir;

    @Test
    void theStaticFormWithEvalAndValidationIsWrittenAndReportsItsAccuracy() {
        Path out = dir.resolve("digits.static.onnx");
        CliRun run = CliRun.of("-q", "convert", MODEL, "-o", out.toString(), "--quantize", "int8-static", "--train",
                TRAIN, "--eval", TEST, "--validation", TEST, "--max-drop", "3", "--timing-batch", "64");
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("static form (asked for)"), run.out());
        Matcher m = Pattern.compile("eval  " + Pattern.quote(TEST) + ": original accuracy 97\\.77%, macro F1 [0-9.]+; "
                + "written accuracy ([0-9.]+)%").matcher(run.out());
        assertTrue(m.find(), run.out());
        assertTrue(Double.parseDouble(m.group(1)) > 95, run.out());
        assertTrue(run.out().contains("valid 359 validation rows: "), run.out());
        assertTrue(Files.exists(out));
        assertFalse(run.out().contains("within") && run.out().contains("of the original's in ONNX Runtime"),
                "an int8 file is not checked by its largest output difference:\n" + run.out());
        assertTrue(run.out().matches("(?s).*checked on 256 training rows in ONNX Runtime: \\d+ of 256 predictions "
                + "changed from the original's \\([0-9.]+%\\).*"), run.out());
        assertTrue(run.out().contains("% of the float ONNX file (" + size(MODEL) + " bytes)"), run.out());
        assertTrue(run.out().matches("(?s).*speed int8 against float in ONNX Runtime \\(1 thread each, median of 5 "
                + "interleaved repetitions\\): batch 1 latency [0-9.]+× the float file's \\([0-9.]+ against [0-9.]+ "
                + "µs\\); batch 64 [0-9.]+× its rows per second.*"), run.out());
    }

    /** int8 picks its form by a timing: with --eval it passes whichever it picks. */
    @Test
    void plainInt8WithTrainingRowsAndEvalPassesWhicheverFormItPicks() {
        for (int i = 0; i < 2; i++) {
            Path out = dir.resolve("digits." + i + ".onnx");
            CliRun run = CliRun.of("-q", "convert", MODEL, "-o", out.toString(), "--quantize", "int8", "--train", TRAIN,
                    "--eval", TEST, "--timing-batch", "0");
            assertEquals(0, run.exitCode(), run.toString());
            assertTrue(run.out().contains("written accuracy"), run.out());
            assertFalse(run.out().contains("speed "), "--timing-batch 0 times nothing:\n" + run.out());
        }
    }

    /** A Keras input: the size is taken against the float ONNX of the same network, the .keras size said beside. */
    @Test
    void aKerasInputIsSizedAgainstTheFloatOnnxOfTheSameNetwork() throws Exception {
        Path keras = Path.of("examples/keras/iris_4-16-16-3_relu.keras");
        Path out = dir.resolve("iris.int8.onnx");
        CliRun run = CliRun.of("-q", "convert", keras.toString(), "-o", out.toString(), "--quantize", "int8",
                "--timing-batch", "16");
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("% of the float ONNX of the same network (")
                && run.out().contains("the input file holds " + Files.size(keras) + " bytes"), run.out());
        assertTrue(run.out().contains("predictions changed from the original's"), run.out());
    }

    private static long size(String file) {
        try {
            return Files.size(Path.of(file));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}

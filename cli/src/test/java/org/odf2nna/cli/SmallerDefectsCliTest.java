package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The smaller first-hour defects of issue 47 as a user meets them on the command line: the validation rows of another
 * file called "held out", bench --shrunk given an int8 file quantized again, and an int8 sweep's choice on one line of
 * 1,500 characters.
 */
class SmallerDefectsCliTest {

    private static final String IRIS = "models/iris_4-16-16-3_relu.onnx";
    private static final String TRAIN = "examples/iris/iris-train.csv";
    private static final String TEST = "examples/iris/iris-test.csv";

    @TempDir
    Path dir;

    @Test
    void validationRowsOfTheirOwnFileAreNotCalledHeldOutAndTheInt8ChoiceIsOnShortLines() {
        CliRun run = CliRun.of("-q", "sweep", IRIS, "--eval", TEST, "--train", TRAIN, "--validation", TEST,
                "--max-drop", "20", "--share", "0.5", "--retrain-epochs", "3", "--quantize", "int8", "-o",
                dir.resolve("iris.int8.onnx").toString());
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("Retrained with TensorFlow on " + TRAIN + " (validation: " + TEST + "): 120 "
                + "training rows, 30 validation rows;"), run.out());
        assertFalse(run.out().contains("held out for validation"), run.out());
        List<String> chosen = run.out().lines().dropWhile(l -> !l.startsWith("Chosen:  "))
                .takeWhile(l -> l.startsWith("Chosen:  ") || l.startsWith("         ")).toList();
        assertTrue(chosen.size() > 3, "the choice, a line per sentence and per layer: " + run.out());
        assertTrue(String.join(" ", chosen).contains("Weights int8 with a scale per unit"), run.out());
        assertTrue(chosen.stream().allMatch(l -> l.length() < 500), "no line of the choice is 500 characters or "
                + "more: " + chosen.stream().mapToInt(String::length).max().orElse(0));
    }

    @Test
    void benchRefusesAnInt8ShrunkModelInsteadOfQuantizingItAgain() {
        Path int8 = dir.resolve("iris.int8.onnx");
        CliRun convert = CliRun.of("convert", IRIS, "-o", int8.toString(), "--quantize", "int8",
                "--int8-everywhere");
        assertEquals(0, convert.exitCode(), convert.toString());
        CliRun run = CliRun.of("bench", "inference", "--model", IRIS, "--data", TEST, "--shrunk", int8.toString(),
                "--repeats", "1", "--work", dir.resolve("work").toString());
        assertEquals(Main.USAGE, run.exitCode(), run.toString());
        assertEquals("odf2nna-onnx: error: " + int8 + ": holds int8 weights already; give --shrunk the float model it "
                + "was quantized from: the benchmark measures it as float, then as int8 on integer kernels and as "
                + "int8-weights, each against the original", run.err().strip());
    }
}

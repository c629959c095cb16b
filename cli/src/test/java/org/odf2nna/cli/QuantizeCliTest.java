package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.OnnxModelFile;

/** --quantize int8: convert end to end, and the refusals (one line, exit 2, nothing written). */
class QuantizeCliTest {

    static final Path IRIS = MainTest.IRIS;
    static final Path DIGITS = MainTest.DIGITS;

    @TempDir
    Path dir;

    @Test
    void convertWritesInt8WeightsThatReadBackAndScoreLikeTheOriginal() throws Exception {
        Path out = dir.resolve("digits.int8.onnx");
        CliRun run = CliRun.of("convert", DIGITS.toString(), "-o", out.toString(), "--quantize", "int8");
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("int8  weights int8"), run.out());
        assertTrue(Files.size(out) < 0.35 * Files.size(DIGITS), Files.size(out) + " bytes");
        assertTrue(OnnxModelFile.read(out).getGraph().getNodeList().stream()
                .anyMatch(n -> n.getOpType().equals("DequantizeLinear")));
        assertEquals(DenseChainReader.read(DIGITS).network().architecture(),
                DenseChainReader.read(out).network().architecture());
        CliRun original = CliRun.of("eval", "-q", DIGITS.toString(), "examples/digits/digits-test.csv.gz");
        CliRun int8 = CliRun.of("eval", "-q", out.toString(), "examples/digits/digits-test.csv.gz");
        assertEquals(0, int8.exitCode(), int8.toString());
        double a = accuracy(original.out());
        double b = accuracy(int8.out());
        assertTrue(Math.abs(a - b) <= 1.0, a + " vs " + b);
    }

    @Test
    void badQuantizeRequestsAreRefusedInOneLineWithoutWriting() {
        String[][] cases = {
            {"convert", IRIS.toString(), "-o", dir.resolve("a.onnx").toString(), "--quantize", "int4"},
            {"convert", IRIS.toString(), "-o", dir.resolve("a.keras").toString(), "--quantize", "int8"},
            {"convert", IRIS.toString(), "-o", dir.resolve("a").toString(), "--format", "savedmodel", "--quantize",
                "int8"},
            {"shrink", IRIS.toString(), "--eval", "examples/iris/iris-test.csv", "--format", "keras", "-o",
                dir.resolve("a.keras").toString(), "--quantize", "int8"},
            {"shrink", IRIS.toString(), "--eval", "examples/iris/iris-test.csv", "--epsilon", "0.1", "-o",
                dir.resolve("a.onnx").toString(), "--quantize", "int8"},
            {"sweep", IRIS.toString(), "--eval", "examples/iris/iris-test.csv", "--train",
                "examples/iris/iris-test.csv", "-o", dir.resolve("a.keras").toString(), "--quantize", "int8"},
            {"sweep", IRIS.toString(), "--eval", "examples/iris/iris-test.csv", "--train",
                "examples/iris/iris-test.csv", "-o", dir.resolve("a.onnx").toString(), "--quantize", "int8",
                "--schedule", "epsilon"},
        };
        for (String[] args : cases) {
            CliRun run = CliRun.of(args);
            assertEquals(2, run.exitCode(), String.join(" ", args) + "\n" + run);
            assertEquals(1, run.err().strip().lines().count(), run.err());
            assertTrue(run.err().contains("--quantize"), run.err());
            assertFalse(Files.exists(dir.resolve("a.onnx")) || Files.exists(dir.resolve("a.keras"))
                    || Files.exists(dir.resolve("a")), String.join(" ", args));
        }
    }

    private static double accuracy(String out) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("accuracy ([0-9.]+)%").matcher(out);
        assertTrue(m.find(), out);
        return Double.parseDouble(m.group(1));
    }
}

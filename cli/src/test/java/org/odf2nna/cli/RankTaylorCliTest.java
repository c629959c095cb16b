package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --rank taylor} (issue 58): a graph's sweep takes it; a dense chain refuses it in one line, and ranks by cost
 * under the default ({@code auto}).
 */
class RankTaylorCliTest {

    @TempDir
    Path dir;

    @Test
    void aGraphSweepRanksByTaylor() throws IOException {
        Path model = Files.write(dir.resolve("ffn.onnx"), GraphBlocksCliTest.classifier().toByteArray());
        Path out = dir.resolve("out.onnx");
        Path report = dir.resolve("report.json");
        CliRun run = CliRun.of("sweep", model.toString(), "--train", GraphBlocksCliTest.randomRows(
                dir.resolve("train.csv"), 300, 1).toString(), "--validation", GraphBlocksCliTest.randomRows(
                dir.resolve("validation.csv"), 400, 2).toString(), "--max-drop", "20", "--accept-chance",
                "--graph-retrain", "sequential", "--rank", "taylor", "-o", out.toString(), "--report",
                report.toString());
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(Files.exists(out), run.toString());
        assertTrue(Files.readString(report).contains("\"taylor\""), "the report names the ranking");
    }

    @Test
    void aChainRanksByCostUnderTheDefault() throws IOException {
        byte[][] written = new byte[2][];
        String[] ranks = {"auto", "cost"};
        for (int i = 0; i < 2; i++) {
            Path out = dir.resolve("iris-" + ranks[i] + ".onnx");
            CliRun run = CliRun.of("sweep", "models/iris_4-16-16-3_relu.onnx", "--train",
                    "examples/iris/iris-train.csv", "--validation", "examples/iris/iris-test.csv", "--max-drop", "20",
                    "--rank", ranks[i], "-o", out.toString());
            assertEquals(0, run.exitCode(), run.toString());
            written[i] = Files.readAllBytes(out);
        }
        assertTrue(java.util.Arrays.equals(written[0], written[1]), "auto and cost write the same chain");
    }

    @Test
    void aChainRefusesTaylorInOneLine() {
        Path out = dir.resolve("iris.onnx");
        CliRun run = CliRun.of("sweep", "models/iris_4-16-16-3_relu.onnx", "--train", "examples/iris/iris-train.csv",
                "--validation", "examples/iris/iris-test.csv", "--max-drop", "20", "--rank", "taylor", "-o",
                out.toString());
        assertEquals(2, run.exitCode(), run.toString());
        List<String> errors = run.err().lines().filter(l -> l.startsWith("odf2nna-onnx: error:")).toList();
        assertEquals(1, errors.size(), run.toString());
        assertTrue(errors.get(0).contains("iris_4-16-16-3_relu.onnx: --rank taylor applies to graphs"), errors.get(0));
        assertFalse(Files.exists(out));
    }
}

package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --clip-inputs where it cannot apply: one line naming the option, exit 2, nothing written. */
class ClipInputsCliTest {

    private static final String IRIS = "models/iris_4-16-16-3_relu.onnx";
    private static final String TEST = "examples/iris/iris-test.csv";

    @TempDir
    Path dir;

    @Test
    void refusedInOneLineWithoutTrainingRowsOrOutsideProgressivePruning() {
        String out = dir.resolve("a.onnx").toString();
        String[][] cases = {
            {"shrink", IRIS, "--eval", TEST, "-o", out, "--clip-inputs"},
            {"shrink", IRIS, "--eval", TEST, "--train", TEST, "--epsilon", "0.1", "-o", out, "--clip-inputs"},
            {"sweep", IRIS, "--eval", TEST, "--train", TEST, "-o", out, "--clip-inputs", "--schedule", "epsilon"},
        };
        for (String[] args : cases) {
            CliRun run = CliRun.of(args);
            assertEquals(2, run.exitCode(), String.join(" ", args) + "\n" + run);
            assertEquals(1, run.err().strip().lines().count(), run.err());
            assertTrue(run.err().contains("--clip-inputs"), run.err());
            assertFalse(Files.exists(dir.resolve("a.onnx")), String.join(" ", args));
        }
        assertTrue(CliRun.of(cases[0]).err().contains("--train"));
    }
}

package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.onnx.TestModels;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * Issue 56: a dense chain's progressive sweep runs without --eval (those rows only report: the table then has no OR,
 * PWR, PR, and no chart is written), what needs them is refused in one line; and a CNN's table counts the whole model
 * (its convolutions, kept as they are, included), with the head's own count said beside it.
 */
class ChainSweepWithoutEvalCliTest {

    private static final String IRIS = "models/iris_4-16-16-3_relu.onnx";
    private static final String IRIS_TRAIN = "examples/iris/iris-train.csv";
    private static final String IRIS_TEST = "examples/iris/iris-test.csv";

    @TempDir
    Path dir;

    @Test
    void aChainSweepRunsWithoutEvalRowsAndItsTableHasNoReportColumns() throws Exception {
        Path out = dir.resolve("chosen.onnx");
        CliRun run = CliRun.of("-q", "sweep", IRIS, "--train", IRIS_TRAIN, "--validation", IRIS_TEST, "--max-drop",
                "20", "--retrain-epochs", "1", "-o", out.toString());
        assertTrue(run.exitCode() == 0 || run.exitCode() == 3, run.toString());
        assertTrue(run.out().contains("no test rows given, so no OR, PWR or PR"), run.out());
        assertFalse(run.out().contains("\nOR "), run.out());
        assertTrue(run.out().contains("round 1"), run.out());
        assertEquals(run.exitCode() == 0, Files.exists(out), run.toString());
        try (Stream<Path> files = Files.list(dir)) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().contains("chart")), "no chart without --eval");
        }
    }

    @Test
    void whatIsMeasuredOnEvalRowsAloneIsRefusedWithoutThem() {
        for (List<String> extra : List.of(List.of("--paper"), List.of("--chart", dir.resolve("c").toString()),
                List.of("--compare-scratch"))) {
            List<String> args = new java.util.ArrayList<>(List.of("sweep", IRIS, "--train", IRIS_TRAIN,
                    "--validation", IRIS_TEST, "-o", dir.resolve("x.onnx").toString()));
            args.addAll(extra);
            CliRun run = CliRun.of(args.toArray(new String[0]));
            assertEquals(Main.USAGE, run.exitCode(), extra + ": " + run);
            assertEquals(1, run.err().strip().lines().count(), run.err());
            assertTrue(run.err().contains("on test rows: give them with --eval"), run.err());
        }
    }

    @Test
    void aCnnsTableCountsTheWholeModel() throws Exception {
        ModelProto cnn = TestModels.dense(8, 16, 3).prefix(TestModels.Prefix.CONV).head(TestModels.Head.SOFTMAX)
                .build().model();
        long whole = 0;
        for (TensorProto t : cnn.getGraph().getInitializerList()) {
            long n = 1;
            for (long d : t.getDimsList()) {
                n *= d;
            }
            whole += t.getDataType() == TensorProto.DataType.FLOAT_VALUE ? n : 0;
        }
        long chain = 8 * 16 + 16 + 16 * 3 + 3;
        assertTrue(whole > chain, "the convolution has weights of its own: " + whole);
        Path model = BadInputMatrixTest.save(dir, "cnn.onnx", cnn);
        Path train = rows(dir.resolve("train.csv"), 300, 1);
        Path validation = rows(dir.resolve("validation.csv"), 300, 2);
        CliRun run = CliRun.of("-q", "sweep", model.toString(), "--train", train.toString(), "--validation",
                validation.toString(), "--eval", rows(dir.resolve("test.csv"), 100, 3).toString(), "--max-drop", "50",
                "--retrain-epochs", "1", "--accept-chance", "-o", dir.resolve("cnn.chosen.onnx").toString());
        assertTrue(run.exitCode() == 0 || run.exitCode() == 3, run.toString());
        assertTrue(run.out().contains(", " + whole + " parameters)"), "Model line, whole model: " + run.out());
        assertTrue(run.out().contains(whole + " → "), "the table's counts start from the whole model: " + run.out());
        assertFalse(run.out().contains(chain + " → "), run.out());
        if (run.exitCode() == 0) {
            assertTrue(run.out().contains("of the head alone: " + chain + " -> "), run.out());
        }
    }

    /** Rows of a [N, 1, 2, 2] input (4 columns) with labels of 3 classes. */
    private static Path rows(Path p, int n, long seed) throws java.io.IOException {
        Random random = new Random(seed);
        StringBuilder s = new StringBuilder("x0,x1,x2,x3,label\n");
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < 4; c++) {
                s.append(String.format(java.util.Locale.ROOT, "%.4f,", random.nextDouble() * 2 - 1));
            }
            s.append(random.nextInt(3)).append('\n');
        }
        return Files.writeString(p, s);
    }
}

package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rows the original scores no better than chance on are refused (issue 47): exit 1, one line, nothing written, unless
 * --accept-chance; on the chain path (shrink, sweep) and the graph path (the digits MLP-Mixer's sweep and evolve on
 * transposed images, where the original scores 13%, above 1/10 but chance all the same).
 */
class ChanceRefusalCliTest {

    private static final String CHAIN = "models/digits_8x8-128-64-10_relu.onnx";
    private static final String MIXER = "models/digits_mixer_8x8_gelu.onnx";
    private static final Path DIGITS = Path.of("examples/digits");

    @TempDir
    Path dir;

    @Test
    void shrinkRefusesEvaluationRowsWithAnotherLabelUnlessAccepted() throws IOException {
        // Each label moved to the next digit: the model agrees with none of them.
        Path rows = rewrite("digits-test.csv.gz", "shifted.csv", row -> {
            String[] v = row.split(",");
            v[64] = Integer.toString((Integer.parseInt(v[64]) + 1) % 10);
            return String.join(",", v);
        });
        Path out = dir.resolve("small.onnx");
        CliRun refused = CliRun.of("-q", "shrink", CHAIN, "--eval", rows.toString(), "-e", "0.3", "-o", out.toString());
        assertRefused(refused, rows, "the evaluation rows");
        CliRun accepted = CliRun.of("-q", "shrink", CHAIN, "--eval", rows.toString(), "-e", "0.3", "-o",
                out.toString(), "--accept-chance");
        assertEquals(0, accepted.exitCode(), accepted.toString());
        assertTrue(Files.exists(dir.resolve("small.eps0.3.onnx")) || Files.exists(out), accepted.toString());
    }

    @Test
    void theChainSweepRefusesEvaluationRowsReadInAnotherLayout() throws IOException {
        Path rows = rewrite("digits-test.csv.gz", "transposed-test.csv", ChanceRefusalCliTest::transposed);
        CliRun run = CliRun.of("-q", "sweep", CHAIN, "--eval", rows.toString(), "--train",
                DIGITS.resolve("digits-train.csv.gz").toString(), "--validation",
                DIGITS.resolve("digits-test.csv.gz").toString(), "-o", dir.resolve("chosen.onnx").toString());
        assertRefused(run, rows, "the evaluation rows");
    }

    @Test
    void theGraphSweepRefusesTransposedValidationRowsUnlessAccepted() throws IOException {
        Path validation = rewrite("digits-holdout.csv.gz", "transposed-holdout.csv", ChanceRefusalCliTest::transposed);
        List<String> args = List.of("-q", "sweep", MIXER, "--eval", DIGITS.resolve("digits-test.csv.gz").toString(),
                "--train", DIGITS.resolve("digits-mixer-train.csv.gz").toString(), "--validation",
                validation.toString(),
                "--share", "0.5", "--graph-retrain", "sequential", "--max-drop", "50", "-o",
                dir.resolve("chosen.onnx").toString());
        assertRefused(CliRun.of(args.toArray(new String[0])), validation, "the validation rows");
        List<String> accepting = new ArrayList<>(args);
        accepting.add("--accept-chance");
        CliRun accepted = CliRun.of(accepting.toArray(new String[0]));
        assertTrue(accepted.exitCode() == 0 || accepted.exitCode() == Main.NOTHING_QUALIFIED, accepted.toString());
        assertFalse(accepted.err().contains("no better than chance"), accepted.toString());
    }

    @Test
    void evolveOnAGraphRefusesTransposedValidationRowsUnlessAccepted() throws IOException {
        Path validation = rewrite("digits-holdout.csv.gz", "transposed-holdout.csv", ChanceRefusalCliTest::transposed);
        List<String> args = List.of("-q", "evolve", MIXER, "--train",
                DIGITS.resolve("digits-mixer-train.csv.gz").toString(), "--validation", validation.toString(),
                "--population", "4", "--evaluations", "8", "--graph-retrain", "sequential", "-o",
                dir.resolve("evolved.onnx").toString());
        assertRefused(CliRun.of(args.toArray(new String[0])), validation, "the validation rows");
        List<String> accepting = new ArrayList<>(args);
        accepting.add("--accept-chance");
        CliRun accepted = CliRun.of(accepting.toArray(new String[0]));
        assertEquals(0, accepted.exitCode(), accepted.toString());
        assertTrue(Files.exists(dir.resolve("evolved.onnx")), accepted.toString());
    }

    private void assertRefused(CliRun run, Path rows, String rowsName) throws IOException {
        assertEquals(Main.FAILED, run.exitCode(), run.toString());
        List<String> lines = run.err().lines().toList();
        assertEquals(1, lines.size(), run.toString());
        assertTrue(lines.get(0).startsWith("odf2nna-onnx: error: " + rows + ": on " + rowsName + " the original "
                + "scores "), lines.get(0));
        assertTrue(lines.get(0).contains("no better than chance (Cohen's κ ") && lines.get(0).contains(
                "Nothing was written (--accept-chance goes on anyway)"), lines.get(0));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().endsWith(".onnx")).toList(),
                    "nothing written");
        }
    }

    /** The 8×8 image of a row read column by column. */
    private static String transposed(String row) {
        String[] v = row.split(",");
        List<String> out = new ArrayList<>();
        for (int r = 0; r < 8; r++) {
            for (int c = 0; c < 8; c++) {
                out.add(v[c * 8 + r]);
            }
        }
        out.add(v[64]);
        return String.join(",", out);
    }

    private Path rewrite(String example, String name, UnaryOperator<String> row) throws IOException {
        List<String> lines;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(
                Files.newInputStream(DIGITS.resolve(example))), StandardCharsets.UTF_8))) {
            lines = r.lines().toList();
        }
        List<String> out = new ArrayList<>(List.of(lines.get(0)));
        lines.subList(1, lines.size()).forEach(l -> out.add(row.apply(l)));
        return Files.write(dir.resolve(name), out);
    }
}

package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * eval's label column (issue 47): found by name (label, labels, target, class, y, or --label); a guessed one, the last column,
 * is said, refused when it holds no labels, and a model at chance on the rows is warned of.
 */
class EvalLabelColumnCliTest {

    private static final String MODEL = "models/digits_8x8-128-64-10_relu.onnx";

    @TempDir
    Path dir;

    @Test
    void aLabelColumnFirstUnderAnotherNameIsNotTakenForTheLastPixel() throws IOException {
        Path csv = labelFirst("digit", false);
        CliRun run = CliRun.of("eval", MODEL, csv.toString());
        assertEquals(Main.FAILED, run.exitCode(), run.toString());
        String line = run.err().strip();
        assertTrue(line.startsWith("odf2nna-onnx: error: " + csv + ": line "), line);
        assertTrue(line.endsWith("that column was taken as the label because it is the last (column 65 of 65, "
                + "'pixel63') and no column is named label, labels, target, class or y: name the label column with --label"),
                line);
        CliRun named = CliRun.of("eval", MODEL, csv.toString(), "--label", "digit");
        assertEquals(0, named.exitCode(), named.toString());
        assertTrue(named.out().contains("accuracy 97.77%"), named.toString());
    }

    @Test
    void classAndYNameTheLabelWhereverItStands() throws IOException {
        for (String name : new String[] {"class", "y", "Class", "labels"}) {
            CliRun run = CliRun.of("eval", MODEL, labelFirst(name, false).toString());
            assertEquals(0, run.exitCode(), name + ": " + run);
            assertTrue(run.out().contains("accuracy 97.77%"), name + ": " + run);
            assertTrue(!run.out().contains("Label  "), "a named label column needs no word: " + run);
        }
    }

    @Test
    void aGuessedColumnThatPassesForLabelsIsSaidAndChanceIsWarnedOf() throws IOException {
        // The last pixel set to 0 everywhere: a column of valid class ids, but not the labels.
        Path csv = labelFirst("digit", true);
        CliRun run = CliRun.of("eval", MODEL, csv.toString());
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("Label  column 65 of 65, 'pixel63': the last column, as no column is named "
                + "label, labels, target, class or y (name another with --label)"), run.toString());
        assertTrue(run.err().startsWith("odf2nna-onnx: warning: the model scores "), run.toString());
        assertTrue(run.err().contains("no better than chance (Cohen's κ"), run.toString());
    }

    /** The digits test rows with the label moved to the front under {@code name}, the last pixel zeroed if asked. */
    private Path labelFirst(String name, boolean zeroLastPixel) throws IOException {
        List<String> lines;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(
                Path.of("examples/digits/digits-test.csv.gz"))), StandardCharsets.UTF_8))) {
            lines = r.lines().toList();
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String[] v = lines.get(i).split(",");
            if (i > 0 && zeroLastPixel) {
                v[63] = "0";
            }
            out.add((i == 0 ? name : v[64]) + "," + String.join(",", java.util.Arrays.copyOf(v, 64)));
        }
        return Files.write(dir.resolve(name + (zeroLastPixel ? "-zero" : "") + ".csv"), out);
    }
}

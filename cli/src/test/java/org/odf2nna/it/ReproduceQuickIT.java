package org.odf2nna.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.harness.reproduce.PaperFigures;
import org.odf2nna.harness.reproduce.ReproTable;
import org.odf2nna.harness.reproduce.Reproducer;
import org.odf2nna.harness.reproduce.Results.DatasetResult;
import org.odf2nna.harness.reproduce.Results.Row;
import org.odf2nna.harness.reproduce.Results.TableResult;
import org.odf2nna.harness.reproduce.ResultsMarkdown;

/**
 * {@code reproduce table1 --only iris --quick} end to end through the launcher: it writes a RESULTS-like
 * Markdown and its JSON, the Markdown's figures are the JSON's, the figures agree with each other and with
 * the data files, and a second run with the same seed measures the same figures.
 */
class ReproduceQuickIT {

    @TempDir
    Path dir;

    @Test
    void quickTableOneOnIrisWritesConsistentResults() throws Exception {
        Path root = Shared.require();
        Path out = dir.resolve("a/RESULTS.md");
        Shared.Result run = Shared.launch(dir, "-q", "reproduce", "table1", "--only", "iris", "--quick", "--shared",
                root.toString(), "--out", out.toString());
        assertEquals(0, run.exitCode(), run.toString());
        Path json = dir.resolve("a/results/table1.json");
        assertTrue(Files.isRegularFile(json), run.toString());

        String md = Files.readString(out);
        for (String heading : new String[] {"# Reproducing ODF2NNA's experiments", "## Where the paper's figures come from",
            "## Protocol", "## Summary", ResultsMarkdown.heading(ReproTable.TABLE1)}) {
            assertTrue(md.lines().anyMatch(l -> l.equals(heading)), heading + " in\n" + md);
        }
        assertTrue(md.contains("Regenerate: `bin/odf2nna-onnx reproduce table1 --shared " + root + " --out " + out
                + " --quick`"), md);
        assertTrue(md.contains("reproduce nothing"), "quick figures say so");

        TableResult table = Reproducer.read(json);
        assertNotNull(table);
        assertTrue(table.protocol().quick());
        assertEquals(1, table.datasets().size());
        DatasetResult iris = table.datasets().get(0);
        assertEquals("iris", iris.id());
        assertTrue(iris.run().command().endsWith("--only iris"), iris.run().command());

        // The figures agree with the data files and with each other.
        long trainRows = Files.readAllLines(root.resolve(iris.data().train())).size() - 1;
        long testRows = Files.readAllLines(root.resolve(iris.data().test())).size() - 1;
        assertEquals(trainRows, iris.data().trainRows() + iris.data().validationRows());
        assertEquals(testRows, iris.data().testRows());
        assertEquals(Math.round(0.2 * trainRows), iris.data().validationRows());
        assertTrue(!iris.outcome().rows().isEmpty(), "at least one ε");
        for (Row r : iris.outcome().rows()) {
            assertTrue(r.size().parameters() <= iris.original().parameters(), r.toString());
            assertEquals(100.0 * (iris.original().parameters() - r.size().parameters()) / iris.original().parameters(),
                    r.size().reductionPercent(), 1e-9);
            assertTrue(r.size().weights() < r.size().parameters());
            assertTrue(r.retrained().epochsRun() <= iris.method().retrainEpochs());
            // Accuracy on 30 rows is a multiple of 1/30.
            assertEquals(0, (r.pr().accuracy() * testRows) % 1, 1e-9);
            assertTrue(Double.isNaN(r.pr().auc()) && Double.isNaN(r.pr().mse()), "three classes: no AUC, no MSE");
        }
        List<Row> rows = iris.outcome().rows();
        for (int i = 1; i < rows.size(); i++) {
            assertTrue(rows.get(i).epsilon() > rows.get(i - 1).epsilon());
            assertTrue(rows.get(i).size().parameters() <= rows.get(i - 1).size().parameters(), "larger ε, fewer units");
        }
        if (iris.outcome().chosen() != null) {
            Row c = iris.chosenRow();
            // The choice read validation figures only: within 1 point of the original's, and the smallest such.
            assertTrue(c.retrained().validationAfter() >= iris.outcome().originalValidation() - 0.01 - 1e-12);
            assertTrue(c.retrained().changeFromOriginal() <= 0.01 + 1e-12);
            for (Row r : iris.outcome().rows()) {
                if (r.size().parameters() < c.size().parameters()) {
                    assertTrue(r.retrained().validationAfter() < iris.outcome().originalValidation() - 0.01 - 1e-12
                            || r.retrained().changeFromOriginal() > 0.01 + 1e-12, "a smaller model passed: " + r);
                }
            }
            String line = md.lines().filter(l -> l.startsWith("| iris | ")).findFirst().orElseThrow();
            assertTrue(line.contains(iris.original().architecture() + " → " + c.size().architecture()), line);
            assertTrue(line.contains(iris.original().parameters() + " → " + c.size().parameters()), line);
            assertTrue(line.contains(ResultsMarkdown.pct(iris.original().test().accuracy())), line);
            assertTrue(line.contains(ResultsMarkdown.pct(c.pwr().accuracy())), line);
            assertTrue(line.contains(ResultsMarkdown.pct(c.pr().accuracy())), line);
            assertTrue(line.contains(ResultsMarkdown.num(c.pr().macroF1())), line);
            assertTrue(line.contains("| " + PaperFigures.NOT_AVAILABLE + " |"), line);
        }
        for (Row r : iris.outcome().rows()) {
            String line = md.lines().filter(l -> l.startsWith("| " + ResultsMarkdown.num(r.epsilon()) + " | "
                    + r.size().architecture() + " |")).findFirst().orElseThrow(() -> new AssertionError("row " + r));
            assertTrue(line.contains(ResultsMarkdown.pct(r.pwr().accuracy()) + " | "
                    + ResultsMarkdown.pct(r.pr().accuracy())), line);
        }

        // Rendering is a function of the JSON: --render-only rewrites the same document.
        Shared.Result render = Shared.launch(dir, "reproduce", "--render-only", "--out", out.toString());
        assertEquals(0, render.exitCode(), render.toString());
        assertEquals(md, Files.readString(out));

        // Same seed, same figures (only the timing and the command differ).
        Path again = dir.resolve("b/RESULTS.md");
        Shared.Result second = Shared.launch(dir, "-q", "reproduce", "table1", "--only", "iris", "--quick",
                "--shared", root.toString(), "--out", again.toString());
        assertEquals(0, second.exitCode(), second.toString());
        DatasetResult repeat = Reproducer.read(dir.resolve("b/results/table1.json")).datasets().get(0);
        assertEquals(iris.outcome().rows(), repeat.outcome().rows());
        assertEquals(iris.original(), repeat.original());
        assertEquals(iris.outcome().chosen(), repeat.outcome().chosen());
        assertEquals(List.of(iris.outcome().scratch()), List.of(repeat.outcome().scratch()));
    }
}

package org.odf2nna.harness.reproduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.odf2nna.InputException;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.harness.reproduce.Results.DatasetResult;
import org.odf2nna.harness.reproduce.Results.Figures;
import org.odf2nna.harness.reproduce.Results.Row;
import org.odf2nna.harness.reproduce.Results.TableResult;

/**
 * The Markdown is made from the stored records alone: figures round-trip through JSON (NaN included), every
 * figure of a row appears in the row rendered for it, and no paper number is printed.
 */
class ResultsMarkdownTest {

    @TempDir
    Path dir;

    static Figures classification(double accuracy, double f1, double auc) {
        return new Figures(accuracy, f1, auc, Double.NaN, Double.NaN, Double.NaN);
    }

    static Figures regression(double mse) {
        return new Figures(Double.NaN, Double.NaN, Double.NaN, mse, 2 * mse, 0.5);
    }

    /** A classifier pruned at three ε, the middle one chosen. */
    static DatasetResult classifier(String id, String command) {
        Results.Model original = new Results.Model("4-8-8-3", 139, Reproducer.weights("4-8-8-3"),
                classification(0.9, 0.88, Double.NaN));
        List<Row> rows = List.of(
                row(0, "4-6-7-3", 110, 139, classification(0.9, 0.88, Double.NaN),
                        classification(0.9333333, 0.91, Double.NaN), new Results.Retrained(3, 2, 0.875, 0.9, 0.0)),
                row(0.25, "4-3-3-3", 39, 139, classification(0.8, 0.7, Double.NaN),
                        classification(0.9, 0.89, Double.NaN), new Results.Retrained(3, 3, 0.8, 0.9, 0.005)),
                row(1.5, "4-1-1-3", 21, 139, classification(0.3333, 0.2, Double.NaN),
                        classification(0.6, 0.5, Double.NaN), new Results.Retrained(3, 3, 0.3, 0.55, 0.4)));
        Results.General general = new Results.General("NU = ... -> 8", 300, 120, 90, 32, 0.01, 30, 0.9);
        return new DatasetResult(id, data(id, "classification", 96, 24, 30), original, general,
                new Results.Method("derived", "3 epochs", 3), new Results.Outcome(0.9, rows, 1,
                        "ε=0.25: the smallest model", new Results.Scratch("4-3-3-3", classification(0.7, 0.6,
                                Double.NaN), 3)), new Results.Run(12.5, command, "2026-01-01T00:00:00Z", List.of()),
                null);
    }

    static DatasetResult regressor(String id, String command) {
        Results.Model original = new Results.Model("5-4-1", 29, Reproducer.weights("5-4-1"), regression(2.0));
        List<Row> rows = List.of(row(0.1, "5-2-1", 15, 29, regression(3.0), regression(1.9),
                new Results.Retrained(2, 2, 2.5, 2.05, 0.1)));
        return new DatasetResult(id, data(id, "regression", 80, 20, 25), original, null,
                new Results.Method("derived", "2 epochs", 2), new Results.Outcome(2.0, rows, 0, "ε=0.1", null),
                new Results.Run(3.25, command, "2026-01-01T00:00:00Z",
                        List.of("Left out of `x`: 1 row whose target is not a class")), null);
    }

    /** A row at {@code epsilon} of a network of {@code architecture}, pruned from one of {@code originalParameters}. */
    static Row row(double epsilon, String architecture, long parameters, long originalParameters, Figures pwr,
            Figures pr, Results.Retrained retrained) {
        return new Row(epsilon, new Results.Size(architecture, parameters, Reproducer.weights(architecture),
                100.0 * (originalParameters - parameters) / originalParameters), pwr, pr, retrained);
    }

    /** A table of {@code datasets} as {@code reproduce} names it; settings, method, tool and machine "s" ... "x". */
    static TableResult table(ReproTable t, boolean quick, List<DatasetResult> datasets) {
        return new TableResult(t.heading(), new Results.Protocol("bin/odf2nna-onnx reproduce " + t.heading().id(),
                quick, "s", "m"), "t", "x", datasets);
    }

    /** The split files of {@code id} under data/splits. */
    static Results.Data data(String id, String task, int trainRows, int validationRows, long testRows) {
        return new Results.Data("data/splits/" + id + "-train.csv", "data/splits/" + id + "-test.csv", task,
                trainRows, validationRows, testRows);
    }

    @Test
    void tablesRoundTripThroughJsonWithNaN() throws Exception {
        TableResult table = new TableResult(new Results.Heading("table1", ReproTable.TABLE1.heading().title(),
                "Table 1"), new Results.Protocol("bin/odf2nna-onnx reproduce table1", false, "settings", "method"),
                "tool", "machine", List.of(classifier("iris", "bin/odf2nna-onnx reproduce table1")));
        Path json = dir.resolve("results/table1.json");
        Files.createDirectories(json.getParent());
        Files.writeString(json, Reproducer.json(table));
        assertTrue(Files.readString(json).contains("\"auc\": null"), "NaN is written as null, not left out");
        TableResult back = Reproducer.read(json);
        assertEquals(table, back);
        assertTrue(Double.isNaN(back.datasets().get(0).original().test().auc()));
        assertEquals(List.of(back), Reproducer.stored(dir.resolve("RESULTS.md")));
        // A stored table that lacks a field is refused with its name, not read as zero.
        Files.writeString(json, Files.readString(json).replace("\"trainRows\"", "\"trainingRows\""));
        InputException e = assertThrows(InputException.class, () -> Reproducer.read(json));
        assertTrue(e.getMessage().contains("field 'datasets[0].trainRows' is missing"), e.getMessage());
    }

    @Test
    void everyRowShowsItsOwnFigures() {
        DatasetResult d = classifier("spambase", "bin/odf2nna-onnx reproduce spambase");
        TableResult table = table(ReproTable.SPAMBASE, false, List.of(d));
        String md = ResultsMarkdown.render(List.of(table));
        assertTrue(md.contains(ResultsMarkdown.heading(ReproTable.SPAMBASE)));
        assertTrue(md.contains("Regenerate: `bin/odf2nna-onnx reproduce spambase`"));
        for (int i = 0; i < d.outcome().rows().size(); i++) {
            Row r = d.outcome().rows().get(i);
            String line = rowLine(md, "| " + ResultsMarkdown.num(r.epsilon()) + " | " + r.size().architecture() + " |");
            assertTrue(line.contains("| " + r.size().parameters() + " |"), line);
            assertTrue(line.contains(ResultsMarkdown.pct(r.pwr().accuracy())), line);
            assertTrue(line.contains(ResultsMarkdown.pct(r.pr().accuracy())), line);
            assertTrue(line.contains("| " + PaperFigures.NOT_AVAILABLE + " |"), line);
            assertEquals(d.outcome().chosen() == i, line.contains("✔"), line);
        }
        // The rows the rule passed over for being too small say what the rule saw.
        assertTrue(rowLine(md, "| 1.5 | 4-1-1-3 |").contains("failed the choice rule: validation 55.00% vs OR's 90.00%"));
        assertTrue(md.contains("not yet run") || md.contains("not run yet"), "tables not stored are listed as not run");
        assertFalse(md.contains("--quick runs"), "a full run is not labelled quick");
        // In hindsight, ε = 0.25 (PR 90%, OR 90%) is the smallest within a point; ε = 1.5 (60%) is not.
        assertEquals(d.outcome().rows().get(1), ResultsMarkdown.hindsight(d));
        assertTrue(md.contains("spambase: 71.9% at ε = 0.25 (PR +0.00 accuracy points vs OR)"), md);
    }

    @Test
    void theDefaultsStandBesideThePapersRuleAndRoundTrip() throws Exception {
        DatasetResult paperOnly = classifier("iris", "bin/odf2nna-onnx reproduce table1");
        DatasetResult held = paperOnly.withDefaults(new Results.Defaults("4-2-1-3", 26, 100.0 * (139 - 26) / 139,
                classification(0.8666667, 0.85, Double.NaN), 7, "round 5: the smallest model", 4.5));
        DatasetResult none = regressor("pole", "bin/odf2nna-onnx reproduce table1").withDefaults(
                new Results.Defaults(null, 29, 0, null, 3, "no round kept the promise", 2.0));
        TableResult table = table(ReproTable.TABLE1, false, List.of(held, none));
        String md = ResultsMarkdown.render(List.of(table));
        String line = rowLine(md, "| iris | 71.9% (4-3-3-3) |");
        assertTrue(line.contains("| 81.3% (4-2-1-3) | -3.33 accuracy points vs OR | 7 | 4.5 s |")
                || line.contains("| 81.3% (4-2-1-3) | -3.33 accuracy points vs OR | 7 |"), line);
        assertTrue(rowLine(md, "| pole | 48.3% (5-2-1) |").contains("| nothing written (exit 3): no round held | - | 3 |"),
                md);
        assertEquals("nothing written (exit 3): too few validation rows to certify", ResultsMarkdown.nothingWritten(
                new Results.Defaults(null, 0, 0, null, 0, "x.csv: 68 rows cannot certify a loss of at most 1 point",
                        1)));
        assertEquals("nothing written (exit 3): the original was trained on the validation rows",
                ResultsMarkdown.nothingWritten(new Results.Defaults(null, 0, 0, null, 0, "train.csv: the original "
                        + "scores 99% on them: the original was most likely trained on them, and rows it was trained "
                        + "on cannot certify its loss on new rows", 1)));
        // The wall time of a table counts both runs.
        assertEquals(12.5 + 4.5 + 3.25 + 2.0, table.seconds(), 1e-9);
        Path json = dir.resolve("results/table1.json");
        Files.createDirectories(json.getParent());
        Files.writeString(json, Reproducer.json(table));
        assertEquals(table, Reproducer.read(json));

        TableResult old = table(ReproTable.TABLE1, false, List.of(paperOnly));
        assertTrue(ResultsMarkdown.render(List.of(old)).contains("**The tool's defaults** were not run on this table"));
    }

    @Test
    void tableOneShowsTheChosenModelAndChecksTheAbstractsClaim() {
        DatasetResult d = classifier("iris", "bin/odf2nna-onnx reproduce table1");
        TableResult table = table(ReproTable.TABLE1, true, List.of(d));
        String md = ResultsMarkdown.render(List.of(table));
        Row c = d.chosenRow();
        assertNotNull(c);
        String line = rowLine(md, "| iris | " + d.original().architecture() + " → " + c.size().architecture() + " |");
        assertTrue(line.contains(d.original().parameters() + " → " + c.size().parameters()), line);
        assertTrue(line.contains(ResultsMarkdown.pct(d.original().test().accuracy())), line);
        assertTrue(line.contains(ResultsMarkdown.pct(c.pr().accuracy())), line);
        assertTrue(line.contains(ResultsMarkdown.num(c.pr().macroF1())), line);
        assertTrue(line.contains(ResultsMarkdown.pct(d.outcome().scratch().test().accuracy())), line);
        // 71.9% fewer parameters and no accuracy lost: the abstract's claim holds for this made-up row.
        assertTrue(line.contains("meets the abstract's claim"), line);
        assertTrue(md.contains("reproduce nothing"), "quick figures are labelled as such");
        assertTrue(md.contains("> " + PaperFigures.CLAIM));
    }

    @Test
    void regressionRowsGiveMse() {
        DatasetResult d = regressor("pole", "bin/odf2nna-onnx reproduce regression");
        TableResult table = table(ReproTable.REGRESSION, false, List.of(d));
        String md = ResultsMarkdown.render(List.of(table));
        Row r = d.outcome().rows().get(0);
        String line = rowLine(md, "| 0.1 | 5-2-1 |");
        assertTrue(line.contains("| " + ResultsMarkdown.num(r.pwr().mse()) + " | " + ResultsMarkdown.num(r.pr().mse())
                + " |"), line);
        // 48.3% fewer parameters: short of the claim, and nothing smaller was tried.
        assertTrue(line.contains("not >70%: no ε of the grid pruned more"), line);
        assertTrue(md.contains("### pole"));
        assertTrue(md.contains("- Left out of `x`: 1 row whose target is not a class.\n"), "notes are printed");
    }

    @Test
    void rowsThatAreNotClassesAreLeftOutAndCounted() throws Exception {
        Path csv = dir.resolve("t.csv");
        Files.writeString(csv, "a,b,label\n1,2,0\n3,4,9\n5,6,13\n7,8,1.5\n");
        List<String> notes = new java.util.ArrayList<>();
        Path copy = Reproducer.validClassRows(csv, 10, dir.resolve("copy.csv"), notes, "t.csv");
        assertEquals(List.of("a,b,label", "1,2,0", "3,4,9"), Files.readAllLines(copy));
        assertEquals(List.of("Left out of `t.csv`: 2 rows whose target is not a class id 0..9: line 4 (target 13), "
                + "line 5 (target 1.5)"), notes);
    }

    @Test
    void weightsCountNoBiases() {
        assertEquals(4 * 10 + 10 * 3, Reproducer.weights("4-10-3"));
        assertEquals(784 * 300 + 300 * 100 + 100 * 10, Reproducer.weights("784-300-100-10"));
    }

    @Test
    void theEquationIsKeptWhenAWidthIsGiven() {
        assertEquals("width 1000 given; eq. 2 would give NU = (60000 - 10) / (784 + 2*(10+1)) = 74.429",
                Reproducer.sizing("NU = (60000 - 10) / (784 + 2*(10+1)) = 74.429 -> 1000", 1000));
        assertEquals("NU = x = 7.3 -> 7", Reproducer.sizing("NU = x = 7.3 -> 7", null));
    }

    @Test
    void timesReadNaturally() {
        assertEquals("42 s", ResultsMarkdown.time(42.2));
        assertEquals("3 min 05 s", ResultsMarkdown.time(185));
        assertEquals("1 h 02 min", ResultsMarkdown.time(3725));
    }

    @Test
    void everyTableHasItsExperimentsAndNotes() {
        for (ReproTable t : ReproTable.values()) {
            for (boolean quick : new boolean[] {false, true}) {
                assertFalse(t.experiments(quick).isEmpty(), t.heading().id());
                assertFalse(t.settings(quick).isBlank(), t.heading().id());
            }
            assertTrue(t.reasons().startsWith("- "), t.heading().id());
            assertEquals(t, ReproTable.byId(t.heading().id()));
        }
        assertEquals(List.of("mnist-1000x2", "mnist-1000x3", "mnist-1000x4", "mnist-1000x5", "mnist-1000x6"),
                ReproTable.TABLE3.datasetIds(false));
    }

    private static String rowLine(String md, String start) {
        return md.lines().filter(l -> l.startsWith(start)).findFirst()
                .orElseThrow(() -> new AssertionError("no row starting with " + start + " in\n" + md));
    }
}

package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rows that cannot lie (issue 46): validation rows among the training rows are refused, exit 3, one line with the
 * count, nothing written, on the dense chain's path (sweep, shrink) and the graph path; an honest split runs.
 */
class RowsKeptApartCliTest {

    private static final String IRIS = "models/iris_4-16-16-3_relu.onnx";
    private static final Path IRIS_TRAIN = Path.of("examples/iris/iris-train.csv");
    private static final String IRIS_TEST = "examples/iris/iris-test.csv";
    private static final String MIXER = "models/digits_mixer_8x8_gelu.onnx";
    private static final Path DIGITS = Path.of("examples/digits");
    private static final String REFUSED = "odf2nna-onnx: error: ";

    @TempDir
    Path dir;

    private CliRun chainSweep(Path validation) {
        return CliRun.of("-q", "sweep", IRIS, "--eval", IRIS_TEST, "--train", IRIS_TRAIN.toString(), "--validation",
                validation.toString(), "--max-drop", "20", "--share", "0.5", "--retrain-epochs", "2", "-o",
                dir.resolve("small.onnx").toString());
    }

    @Test
    void theChainSweepRefusesItsTrainingFileAsValidation() throws IOException {
        CliRun run = chainSweep(IRIS_TRAIN);
        assertRefused(run, "the validation file " + IRIS_TRAIN + " is the training file " + IRIS_TRAIN
                + " (the same file): 120 of the 120 validation rows in " + IRIS_TRAIN + " also appear among the 120 "
                + "training rows in " + IRIS_TRAIN + "; rows the model was steered on certify nothing");
    }

    @Test
    void theChainSweepRefusesACopyOfItsTrainingFileAndRowsTakenFromIt() throws IOException {
        Path copy = Files.copy(IRIS_TRAIN, dir.resolve("validation.csv"));
        assertRefused(chainSweep(copy), "(the same bytes under another name): 120 of the 120 validation rows in "
                + copy);
        // Forty training rows, in another order: beyond what the training rows' two repeats explain.
        List<String> lines = Files.readAllLines(IRIS_TRAIN);
        List<String> some = new ArrayList<>(lines.subList(41, 81));
        java.util.Collections.reverse(some);
        some.add(0, lines.get(0));
        Path taken = Files.write(dir.resolve("taken.csv"), some);
        assertRefused(chainSweep(taken), "40 of the 40 validation rows in " + taken + " also appear among the 120 "
                + "training rows in " + IRIS_TRAIN + " (2 of the training rows repeat another, 1.67%, which explains "
                + "about 0.7 shared rows; as many or more by chance: below 1e-12)");
    }

    @Test
    void shrinkWithTrainingRowsRefusesItsTrainingFileAsValidation() throws IOException {
        CliRun run = CliRun.of("-q", "shrink", IRIS, "--eval", IRIS_TEST, "--train", IRIS_TRAIN.toString(),
                "--validation", IRIS_TRAIN.toString(), "--retrain-epochs", "2", "-o",
                dir.resolve("small.onnx").toString());
        assertRefused(run, "120 of the 120 validation rows in " + IRIS_TRAIN);
    }

    @Test
    void anHonestSplitRunsAndSaysNothingOfSharedRows() {
        CliRun run = chainSweep(Path.of(IRIS_TEST));
        assertTrue(run.exitCode() == Main.OK || run.exitCode() == Main.NOTHING_QUALIFIED, run.toString());
        assertFalse(run.err().contains("appear among"), run.toString());
    }

    private List<String> graphSweep(Path train, Path validation) {
        return List.of("-q", "sweep", MIXER, "--eval", DIGITS.resolve("digits-test.csv.gz").toString(), "--train",
                train.toString(), "--validation", validation.toString(), "--share", "0.5", "--graph-retrain",
                "sequential", "--max-drop", "50", "-o", dir.resolve("chosen.onnx").toString());
    }

    @Test
    void theGraphSweepRefusesItsTrainingFileARenamedCopyAndTheRowsItTrainsOn() throws IOException {
        Path train = DIGITS.resolve("digits-train.csv.gz");
        assertRefused(CliRun.of(graphSweep(train, train).toArray(new String[0])), "the validation file " + train
                + " is the training file " + train + " (the same file): 1438 of the 1438 validation rows in " + train);
        Path copy = Files.copy(train, dir.resolve("fresh.csv.gz"));
        assertRefused(CliRun.of(graphSweep(train, copy).toArray(new String[0])), "(the same bytes under another "
                + "name): 1438 of the 1438 validation rows in " + copy);
        // The holdout rows are digits-train's last 438: a sweep that retrains on digits-train is steered on them.
        Path holdout = DIGITS.resolve("digits-holdout.csv.gz");
        assertRefused(CliRun.of(graphSweep(train, holdout).toArray(new String[0])), "438 of the 438 validation rows "
                + "in " + holdout + " also appear among the 1438 training rows in " + train + " (no training row "
                + "repeats another, so chance explains none)");
    }

    @Test
    void theGraphSweepOnRowsKeptApartRuns() {
        CliRun run = CliRun.of(graphSweep(DIGITS.resolve("digits-mixer-train.csv.gz"),
                DIGITS.resolve("digits-holdout.csv.gz")).toArray(new String[0]));
        assertTrue(run.exitCode() == Main.OK || run.exitCode() == Main.NOTHING_QUALIFIED, run.toString());
        assertFalse(run.err().contains("appear among"), run.toString());
    }

    @Test
    void validationRowsTheOriginalWasTrainedOnAreToldByItsScoreOnThem() {
        // The Mixer was trained on digits-mixer-train: there it scores far above its score on the report rows. (Notes
        // go with the progress display, which -q turns off.)
        CliRun graph = CliRun.of(graphSweep(DIGITS.resolve("digits-holdout.csv.gz"),
                DIGITS.resolve("digits-mixer-train.csv.gz")).subList(1, 17).toArray(new String[0]));
        assertTrue(graph.exitCode() == Main.OK || graph.exitCode() == Main.NOTHING_QUALIFIED, graph.toString());
        assertTrue(graph.err().lines().anyMatch(l -> l.startsWith("odf2nna-onnx: note: the original scores ")
                && l.contains(" on the 1000 validation rows in " + DIGITS.resolve("digits-mixer-train.csv.gz"))
                && l.contains("the validation rows may have been trained on")), graph.toString());
        // The chain was trained on all of digits-train; its test rows train the sweep here.
        CliRun chain = CliRun.of("sweep", "models/digits_8x8-128-64-10_relu.onnx", "--eval",
                DIGITS.resolve("digits-test.csv.gz").toString(), "--train", DIGITS.resolve("digits-test.csv.gz")
                .toString(), "--validation", DIGITS.resolve("digits-train.csv.gz").toString(), "--max-drop", "20",
                "--share", "0.5", "--retrain-epochs", "1", "-o", dir.resolve("chain.onnx").toString());
        assertTrue(chain.exitCode() == Main.OK || chain.exitCode() == Main.NOTHING_QUALIFIED, chain.toString());
        assertTrue(chain.err().lines().anyMatch(l -> l.contains("on the 1438 validation rows in ")
                && l.contains("may have been trained on")), chain.toString());
        // Rows it never saw as validation rows, shown as the first run was (without -q): nothing said.
        CliRun honest = CliRun.of(graphSweep(DIGITS.resolve("digits-mixer-train.csv.gz"),
                DIGITS.resolve("digits-holdout.csv.gz")).subList(1, 17).toArray(new String[0]));
        assertTrue(honest.exitCode() == Main.OK || honest.exitCode() == Main.NOTHING_QUALIFIED, honest.toString());
        assertFalse(honest.err().contains("may have been trained on"), honest.toString());
    }

    /** Exit 3, one line on standard error holding {@code words}, and no model written. */
    private void assertRefused(CliRun run, String words) throws IOException {
        assertEquals(Main.NOTHING_QUALIFIED, run.exitCode(), run.toString());
        List<String> lines = run.err().lines().toList();
        assertEquals(1, lines.size(), run.toString());
        assertTrue(lines.get(0).startsWith(REFUSED) && lines.get(0).contains(words), lines.get(0));
        assertTrue(lines.get(0).endsWith("validate on rows kept apart from the training rows"), lines.get(0));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().endsWith(".onnx")).toList(),
                    "nothing written");
        }
    }
}

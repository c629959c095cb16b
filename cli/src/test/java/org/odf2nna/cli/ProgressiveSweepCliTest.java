package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.onnx.DenseChainReader;

/** The default sweep (progressive pruning, distillation, the certified choice) as a user runs it, on the examples. */
class ProgressiveSweepCliTest {

    static final String MODEL = "models/iris_4-16-16-3_relu.onnx";
    static final Path TRAIN = Path.of("examples/iris/iris-train.csv");
    static final Path TEST = Path.of("examples/iris/iris-test.csv");

    @TempDir
    Path dir;

    /** 400 rows like iris's training rows that no model here saw, without labels. */
    Path fresh() throws IOException {
        return FreshRows.unlabelled(TRAIN, 400, 0.05, 1, dir.resolve("fresh.csv"));
    }

    /** The training rows without their label column (the last), as features.csv. */
    Path unlabelledTrain() throws IOException {
        Path unlabelled = dir.resolve("features.csv");
        StringBuilder s = new StringBuilder();
        for (String line : Files.readAllLines(TRAIN)) {
            s.append(line, 0, line.lastIndexOf(',')).append('\n');
        }
        Files.writeString(unlabelled, s);
        return unlabelled;
    }

    @Test
    void choosesTheSmallestRoundWhoseBoundHoldsAndWritesItWithItsChart() throws IOException {
        Path out = dir.resolve("small.onnx");
        Path report = dir.resolve("sweep.json");
        CliRun run = CliRun.of("-q", "sweep", MODEL, "--eval", TEST.toString(), "--train", TRAIN.toString(),
                "--validation", fresh().toString(), "-o", out.toString(), "--report", report.toString(),
                "--retrain-epochs", "8", "--share", "0.3", "--compare-scratch");
        JsonObject json = JsonParser.parseString(Files.readString(report)).getAsJsonObject();
        JsonArray outcomes = json.getAsJsonObject("table").getAsJsonArray("outcomes");
        assertTrue(outcomes.size() >= 1, run.toString());
        assertTrue(json.get("grid").getAsString().contains("in their order, each at the whole 5%, up to the first that "
                + "fails"), json.get("grid").toString());
        Integer expected = null;
        long smallest = Long.MAX_VALUE;
        int judged = 0;
        boolean failed = false;
        for (int i = 0; i < outcomes.size(); i++) {
            JsonObject o = outcomes.get(i).getAsJsonObject();
            assertEquals("round " + (i + 1), o.get("step").getAsString());
            // Epochs were picked on training rows: the validation rows only judge.
            assertEquals("training", o.getAsJsonObject("training").get("watchedRows").getAsString());
            if (!o.has("bound")) {
                continue;
            }
            judged++;
            JsonObject bound = o.getAsJsonObject("bound");
            assertEquals(400, bound.get("rows").getAsInt());
            assertTrue(bound.get("rule").getAsString().contains("exact binomial test at the 5% level that the share "
                    + "of changed predictions on the data these 400 rows come from is at most 1 point"),
                    bound.toString());
            // The population reading: each round of the chain at the whole 5%, in order, until one fails.
            assertEquals(0.95, bound.get("confidence").getAsDouble(), 1e-12, bound.toString());
            boolean holds = !failed && bound.get("certified").getAsDouble() <= bound.get("tolerance").getAsDouble()
                    + 1e-12;
            assertEquals(holds, bound.get("holds").getAsBoolean(), o.toString());
            failed |= !holds;
            long p = o.getAsJsonObject("network").get("parameters").getAsLong();
            if (holds && p < smallest) {
                smallest = p;
                expected = i;
            }
        }
        assertTrue(judged >= 1, "the search went on from at least one round: " + run);
        assertEquals(expected, json.has("chosen") ? json.get("chosen").getAsInt() : null);
        if (expected == null) {
            assertEquals(Main.NOTHING_QUALIFIED, run.exitCode(), run.toString());
            assertFalse(Files.exists(out));
            return;
        }
        assertEquals(0, run.exitCode(), run.toString());
        assertEquals(smallest, DenseChainReader.read(out).network().parameterCount());
        assertTrue(smallest < DenseChainReader.read(Path.of(MODEL)).network().parameterCount());
        // The scratch model has the chosen topology, inputs dropped by the round included (it once crashed there).
        JsonObject chosenNetwork = outcomes.get(json.get("chosen").getAsInt()).getAsJsonObject()
                .getAsJsonObject("network");
        assertEquals(chosenNetwork.get("architecture").getAsString(),
                json.getAsJsonObject("scratch").get("architecture").getAsString(), json.toString());
        assertTrue(json.get("choice").getAsString().contains("The promise (population reading): over repeated runs, "
                + "at most 5% write a model that loses more than 1 accuracy point on the data the validation rows come "
                + "from"), json.get("choice").toString());
        // The chart goes beside the output by default.
        assertTrue(Files.size(dir.resolve("small.chart.png")) > 0);
        assertTrue(Files.readString(dir.resolve("small.chart.svg")).contains("<svg"));
        String signal = json.getAsJsonObject("table").getAsJsonObject("retraining").get("signal").getAsString();
        assertTrue(signal.contains("original network's probabilities") && signal.contains("targets"), signal);
    }

    @Test
    void theNewSetReadingPutsItsFivePercentOnAtMostFiveRoundsPickedOnTrainingRows() throws IOException {
        Path out = dir.resolve("small.onnx");
        Path report = dir.resolve("sweep.json");
        CliRun run = CliRun.of("-q", "sweep", MODEL, "--eval", TEST.toString(), "--train", TRAIN.toString(),
                "--validation", fresh().toString(), "-o", out.toString(), "--report", report.toString(),
                "--retrain-epochs", "3", "--share", "0.3", "--promise", "new-set");
        JsonObject json = JsonParser.parseString(Files.readString(report)).getAsJsonObject();
        assertTrue(json.get("grid").getAsString().contains("the 5% shared equally by at most 5 rounds picked on the "
                + "training rows"), json.get("grid").toString());
        JsonArray outcomes = json.getAsJsonObject("table").getAsJsonArray("outcomes");
        int picked = 0;
        for (int i = 0; i < outcomes.size(); i++) {
            JsonObject o = outcomes.get(i).getAsJsonObject();
            if (o.has("bound") && o.getAsJsonObject("bound").get("confidence").getAsDouble() < 1) {
                picked++;
                assertTrue(o.getAsJsonObject("bound").get("rule").getAsString().contains("a new set of 400 rows"),
                        o.toString());
            }
        }
        assertTrue(picked >= 1 && picked <= 5, picked + " rounds given a part of the 5%: " + run);
        assertTrue(run.exitCode() == 0 || run.exitCode() == Main.NOTHING_QUALIFIED, run.toString());
        assertEquals(run.exitCode() == 0, Files.exists(out), run.toString());
        CliRun bad = CliRun.of("-q", "sweep", MODEL, "--eval", TEST.toString(), "--train", TRAIN.toString(),
                "--promise", "both", "-o",
                dir.resolve("x.onnx").toString());
        assertEquals(2, bad.exitCode(), bad.toString());
        assertTrue(bad.err().contains("--promise must be population or new-set, got 'both'"), bad.toString());
    }

    @Test
    void validationRowsTooFewToCertifyAreOneLineAndNothingIsWritten() {
        // Without --validation, a fifth of iris's 120 training rows is held out: 24 rows certify nothing.
        Path out = dir.resolve("small.onnx");
        CliRun run = CliRun.of("-q", "sweep", MODEL, "--eval", TEST.toString(), "--train", TRAIN.toString(), "-o",
                out.toString(), "--retrain-epochs", "2");
        assertEquals(Main.NOTHING_QUALIFIED, run.exitCode(), run.toString());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().contains(TRAIN.toString()) && run.err().contains("24 validation rows held out of it")
                && run.err().contains("24 rows cannot certify a loss of at most 1 point")
                && run.err().contains("that needs 299 rows") && run.err().contains("--validation")
                && !run.err().contains("{{"), run.err());
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(dir.resolve("small.chart.png")));
    }

    @Test
    void validationRowsTheOriginalWasTrainedOnCannotCertify() {
        // The digits model was trained on every row of digits-train: the 288 rows held out of it are ones it saw, and
        // it scores clearly better there than on the evaluation rows.
        Path out = dir.resolve("digits.onnx");
        CliRun run = CliRun.of("-q", "sweep", "models/digits_8x8-128-64-10_relu.onnx", "--eval",
                "examples/digits/digits-test.csv.gz", "--train", "examples/digits/digits-train.csv.gz", "-o",
                out.toString(), "--retrain-epochs", "2", "--max-drop", "2");
        assertEquals(Main.NOTHING_QUALIFIED, run.exitCode(), run.toString());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().contains("digits-train.csv.gz") && run.err().contains("most likely trained on them")
                && run.err().contains("on the evaluation rows") && run.err().contains("--validation"), run.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void withNoRoundHoldingSaysWhyAndWritesNothing() {
        // Regression with no drop allowed: retraining towards the original lowers the training rows' MSE, so the search
        // goes on, but no bound on 88 rows is below 0%.
        Path out = dir.resolve("none.onnx");
        CliRun run = CliRun.of("-q", "sweep", "models/diabetes_10-32-32-1_tanh_norm.onnx", "--eval",
                "examples/diabetes/diabetes-test.csv", "--train", "examples/diabetes/diabetes-train.csv",
                "--validation", "examples/diabetes/diabetes-test.csv", "-o", out.toString(), "--max-drop", "0",
                "--retrain-epochs", "3", "--report", dir.resolve("none.json").toString());
        assertEquals(Main.NOTHING_QUALIFIED, run.exitCode(), run.toString());
        assertTrue(run.out().contains("kept the loss within 0% of the original's MSE on the 88 validation rows")
                && run.out().contains("no pruned model was written") && run.out().contains("--max-drop")
                && !run.out().contains("{{"), run.out());
        assertFalse(Files.exists(out));
        // The report is written: "nothing was written" would be wrong (issue 56).
        assertTrue(Files.exists(dir.resolve("none.json")));
        assertFalse(run.out().contains("nothing was written"), run.out());
    }

    @Test
    void regressionIsJudgedByAPredictionBoundOnTheValidationRowsOnly() throws IOException {
        Path out = dir.resolve("regression.onnx");
        Path report = dir.resolve("regression.json");
        CliRun run = CliRun.of("-q", "sweep", "models/diabetes_10-32-32-1_tanh_norm.onnx", "--eval",
                "examples/diabetes/diabetes-test.csv", "--train", "examples/diabetes/diabetes-train.csv",
                "--validation", "examples/diabetes/diabetes-test.csv", "-o", out.toString(), "--report",
                report.toString(), "--retrain-epochs", "3", "--max-drop", "20");
        JsonObject json = JsonParser.parseString(Files.readString(report)).getAsJsonObject();
        JsonArray outcomes = json.getAsJsonObject("table").getAsJsonArray("outcomes");
        assertTrue(outcomes.size() >= 1, run.toString());
        for (int i = 0; i < outcomes.size(); i++) {
            JsonObject o = outcomes.get(i).getAsJsonObject();
            assertEquals("training", o.getAsJsonObject("training").get("watchedRows").getAsString());
            if (o.has("bound")) {
                JsonObject bound = o.getAsJsonObject("bound");
                assertTrue(bound.get("rule").getAsString().contains("on the MSE's rise on the data these 88 rows "
                        + "come from"), bound.toString());
            }
        }
        assertTrue(run.out().contains("training-row mse"), run.out());
        if (json.has("chosen")) {
            assertEquals(0, run.exitCode(), run.toString());
            assertEquals(outcomes.get(json.get("chosen").getAsInt()).getAsJsonObject().getAsJsonObject("network")
                    .get("parameters").getAsLong(), DenseChainReader.read(out).network().parameterCount());
        } else {
            assertEquals(Main.NOTHING_QUALIFIED, run.exitCode(), run.toString());
            assertFalse(Files.exists(out));
        }
    }

    @Test
    void trainsWithoutTargetsByDistillation() throws IOException {
        Path unlabelled = unlabelledTrain();
        Path out = dir.resolve("small.onnx");
        Path report = dir.resolve("sweep.json");
        CliRun run = CliRun.of("-q", "sweep", MODEL, "--eval", TEST.toString(), "--train", unlabelled.toString(),
                "--validation", fresh().toString(), "-o", out.toString(), "--report", report.toString(),
                "--retrain-epochs", "5", "--share", "0.3");
        assertTrue(run.exitCode() == 0 || run.exitCode() == Main.NOTHING_QUALIFIED, run.toString());
        JsonObject json = JsonParser.parseString(Files.readString(report)).getAsJsonObject();
        String signal = json.getAsJsonObject("table").getAsJsonObject("retraining").get("signal").getAsString();
        assertTrue(signal.endsWith("only (distillation)"), signal);
        assertEquals(run.exitCode() == 0, Files.exists(out));
    }

    @Test
    void thePapersRuleNeedsTargets() throws IOException {
        Path unlabelled = unlabelledTrain();
        Path out = dir.resolve("small.onnx");
        CliRun run = CliRun.of("-q", "sweep", MODEL, "--eval", TEST.toString(), "--train", unlabelled.toString(),
                "--paper", "-o", out.toString());
        assertEquals(1, run.exitCode(), run.toString());
        assertTrue(run.err().contains(unlabelled.toString()) && run.err().contains("target"), run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void badDistillationAndScheduleOptionsAreUsageErrors() {
        Path out = dir.resolve("small.onnx");
        for (String[] bad : new String[][] {{"--temperature", "0"}, {"--temperature", "-1"},
            {"--target-weight", "1.5"}, {"--share", "1"}, {"--schedule", "random"},
            {"--epsilon", "0.1", "--schedule", "progressive"}, {"--paper", "--share", "0.1"}}) {
            String[] args = new String[9 + bad.length];
            String[] base = {"-q", "sweep", MODEL, "--eval", TEST.toString(), "--train", TRAIN.toString(), "-o",
                out.toString()};
            System.arraycopy(base, 0, args, 0, base.length);
            System.arraycopy(bad, 0, args, base.length, bad.length);
            CliRun run = CliRun.of(args);
            assertEquals(2, run.exitCode(), String.join(" ", bad) + ": " + run);
            String option = bad[0].equals("--paper") ? "--paper" : bad[0];
            assertTrue(run.err().contains(option), run.err());
            assertFalse(Files.exists(out));
        }
    }

    @Test
    void aValidationFileOfTheWrongShapeNamesTheFile() throws IOException {
        Path validation = dir.resolve("narrow.csv");
        Files.writeString(validation, "a,b,label\n1,2,0\n3,4,1\n");
        Path out = dir.resolve("small.onnx");
        CliRun run = CliRun.of("-q", "sweep", MODEL, "--eval", TEST.toString(), "--train", TRAIN.toString(),
                "--validation", validation.toString(), "-o", out.toString());
        assertEquals(1, run.exitCode(), run.toString());
        assertTrue(run.err().contains(validation.toString()), run.err());
        assertFalse(Files.exists(out));
    }
}

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
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.onnx.DenseChainReader;

/** The default sweep (progressive pruning, distillation, the bound) as a user runs it, on the iris example. */
class ProgressiveSweepCliTest {

    static final String MODEL = "models/iris_4-16-16-3_relu.onnx";
    static final Path TRAIN = Path.of("examples/iris/iris-train.csv");
    static final Path TEST = Path.of("examples/iris/iris-test.csv");

    @TempDir
    Path dir;

    @Test
    void choosesTheSmallestRoundWhoseBoundHoldsAndWritesItWithItsChart() throws IOException {
        Path out = dir.resolve("small.onnx");
        Path report = dir.resolve("sweep.json");
        CliRun run = CliRun.of("-q", "sweep", MODEL, "--eval", TEST.toString(), "--train", TRAIN.toString(), "-o",
                out.toString(), "--report", report.toString(), "--retrain-epochs", "8", "--share", "0.3");
        JsonObject json = JsonParser.parseString(Files.readString(report)).getAsJsonObject();
        JsonArray outcomes = json.getAsJsonObject("table").getAsJsonArray("outcomes");
        assertTrue(outcomes.size() >= 1, run.toString());
        Integer expected = null;
        long smallest = Long.MAX_VALUE;
        // Inputs of the network the next round starts from, and whether the last round failed after removing inputs.
        int startInputs = 4;
        boolean afterFailedInputRound = false;
        // Failed rounds in a row.
        int failedRounds = 0;
        for (int i = 0; i < outcomes.size(); i++) {
            JsonObject o = outcomes.get(i).getAsJsonObject();
            assertEquals("round " + (i + 1), o.get("step").getAsString());
            JsonObject bound = o.getAsJsonObject("bound");
            int inputs = Integer.parseInt(o.getAsJsonObject("network").get("architecture").getAsString().split("-")[0]);
            if (afterFailedInputRound) {
                assertEquals(startInputs, inputs, "the retry after a failed round that removed inputs removes units only: "
                        + o);
            }
            if (!bound.get("smallSet").getAsBoolean() && failedRounds > 0) {
                assertTrue(bound.get("rule").getAsString().contains("shared with the " + failedRounds), o.toString());
            }
            if (bound.get("holds").getAsBoolean()) {
                startInputs = inputs;
                afterFailedInputRound = false;
                failedRounds = 0;
            } else {
                afterFailedInputRound = inputs < startInputs;
                failedRounds++;
            }
            double tolerance = bound.get("tolerance").getAsDouble();
            boolean holds = bound.get("smallSet").getAsBoolean()
                    ? bound.get("changed").getAsInt() == 0
                            && o.getAsJsonObject("training").get("changeFromOriginal").getAsDouble() <= tolerance + 1e-12
                    : bound.get("upper").getAsDouble() <= tolerance + 1e-12;
            assertEquals(holds, bound.get("holds").getAsBoolean(), o.toString());
            long p = o.getAsJsonObject("network").get("parameters").getAsLong();
            if (holds && p < smallest) {
                smallest = p;
                expected = i;
            }
        }
        assertEquals(expected, json.has("chosen") ? json.get("chosen").getAsInt() : null);
        if (expected == null) {
            assertEquals(Main.NOTHING_QUALIFIED, run.exitCode(), run.toString());
            assertFalse(Files.exists(out));
            return;
        }
        assertEquals(0, run.exitCode(), run.toString());
        assertEquals(smallest, DenseChainReader.read(out).network().parameterCount());
        assertTrue(smallest < DenseChainReader.read(Path.of(MODEL)).network().parameterCount());
        // The chart goes beside the output by default.
        assertTrue(Files.size(dir.resolve("small.chart.png")) > 0);
        assertTrue(Files.readString(dir.resolve("small.chart.svg")).contains("<svg"));
        String signal = json.getAsJsonObject("table").getAsJsonObject("retraining").get("signal").getAsString();
        assertTrue(signal.contains("original network's probabilities") && signal.contains("targets"), signal);
    }

    @Test
    void strictSaysHowItChoseAndWritesTheRoundItChose() throws IOException {
        Path out = dir.resolve("strict.onnx");
        Path report = dir.resolve("strict.json");
        CliRun run = CliRun.of("-q", "sweep", MODEL, "--eval", TEST.toString(), "--train", TRAIN.toString(), "-o",
                out.toString(), "--report", report.toString(), "--retrain-epochs", "4", "--share", "0.3", "--strict");
        JsonObject json = JsonParser.parseString(Files.readString(report)).getAsJsonObject();
        assertTrue(json.get("grid").getAsString().contains("strict: each round's epoch is picked"), json.toString());
        if (!json.has("chosen")) {
            assertEquals(Main.NOTHING_QUALIFIED, run.exitCode(), run.toString());
            assertFalse(Files.exists(out));
            return;
        }
        assertEquals(0, run.exitCode(), run.toString());
        JsonObject chosen = json.getAsJsonObject("table").getAsJsonArray("outcomes").get(json.get("chosen").getAsInt())
                .getAsJsonObject();
        assertTrue(chosen.getAsJsonObject("bound").get("holds").getAsBoolean());
        assertTrue(json.get("choice").getAsString().contains("from the largest until one fails, the last that held"), json.get("choice").toString());
        assertEquals(chosen.getAsJsonObject("network").get("parameters").getAsLong(),
                DenseChainReader.read(out).network().parameterCount());
        // Epochs were picked on training rows, and the report says so.
        assertEquals("training", chosen.getAsJsonObject("training").get("watchedRows").getAsString());
        assertTrue(run.out().contains("training-row accuracy"), run.out());
    }

    @Test
    void strictWithNowhereToGoSaysWhyAndWritesNothing() {
        // Regression with no drop allowed: every round moves the outputs a little, so the search goes on from none.
        Path out = dir.resolve("none.onnx");
        CliRun run = CliRun.of("-q", "sweep", "models/diabetes_10-32-32-1_tanh_norm.onnx", "--eval",
                "examples/diabetes/diabetes-test.csv", "--train", "examples/diabetes/diabetes-train.csv", "-o",
                out.toString(), "--strict", "--max-drop", "0", "--retrain-epochs", "3");
        assertEquals(Main.NOTHING_QUALIFIED, run.exitCode(), run.toString());
        assertTrue(run.out().contains("the search went on from no round") && run.out().contains("--max-drop")
                && run.out().contains("leave out --strict") && !run.out().contains("{{"), run.out());
        assertFalse(Files.exists(out));
    }

    @Test
    void regressionPicksEpochsOnAgreementAndStopsAtTheFirstRoundThatDoesNotHold() throws IOException {
        Path out = dir.resolve("regression.onnx");
        Path report = dir.resolve("regression.json");
        CliRun run = CliRun.of("-q", "sweep", "models/diabetes_10-32-32-1_tanh_norm.onnx", "--eval",
                "examples/diabetes/diabetes-test.csv", "--train", "examples/diabetes/diabetes-train.csv", "-o",
                out.toString(), "--report", report.toString(), "--retrain-epochs", "3", "--max-drop", "2");
        JsonObject json = JsonParser.parseString(Files.readString(report)).getAsJsonObject();
        JsonArray outcomes = json.getAsJsonObject("table").getAsJsonArray("outcomes");
        assertTrue(outcomes.size() >= 1, run.toString());
        for (int i = 0; i < outcomes.size(); i++) {
            JsonObject o = outcomes.get(i).getAsJsonObject();
            assertEquals("agreement", o.getAsJsonObject("training").get("watchedRows").getAsString());
            JsonObject bound = o.getAsJsonObject("bound");
            assertTrue(bound.get("rule").getAsString().contains("prediction bound"), bound.toString());
            // A round that does not hold ends the search: no round comes after it.
            if (!bound.get("holds").getAsBoolean()) {
                assertEquals(outcomes.size() - 1, i, json.toString());
            }
        }
        assertTrue(json.get("grid").getAsString().contains("the first round that does not hold ends the search"));
        assertTrue(run.out().contains("validation-row agreement mse from the original"), run.out());
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
        Path unlabelled = dir.resolve("features.csv");
        List<String> lines = Files.readAllLines(TRAIN);
        StringBuilder s = new StringBuilder();
        for (String line : lines) {
            s.append(line, 0, line.lastIndexOf(',')).append('\n');
        }
        Files.writeString(unlabelled, s);
        Path out = dir.resolve("small.onnx");
        Path report = dir.resolve("sweep.json");
        CliRun run = CliRun.of("-q", "sweep", MODEL, "--eval", TEST.toString(), "--train", unlabelled.toString(),
                "--validation", TEST.toString(), "-o", out.toString(), "--report", report.toString(),
                "--retrain-epochs", "5", "--share", "0.3");
        assertTrue(run.exitCode() == 0 || run.exitCode() == Main.NOTHING_QUALIFIED, run.toString());
        JsonObject json = JsonParser.parseString(Files.readString(report)).getAsJsonObject();
        String signal = json.getAsJsonObject("table").getAsJsonObject("retraining").get("signal").getAsString();
        assertTrue(signal.endsWith("only (distillation)"), signal);
        assertEquals(run.exitCode() == 0, Files.exists(out));
    }

    @Test
    void thePapersRuleNeedsTargets() throws IOException {
        Path unlabelled = dir.resolve("features.csv");
        List<String> lines = Files.readAllLines(TRAIN);
        StringBuilder s = new StringBuilder();
        for (String line : lines) {
            s.append(line, 0, line.lastIndexOf(',')).append('\n');
        }
        Files.writeString(unlabelled, s);
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
            {"--epsilon", "0.1", "--schedule", "progressive"}, {"--paper", "--share", "0.1"}, {"--paper", "--strict"},
            {"--strict", "--schedule", "epsilon"}}) {
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

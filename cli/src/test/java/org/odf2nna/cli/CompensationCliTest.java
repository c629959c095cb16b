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

/** --score, --compensate and --ridge on shrink, sweep, run and evolve, as a user meets them. */
class CompensationCliTest {

    static final Path DIGITS = MainTest.DIGITS;
    static final Path DIGITS_TEST = MainTest.DIGITS_TEST;
    static final Path IRIS = MainTest.IRIS;
    static final Path IRIS_TRAIN = Path.of("examples/iris/iris-train.csv");
    static final Path IRIS_TEST = MainTest.IRIS_TEST;

    @TempDir
    Path dir;

    @Test
    void badValuesAreUsageErrorsThatNameTheOptionAndWriteNothing() {
        Path out = dir.resolve("out.onnx");
        String[][] cases = {
            {"--score", "variance", "--score must be std or impact, got 'variance'"},
            {"--compensate", "ls", "--compensate must be mean or lsq, got 'ls'"},
            {"--ridge", "-1", "--ridge must be a finite number >= 0, got -1.0"},
            {"--ridge", "NaN", "--ridge must be a finite number >= 0, got NaN"},
        };
        for (String[] c : cases) {
            CliRun shrink = CliRun.of("shrink", IRIS.toString(), "--eval", IRIS_TEST.toString(), c[0], c[1], "-o",
                    out.toString());
            assertEquals(2, shrink.exitCode(), shrink.toString());
            assertTrue(shrink.err().contains(c[2]), shrink.err());
            CliRun sweep = CliRun.of("sweep", IRIS.toString(), "--eval", IRIS_TEST.toString(), "--train",
                    IRIS_TRAIN.toString(), c[0], c[1], "-o", out.toString());
            assertEquals(2, sweep.exitCode(), sweep.toString());
            assertTrue(sweep.err().contains(c[2]), sweep.err());
            CliRun run = CliRun.of("run", IRIS_TRAIN.toString(), "--test", IRIS_TEST.toString(), c[0], c[1], "-o",
                    out.toString());
            assertEquals(2, run.exitCode(), run.toString());
            assertTrue(run.err().contains(c[2]), run.err());
            assertFalse(Files.exists(out));
        }
        CliRun evolve = CliRun.of("evolve", IRIS.toString(), "--eval", IRIS_TEST.toString(), "--train",
                IRIS_TRAIN.toString(), "--compensate", "median", "-o", out.toString());
        assertEquals(2, evolve.exitCode(), evolve.toString());
        assertTrue(evolve.err().contains("--compensate must be mean or lsq, got 'median'"), evolve.err());
        CliRun noValue = CliRun.of("shrink", IRIS.toString(), "--eval", IRIS_TEST.toString(), "--compensate");
        assertEquals(2, noValue.exitCode(), noValue.toString());
        assertFalse(Files.exists(out));
    }

    @Test
    void helpSaysWhatEpsilonMeansForEachScore() {
        CliRun help = CliRun.of("shrink", "--help");
        assertEquals(0, help.exitCode());
        String text = help.out().replaceAll("\\s+", " ");
        assertTrue(text.contains("--score=SCORE"), text);
        assertTrue(text.contains("ε is in the units of the activation"), text);
        assertTrue(text.contains("in the units of the next layer's pre-activation"), text);
        assertTrue(text.contains("--compensate=HOW"), text);
        for (String command : List.of("sweep", "run", "evolve")) {
            assertTrue(CliRun.of(command, "--help").out().contains("--compensate=HOW"), command);
        }
    }

    private JsonObject shrink(String name, String... extra) throws IOException {
        Path report = dir.resolve(name + ".json");
        List<String> args = new java.util.ArrayList<>(List.of("-q", "shrink", DIGITS.toString(), "--eval",
                DIGITS_TEST.toString(), "--epsilon", "0.6", "-o", dir.resolve(name + ".onnx").toString(), "--report",
                report.toString()));
        args.addAll(List.of(extra));
        CliRun run = CliRun.of(args.toArray(new String[0]));
        assertEquals(0, run.exitCode(), run.toString());
        return JsonParser.parseString(Files.readString(report)).getAsJsonObject();
    }

    private double evalAccuracy(Path model) {
        CliRun eval = CliRun.of("eval", model.toString(), DIGITS_TEST.toString(), "--json");
        assertEquals(0, eval.exitCode(), eval.toString());
        return JsonParser.parseString(eval.out()).getAsJsonObject().getAsJsonObject("metrics").get("accuracy")
                .getAsDouble();
    }

    @Test
    void theWrittenModelIsTheChosenCompensationAndBothAreReported() throws IOException {
        JsonObject lsq = shrink("lsq");
        JsonObject mean = shrink("mean", "--compensate", "mean");
        JsonObject a = lsq.getAsJsonArray("outcomes").get(0).getAsJsonObject();
        JsonObject b = mean.getAsJsonArray("outcomes").get(0).getAsJsonObject();
        assertEquals("lsq", lsq.getAsJsonObject("compensation").get("used").getAsString(), "the default");
        assertEquals(1e-6, lsq.getAsJsonObject("compensation").get("ridge").getAsDouble(), 0,
                "the ridge without retraining");
        assertEquals("mean", mean.getAsJsonObject("compensation").get("used").getAsString());
        // the same units go either way; both PWR figures are reported, and agree across the two runs
        assertEquals(a.get("unitsKept"), b.get("unitsKept"));
        double pwrMean = a.getAsJsonObject("prunedMeanFolding").get("accuracy").getAsDouble();
        double pwrLsq = a.getAsJsonObject("prunedLeastSquares").get("accuracy").getAsDouble();
        assertEquals(pwrMean, b.getAsJsonObject("prunedMeanFolding").get("accuracy").getAsDouble());
        assertEquals(pwrLsq, b.getAsJsonObject("prunedLeastSquares").get("accuracy").getAsDouble());
        // PWR is the written model's, and the file computes it
        assertEquals(pwrLsq, a.getAsJsonObject("pruned").get("accuracy").getAsDouble());
        assertEquals(pwrMean, b.getAsJsonObject("pruned").get("accuracy").getAsDouble());
        assertEquals(pwrLsq, evalAccuracy(dir.resolve("lsq.onnx")), 1e-12);
        assertTrue(pwrLsq > pwrMean + 0.5, "at 7 of 128 first-layer units the refit keeps most of the accuracy: "
                + pwrLsq + " against " + pwrMean);
        assertEquals(pwrMean, evalAccuracy(dir.resolve("mean.onnx")), 1e-12);
        // least squares fitted on the evaluation rows, every refitted layer no worse than mean folding there
        JsonObject settings = lsq.getAsJsonObject("compensation");
        assertEquals(lsq.get("rows").getAsLong(), settings.get("fitRows").getAsLong());
        assertTrue(settings.get("fitData").getAsString().contains(DIGITS_TEST.toString()));
        JsonArray refit = a.getAsJsonArray("refit");
        assertEquals(2, refit.size(), "layers 2 and 3 of 64-128-64-10 are refitted");
        for (int i = 0; i < refit.size(); i++) {
            JsonObject layer = refit.get(i).getAsJsonObject();
            assertEquals(i + 2, layer.get("layer").getAsInt());
            assertTrue(layer.get("leastSquaresError").getAsDouble() <= layer.get("meanFoldingError").getAsDouble(),
                    layer.toString());
        }
    }

    @Test
    void impactScoreIsReportedAndItsSpreadDiffersFromTheStd() throws IOException {
        JsonObject std = shrink("std");
        JsonObject impact = shrink("impact", "--score", "impact");
        assertEquals("std", std.get("score").getAsString());
        assertEquals("impact", impact.get("score").getAsString());
        JsonObject s = std.getAsJsonArray("layers").get(0).getAsJsonObject();
        JsonObject i = impact.getAsJsonArray("layers").get(0).getAsJsonObject();
        assertEquals(s.get("units"), i.get("units"));
        assertTrue(s.get("max").getAsDouble() != i.get("max").getAsDouble(), s + " vs " + i);
        // a unit that never varies scores 0 either way
        assertEquals(s.get("constantUnits"), i.get("constantUnits"));
    }

    @Test
    void evolveWritesTheChosenCompensation() throws IOException {
        for (String how : List.of("mean", "lsq")) {
            Path out = dir.resolve("evolved-" + how + ".onnx");
            Path report = dir.resolve("evolve-" + how + ".json");
            CliRun run = CliRun.of("-q", "evolve", IRIS.toString(), "--eval", IRIS_TEST.toString(), "--train",
                    IRIS_TRAIN.toString(), "--population", "6", "--evaluations", "12", "--retrain-epochs", "0",
                    "--threads", "1", "--compensate", how, "-o", out.toString(), "--report", report.toString());
            assertEquals(0, run.exitCode(), run.toString());
            JsonObject outcome = JsonParser.parseString(Files.readString(report)).getAsJsonObject()
                    .getAsJsonObject("outcome");
            assertEquals(how, outcome.get("compensation").getAsString());
            JsonObject expected = outcome.getAsJsonObject(how.equals("mean") ? "prunedMeanFolding"
                    : "prunedLeastSquares");
            assertEquals(expected, outcome.getAsJsonObject("pruned"));
            // with no retraining epochs the written file is the compensated network itself
            CliRun eval = CliRun.of("eval", out.toString(), IRIS_TEST.toString(), "--json");
            assertEquals(expected.get("accuracy").getAsDouble(), JsonParser.parseString(eval.out()).getAsJsonObject()
                    .getAsJsonObject("metrics").get("accuracy").getAsDouble(), 1e-12);
            assertTrue(run.out().contains("PWR accuracy mean") && run.out().contains("PWR accuracy lsq"), run.out());
        }
    }

    @Test
    void sweepValidatesOnTheValidationFileAndTrainsOnEveryTrainingRow() throws IOException {
        // Half of the test file validates; the training file is trained on whole.
        List<String> lines = Files.readAllLines(IRIS_TEST);
        Path validation = dir.resolve("validation.csv");
        Files.write(validation, lines.subList(0, 16));
        Path report = dir.resolve("sweep.json");
        CliRun sweep = CliRun.of("-q", "sweep", IRIS.toString(), "--eval", IRIS_TEST.toString(), "--train",
                IRIS_TRAIN.toString(), "--validation", validation.toString(), "--retrain-epochs", "2", "--steps", "3",
                "--schedule", "epsilon",
                "-o", dir.resolve("chosen.onnx").toString(), "--report", report.toString());
        assertEquals(0, sweep.exitCode(), sweep.toString());
        JsonObject retraining = JsonParser.parseString(Files.readString(report)).getAsJsonObject()
                .getAsJsonObject("table").getAsJsonObject("retraining");
        assertEquals(Files.readAllLines(IRIS_TRAIN).size() - 1, retraining.get("trainRows").getAsInt());
        assertEquals(15, retraining.get("validationRows").getAsInt());
        assertTrue(retraining.get("trainData").getAsString().contains("validation.csv"), retraining.toString());
        JsonObject compensation = JsonParser.parseString(Files.readString(report)).getAsJsonObject()
                .getAsJsonObject("table").getAsJsonObject("compensation");
        assertEquals(1e-4, compensation.get("ridge").getAsDouble(), 0, "the ridge for refits that are retrained");

        CliRun overwrite = CliRun.of("-q", "sweep", IRIS.toString(), "--eval", IRIS_TEST.toString(), "--train",
                IRIS_TRAIN.toString(), "--validation", validation.toString(), "-o", validation.toString());
        assertEquals(2, overwrite.exitCode(), overwrite.toString());
        assertEquals(16, Files.readAllLines(validation).size(), "the validation file is an input: never overwritten");
        CliRun withoutTrain = CliRun.of("shrink", IRIS.toString(), "--eval", IRIS_TEST.toString(), "--validation",
                validation.toString(), "-o", dir.resolve("x.onnx").toString());
        assertEquals(2, withoutTrain.exitCode(), withoutTrain.toString());
        assertTrue(withoutTrain.err().contains("need --train CSV"), withoutTrain.err());
    }
}

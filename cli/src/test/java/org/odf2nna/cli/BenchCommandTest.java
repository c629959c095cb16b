package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bench command: help, usage errors, and one tiny run of every benchmark on the repository's iris model. */
class BenchCommandTest {

    static final String IRIS = "models/iris_4-16-16-3_relu.onnx";
    static final String IRIS_TEST = "examples/iris/iris-test.csv";
    static final String IRIS_TRAIN = "examples/iris/iris-train.csv";

    @TempDir
    Path dir;

    @Test
    void helpListsTheBenchmarks() {
        CliRun run = CliRun.of("bench", "--help");
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().startsWith("Usage: odf2nna-onnx bench"), run.out());
        for (String name : new String[] {"scoring", "memory", "retrain", "inference", "csv", "scale", "--repeats",
            "--json", "--scale-rows", "--widths", "--runs", "--scale-cross"}) {
            assertTrue(run.out().contains(name), name + " missing from help");
        }
        assertTrue(CliRun.of("--help").out().contains("bench"), "listed among the commands");
    }

    @Test
    void badUsageExitsTwo() {
        CliRun unknown = CliRun.of("bench", "latency");
        assertEquals(2, unknown.exitCode(), unknown.toString());
        assertTrue(unknown.err().contains("unknown benchmark 'latency'"), unknown.err());

        CliRun noData = CliRun.of("bench", "scoring", "--model", IRIS);
        assertEquals(2, noData.exitCode(), noData.toString());
        assertTrue(noData.err().contains("--data"), noData.err());

        CliRun noTrain = CliRun.of("bench", "retrain", "--model", IRIS, "--data", IRIS_TEST);
        assertEquals(2, noTrain.exitCode(), noTrain.toString());
        assertTrue(noTrain.err().contains("--train"), noTrain.err());

        CliRun repeats = CliRun.of("bench", "csv", "--repeats", "0");
        assertEquals(2, repeats.exitCode(), repeats.toString());

        CliRun run = CliRun.of("bench", "scale", "--runs", "eval,fit");
        assertEquals(2, run.exitCode(), run.toString());
        assertTrue(run.err().contains("--runs: unknown run 'fit'"), run.err());

        CliRun widths = CliRun.of("bench", "scale", "--widths", "0");
        assertEquals(2, widths.exitCode(), widths.toString());
        assertTrue(widths.err().contains("--widths"), widths.err());
    }

    @Test
    void cudaWithoutTheGpuBuildIsAClearUsageError() throws Exception {
        Assumptions.assumeFalse(OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA),
                "this build has ONNX Runtime's CUDA provider");
        CliRun run = CliRun.of("bench", "scoring", "--model", IRIS, "--data", IRIS_TEST, "--repeats", "1",
                "--device", "cuda", "--work", dir.toString());
        assertEquals(2, run.exitCode(), run.toString());
        assertTrue(run.err().contains("--device cuda") && run.err().contains("-Pgpu"), run.err());
    }

    @Test
    void aTinyRunOfEveryBenchmarkCompletes() throws IOException {
        Path json = dir.resolve("bench.json");
        CliRun run = CliRun.of("bench", "all", "--model", IRIS, "--data", IRIS_TEST, "--train", IRIS_TRAIN,
                "--rows", "30", "--repeats", "1", "--alg3-units", "2", "--latency-rows", "10", "--epochs", "1",
                "--threads", "1", "--sizes", "0.02", "--child-heap", "128m", "--work", dir.resolve("work").toString(),
                "--json", json.toString());
        assertEquals(0, run.exitCode(), run.toString());
        for (String section : new String[] {"== scoring", "== memory", "== retrain", "== inference", "== csv"}) {
            assertTrue(run.out().contains(section), section + " missing:\n" + run.out());
        }
        assertTrue(run.out().contains("Scoring / plain pass ="), run.out());
        assertTrue(run.out().contains("Algorithm 3, all 32 units (EXTRAPOLATED from 4 timed units"), run.out());
        assertTrue(run.out().contains("load average"), run.out());

        JsonObject report = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertTrue(report.getAsJsonObject("machine").has("cpu"));
        JsonArray sections = report.getAsJsonArray("sections");
        Set<String> names = new HashSet<>();
        for (var s : sections) {
            names.add(s.getAsJsonObject().get("name").getAsString());
        }
        assertEquals(Set.of("scoring", "memory", "retrain", "inference", "csv"), names);
        JsonObject scoring = sections.get(0).getAsJsonObject().getAsJsonObject("figures");
        assertEquals(30, scoring.get("rows").getAsInt());
        assertTrue(scoring.get("scanOverPlainMedianRatio").getAsDouble() > 0);
        assertEquals(0.0, scoring.get("alg3MaxStdDifference").getAsDouble(), 1e-5,
                "Algorithm 3 per unit measures the same stds as the one pass");
        JsonObject memory = sections.get(1).getAsJsonObject().getAsJsonObject("figures");
        assertEquals(300, memory.get("rows10x").getAsInt(), "the larger file has 10× the rows");
        assertTrue(Files.isRegularFile(dir.resolve("work/memory/iris-test-300rows.csv.gz")));
        JsonObject retrain = sections.get(2).getAsJsonObject().getAsJsonObject("figures");
        JsonObject tf = retrain.getAsJsonArray("runs").get(0).getAsJsonObject();
        assertTrue(tf.get("tfMeanEpochSeconds").getAsDouble() > 0, tf.toString());
        JsonObject inference = sections.get(3).getAsJsonObject().getAsJsonObject("figures");
        assertTrue(inference.get("reduction").getAsDouble() > 0.3, inference.toString());
        // Both int8 forms were run: the session's run timed, and what surrounds it apart.
        assertTrue(inference.get("int8ThroughputRatio").getAsDouble() > 0, inference.toString());
        assertTrue(inference.get("int8WeightsP50LatencyRatio").getAsDouble() > 0, inference.toString());
        assertTrue(inference.get("int8OutsideRunMicros").getAsDouble() > 0, inference.toString());
    }

    @Test
    void retrainWithAGraphTimesWholeGraphRetraining() throws IOException {
        Path json = dir.resolve("graph.json");
        CliRun run = CliRun.of("bench", "retrain", "--graph", IRIS, "--train", IRIS_TRAIN, "--no-torch", "--epochs",
                "2", "--repeats", "1", "--threads", "1", "--work", dir.resolve("work").toString(), "--json",
                json.toString());
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("== retrain: whole-graph retraining time per epoch"), run.out());
        JsonObject figures = JsonParser.parseString(Files.readString(json)).getAsJsonObject()
                .getAsJsonArray("sections").get(0).getAsJsonObject().getAsJsonObject("figures");
        JsonObject tf = figures.getAsJsonArray("runs").get(0).getAsJsonObject();
        assertEquals("iris_4-16-16-3_relu", tf.get("graph").getAsString());
        assertTrue(tf.get("tfMeanEpochSeconds").getAsDouble() > 0, tf.toString());

        CliRun missing = CliRun.of("bench", "retrain", "--graph", dir.resolve("none.onnx").toString(), "--train",
                IRIS_TRAIN);
        assertTrue(missing.exitCode() != 0 && missing.err().contains("none.onnx"), missing.toString());
    }
}

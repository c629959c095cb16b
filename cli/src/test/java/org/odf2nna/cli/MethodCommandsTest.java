package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.Progress;
import org.odf2nna.method.MethodRun;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.proto.OnnxProto.StringStringEntryProto;
import org.odf2nna.report.ReportFormat;
import org.odf2nna.report.RunReport;
import org.odf2nna.report.SweepChart;
import org.odf2nna.settings.BuildSettings;
import org.odf2nna.settings.CsvReading;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.settings.RunFiles;
import org.odf2nna.settings.Schedule;
import org.odf2nna.settings.SweepSettings;

/** build, run and sweep as a user runs them, on the repository's iris example. */
class MethodCommandsTest {

    static final Path TRAIN = Path.of("examples/iris/iris-train.csv");
    static final Path TEST = Path.of("examples/iris/iris-test.csv");

    @TempDir
    Path dir;

    @Test
    void buildWritesTheGeneralModelWithItsSettings() throws IOException {
        Path out = dir.resolve("general.onnx");
        CliRun run = CliRun.of("-q", "build", TRAIN.toString(), "-o", out.toString(), "--epochs", "40", "--seed", "3");
        assertEquals(0, run.exitCode(), run.toString());
        OnnxDenseModel model = DenseChainReader.read(out);
        long rows = Files.readAllLines(TRAIN).size() - 1;
        int units = (int) Math.floor((rows - 3.0) / (4 + 3 * (3 + 1)));
        assertEquals("4-" + units + "-" + units + "-" + units + "-3", model.network().architecture());
        Map<String, String> metadata = new HashMap<>();
        for (StringStringEntryProto e : model.model().getMetadataPropsList()) {
            metadata.put(e.getKey(), e.getValue());
        }
        int epochs = Integer.parseInt(metadata.get("odf2nna.training.epochs"));
        assertTrue(epochs >= 1 && epochs <= 40, metadata.toString());
        assertEquals("40", metadata.get("odf2nna.training.max_epochs"));
        assertEquals("3", metadata.get("odf2nna.training.seed"));
        assertEquals("[\"sepal_length\",\"sepal_width\",\"petal_length\",\"petal_width\"]", metadata.get("odf2nna.features"));
        assertEquals("label", metadata.get("odf2nna.target"));
        assertTrue(run.out().contains("NU = (NP - NC) / (D + NL*(NC+1))"), run.out());
        CliRun eval = CliRun.of("eval", out.toString(), TEST.toString());
        assertEquals(0, eval.exitCode(), eval.toString());

        // Same seed, same bytes.
        Path again = dir.resolve("again.onnx");
        assertEquals(0, CliRun.of("-q", "build", TRAIN.toString(), "-o", again.toString(), "--epochs", "40", "--seed",
                "3").exitCode());
        assertArrayEquals(Files.readAllBytes(out), Files.readAllBytes(again));
    }

    @Test
    void buildAndRunSayWhenTheyReplaceAnOutput() {
        Path general = dir.resolve("g.onnx");
        String[] build = {"-q", "build", TRAIN.toString(), "-o", general.toString(), "--epochs", "3"};
        CliRun first = CliRun.of(build);
        assertEquals(0, first.exitCode(), first.toString());
        assertFalse(first.out().contains("replaced"), first.out());
        CliRun second = CliRun.of(build);
        assertEquals(0, second.exitCode(), second.toString());
        assertTrue(second.out().contains("(it replaced the file that was there)"), second.out());

        Path small = dir.resolve("r.small.onnx");
        // 24 validation rows can certify 8.33 points at best; a drop of 20 lets the run choose and write (at 10, the
        // first round's 3 changed rows of 24 gave a bound of 12.5 points at its 3.75% share of the 5%).
        // Three epochs leave the general model near chance on the test rows: taken all the same.
        String[] run = {"-q", "run", TRAIN.toString(), "--test", TEST.toString(), "--epochs", "3", "--max-drop", "20",
            "-o", small.toString(), "--accept-chance"};
        CliRun once = CliRun.of(run);
        assertEquals(0, once.exitCode(), once.toString());
        assertFalse(once.out().contains("replaced"), once.out());
        CliRun again = CliRun.of(run);
        assertEquals(0, again.exitCode(), again.toString());
        assertTrue(again.out().contains("note: " + dir.resolve("r.small.general.onnx")
                + " replaced the file that was there"), again.out());
        assertTrue(again.out().contains("note: " + small + " replaced the file that was there"), again.out());

        // With the default drop, 24 validation rows cannot certify it: exit 3, and the one line says that the general
        // model was written, not that nothing was.
        CliRun refused = CliRun.of("-q", "run", TRAIN.toString(), "--test", TEST.toString(), "--epochs", "3", "-o",
                dir.resolve("u.small.onnx").toString());
        assertEquals(3, refused.exitCode(), refused.toString());
        assertTrue(refused.err().contains("; no pruned model was written (the general model was, to "
                + dir.resolve("u.small.general.onnx") + ")"), refused.err());
        assertFalse(refused.err().contains("nothing was written"), refused.err());
        assertTrue(Files.exists(dir.resolve("u.small.general.onnx")));
        assertFalse(Files.exists(dir.resolve("u.small.onnx")));
    }

    @Test
    void buildInfersTheTaskFromTheTargets() throws IOException {
        Path csv = dir.resolve("values.csv");
        StringBuilder s = new StringBuilder("a,b,target\n");
        for (int i = 0; i < 60; i++) {
            s.append(i % 7).append(',').append(i % 5).append(',').append(10 * (i % 4)).append('\n');
        }
        Files.writeString(csv, s);
        Path out = dir.resolve("r.onnx");
        CliRun run = CliRun.of("-q", "build", csv.toString(), "-o", out.toString(), "--epochs", "3", "--json");
        assertEquals(0, run.exitCode(), run.toString());
        assertEquals("regression", JsonParser.parseString(run.out()).getAsJsonObject().get("task").getAsString());
        assertEquals(1, DenseChainReader.read(out).network().outputs());
    }

    @Test
    void runChoosesByTheRuleAndTheChartShowsTheReport() throws IOException {
        Path out = dir.resolve("small.onnx");
        Path chart = dir.resolve("chart");
        Path report = dir.resolve("run.json");
        BuildSettings build = BuildSettings.builder().layers(3).epochs(60).patience(10).adam(RetrainSettings.builder()
                .batchSize(16).learningRate(0.01f).seed(0).validationShare(0.2).build()).build();
        RunFiles runFiles = new RunFiles(TRAIN, TEST, dir.resolve("small.general.onnx"), out, report, chart,
                new CsvReading(null, 256));
        SweepSettings sweepSettings = SweepSettings.builder().schedule(Schedule.EPSILON).steps(5).compareScratch(true)
                .retraining(RetrainSettings.builder().batchSize(16).learningRate(0.001f).seed(0).validationShare(0.2)
                        .distillation(Distillation.NONE).build()).build();
        RunReport result = MethodRun.run(runFiles, build, sweepSettings, Progress.NONE);

        JsonObject json = JsonParser.parseString(Files.readString(report)).getAsJsonObject();
        JsonObject sweep = json.getAsJsonObject("sweep");
        JsonArray outcomes = sweep.getAsJsonObject("table").getAsJsonArray("outcomes");
        double original = sweep.get("originalValidation").getAsDouble();
        double maxDrop = sweep.get("maxDrop").getAsDouble();
        assertEquals(1.0, maxDrop, "1 accuracy point by default");
        // The rule, read from the JSON alone: smallest model within the drop on validation accuracy and change.
        Integer expected = null;
        for (int i = 0; i < outcomes.size(); i++) {
            JsonObject t = outcomes.get(i).getAsJsonObject().getAsJsonObject("training");
            boolean ok = t.get("validationAfter").getAsDouble() >= original - maxDrop / 100 - 1e-12
                    && t.get("changeFromOriginal").getAsDouble() <= maxDrop / 100 + 1e-12;
            long p = outcomes.get(i).getAsJsonObject().getAsJsonObject("network").get("parameters").getAsLong();
            if (ok && (expected == null || p < outcomes.get(expected).getAsJsonObject().getAsJsonObject("network")
                    .get("parameters").getAsLong())) {
                expected = i;
            }
        }
        assertEquals(expected, sweep.has("chosen") ? sweep.get("chosen").getAsInt() : null);
        if (expected != null) {
            assertTrue(Files.exists(out));
            long parameters = outcomes.get(expected).getAsJsonObject().getAsJsonObject("network").get("parameters")
                    .getAsLong();
            assertEquals(parameters, DenseChainReader.read(out).network().parameterCount());
            assertNotNull(sweep.get("scratch"), "--compare-scratch");
        }
        // The chart plots exactly the report's figures.
        List<SweepChart.Series> series = SweepChart.series(result.sweep());
        SweepChart.Series pr = series.stream().filter(s -> s.label().contains("(PR)")).findFirst().orElseThrow();
        java.util.Map<Double, java.util.List<Double>> plotted = new java.util.HashMap<>();
        for (int i = 0; i < pr.parameters().size(); i++) {
            plotted.computeIfAbsent(pr.parameters().get(i), k -> new java.util.ArrayList<>()).add(pr.values().get(i));
            if (i > 0) {
                assertTrue(pr.parameters().get(i) >= pr.parameters().get(i - 1), "points in parameter order");
            }
        }
        assertEquals(outcomes.size(), pr.parameters().size());
        for (int i = 0; i < outcomes.size(); i++) {
            JsonObject o = outcomes.get(i).getAsJsonObject();
            List<Double> at = plotted.get(o.getAsJsonObject("network").get("parameters").getAsDouble());
            double accuracy = 100 * o.getAsJsonObject("retrained").get("accuracy").getAsDouble();
            assertTrue(at != null && at.stream().anyMatch(v -> Math.abs(v - accuracy) < 1e-9), o.toString());
        }
        SweepChart.Series tolerance = series.stream().filter(s -> s.label().startsWith("tolerance: original − "))
                .findFirst().orElseThrow(() -> new AssertionError("the tolerance is drawn: " + series));
        double orPoint = series.stream().filter(s -> s.label().equals("original (OR)")).findFirst().orElseThrow()
                .values().get(0);
        assertEquals(orPoint - maxDrop, tolerance.values().get(0), 1e-9);
        byte[] png = Files.readAllBytes(dir.resolve("chart.png"));
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(png, 4));
        String svg = Files.readString(dir.resolve("chart.svg"));
        assertTrue(svg.contains("<svg"), "SVG");
        // The text table lists every ε's parameter count.
        String text = ReportFormat.run(result);
        for (int i = 0; i < outcomes.size(); i++) {
            long p = outcomes.get(i).getAsJsonObject().getAsJsonObject("network").get("parameters").getAsLong();
            assertTrue(text.contains("→ " + p), "row for " + p + " in\n" + text);
        }
        assertTrue(Files.exists(dir.resolve("small.general.onnx")));
        try (var files = Files.list(dir)) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().startsWith(".")), "no hidden work files left");
        }
    }

    @Test
    void sweepNeedsTrainingRows() {
        CliRun run = CliRun.of("sweep", "models/iris_4-16-16-3_relu.onnx", "--eval", TEST.toString(), "-o",
                dir.resolve("x.onnx").toString());
        assertEquals(2, run.exitCode(), run.toString());
        assertTrue(run.err().contains("--train"), run.err());
    }
}

package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 49 on the graph path: the files a graph sweep writes (the chart, by --chart and beside the output), its
 * output folders checked before any work as the chain's are, and validation rows without labels.
 */
class GraphSweepFilesCliTest {

    @TempDir
    Path dir;

    /** Rows of the 4x6 tokens {@link GraphBlocksCliTest#classifier()} reads, with a label column or without. */
    private Path csv(String name, int rows, long seed, boolean labelled) throws Exception {
        Random random = new Random(seed);
        StringBuilder s = new StringBuilder();
        for (int c = 0; c < 24; c++) {
            s.append(c == 0 ? "" : ",").append("x").append(c);
        }
        s.append(labelled ? ",label\n" : "\n");
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < 24; c++) {
                s.append(c == 0 ? "" : ",").append(String.format(java.util.Locale.ROOT, "%.4f",
                        random.nextDouble() * 2 - 1));
            }
            s.append(labelled ? "," + random.nextInt(3) + "\n" : "\n");
        }
        return Files.writeString(dir.resolve(name), s);
    }

    private Path model() throws Exception {
        return Files.write(dir.resolve("ffn.onnx"), GraphBlocksCliTest.classifier().toByteArray());
    }

    /** sweep's arguments on the graph with labelled rows, {@code more} after them. */
    private List<String> sweep(Path model, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("sweep", model.toString(), "--train",
                csv("train.csv", 300, 1, true).toString(), "--validation", csv("validation.csv", 400, 2, true)
                        .toString(), "--eval", csv("test.csv", 100, 3, true).toString(), "--graph-retrain",
                "sequential", "--accept-chance"));
        args.addAll(List.of(more));
        return args;
    }

    @Test
    void chartIsWrittenByChartAndBesideTheOutputByDefault() throws Exception {
        Path model = model();
        Path report = dir.resolve("report.json");
        Path out = dir.resolve("small.onnx");
        CliRun run = CliRun.of(sweep(model, "-q", "-o", out.toString(), "--report", report.toString(), "--chart",
                dir.resolve("curve").toString()).toArray(String[]::new));
        assertTrue(run.exitCode() == 0 || run.exitCode() == 3, run.toString());
        Path png = dir.resolve("curve.png");
        Path svg = dir.resolve("curve.svg");
        byte[] head = Files.readAllBytes(png);
        assertEquals("PNG", new String(head, 1, 3, java.nio.charset.StandardCharsets.US_ASCII), "a PNG file");
        String drawn = Files.readString(svg);
        assertTrue(drawn.contains("<svg"), "an SVG file");
        JsonObject json = JsonParser.parseString(Files.readString(report)).getAsJsonObject();
        assertEquals(List.of(png.toString(), svg.toString()), java.util.stream.StreamSupport.stream(
                json.getAsJsonArray("charts").spliterator(), false).map(e -> e.getAsString()).toList(), "the report names the chart");
        assertTrue(run.out().contains("Charts " + png + ", " + svg), run.out());
        assertFalse(Files.exists(dir.resolve("small.chart.png")), "--chart names where the chart goes");

        Path beside = dir.resolve("beside.onnx");
        CliRun byDefault = CliRun.of(sweep(model, "-q", "-o", beside.toString()).toArray(String[]::new));
        assertTrue(byDefault.exitCode() == 0 || byDefault.exitCode() == 3, byDefault.toString());
        assertTrue(Files.exists(dir.resolve("beside.chart.png")) && Files.exists(dir.resolve("beside.chart.svg")),
                byDefault.toString());
    }

    @Test
    void anOutputThatCannotBeWrittenStopsBeforeAnyRoundAsOnTheChainPath() throws Exception {
        Path model = model();
        Path missing = dir.resolve("missing");
        // The chain's sweep into the same missing folder: the exit code and the line the graph path must match.
        CliRun chain = CliRun.of("sweep", "models/iris_4-16-16-3_relu.onnx", "--eval", "examples/iris/iris-test.csv",
                "--train", "examples/iris/iris-train.csv", "--validation", "examples/iris/iris-test.csv", "-o",
                missing.resolve("iris.onnx").toString());
        assertTrue(chain.err().contains("cannot be written: folder " + missing + " does not exist"), chain.toString());
        List<String[]> cases = new ArrayList<>();
        cases.add(new String[] {"-o", missing.resolve("small.onnx").toString()});
        cases.add(new String[] {"-o", dir.resolve("a.onnx").toString(), "--report", missing.resolve("r.json")
                .toString()});
        cases.add(new String[] {"-o", dir.resolve("b.onnx").toString(), "--chart", missing.resolve("c").toString()});
        Path locked = Files.createDirectories(dir.resolve("locked"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        boolean lockable = !Files.isWritable(locked);
        if (lockable) {
            cases.add(new String[] {"-o", locked.resolve("small.onnx").toString()});
        }
        for (String[] outputs : cases) {
            CliRun run = progressOf(sweep(model, outputs).toArray(String[]::new));
            assertEquals(chain.exitCode(), run.exitCode(), run.toString());
            // Every phase is shown as it starts (progressOf): the error alone means the run stopped before reading
            // a row or starting a phase, however fast or slow the machine is.
            assertEquals(1, run.err().strip().lines().count(), run.toString());
            assertTrue(run.err().contains("cannot be written: folder ") && (run.err().contains(" does not exist")
                    || run.err().contains(" is not writable")), run.err());
            assertFalse(run.err().contains("round 1"), "no round ran: " + run.err());
        }
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (Stream<Path> written = Files.list(dir)) {
            assertEquals(List.of(), written.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".csv")
                    && !n.equals("ffn.onnx") && !n.equals("locked")).toList(), "nothing written");
        }
        // Where this user (root) can write into a folder of mode 555, only the missing-folder cases run.
    }

    @Test
    void validationRowsWithoutLabelsWriteAModelUnderTheLabelFreePromise() throws Exception {
        Path model = model();
        Path out = dir.resolve("unlabelled.onnx");
        Path report = dir.resolve("unlabelled.json");
        CliRun run = CliRun.of("-q", "sweep", model.toString(), "--train", csv("train.csv", 300, 1, true).toString(),
                "--validation", csv("validation.csv", 400, 2, false).toString(), "--eval",
                csv("test.csv", 100, 3, false).toString(), "--graph-retrain", "sequential", "--max-drop", "20",
                "-o", out.toString(), "--report", report.toString());
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(Files.size(out) > 0 && org.odf2nna.onnx.OnnxModelFile.read(out).getGraph().getNodeCount() > 0);
        assertTrue(run.out().contains("(unlabelled: changed predictions count), at most 20% of the predictions "
                + "changed"), run.out());
        assertTrue(run.out().matches("(?s).*Choice round \\d+ .*: \\d+ of 400 validation predictions changed\\. "
                + "The promise \\(population reading\\): over repeated runs, at most 5% write a model that changes "
                + "more than 20% of its predictions on the data the validation rows come from.*"), run.out());
        JsonObject json = JsonParser.parseString(Files.readString(report)).getAsJsonObject();
        assertFalse(json.get("labelled").getAsBoolean(), json.toString());
        assertEquals(out.toString(), json.get("output").getAsString());
    }

    /** An in-process run whose standard error shows every progress phase as it starts (no -q). */
    private static CliRun progressOf(String... args) {
        String before = System.getProperty(ConsoleProgress.SHOW_AFTER_PROPERTY);
        System.setProperty(ConsoleProgress.SHOW_AFTER_PROPERTY, "0");
        try {
            return CliRun.of(args);
        } finally {
            if (before == null) {
                System.clearProperty(ConsoleProgress.SHOW_AFTER_PROPERTY);
            } else {
                System.setProperty(ConsoleProgress.SHOW_AFTER_PROPERTY, before);
            }
        }
    }

    /**
     * --eval only reports, so a graph's sweep runs without it (the report column then absent), and so does a dense
     * chain's progressive sweep (its table then without OR, PWR and PR; issue 56: sweep required --eval).
     */
    @Test
    void sweepRunsWithoutEvalRowsOnAGraphAndOnAChain() throws Exception {
        Path model = model();
        Path out = dir.resolve("no-eval.onnx");
        CliRun run = CliRun.of("-q", "sweep", model.toString(), "--train", csv("train.csv", 300, 1, true).toString(),
                "--validation", csv("validation.csv", 400, 2, true).toString(), "--graph-retrain", "sequential",
                "--accept-chance", "-o", out.toString());
        assertTrue(run.exitCode() == 0 || run.exitCode() == 3, run.toString());
        assertFalse(run.out().contains("report (only measured)"), run.out());
        assertTrue(run.out().contains("Choice "), run.out());

        CliRun chain = CliRun.of("-q", "sweep", "models/iris_4-16-16-3_relu.onnx", "--train",
                "examples/iris/iris-train.csv", "--validation", "examples/iris/iris-test.csv", "--max-drop", "20",
                "--retrain-epochs", "1", "-o", dir.resolve("iris.onnx").toString());
        assertTrue(chain.exitCode() == 0 || chain.exitCode() == 3, chain.toString());
        assertTrue(chain.out().contains("no test rows given, so no OR, PWR or PR"), chain.out());
    }
}

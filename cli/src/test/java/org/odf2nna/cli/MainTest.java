package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/** The command line as a user meets it: exit codes, messages, files written or not. Uses the repo's examples. */
class MainTest {

    static final Path IRIS = Path.of("models/iris_4-16-16-3_relu.onnx");
    static final Path IRIS_TEST = Path.of("examples/iris/iris-test.csv");
    static final Path DIGITS = Path.of("models/digits_8x8-128-64-10_relu.onnx");
    static final Path DIGITS_TEST = Path.of("examples/digits/digits-test.csv.gz");
    /** The version in pom.xml, passed by the build. */
    static final String POM_VERSION = System.getProperty("odf2nna.version", "(run through Maven)");

    @TempDir
    Path dir;

    @Test
    void helpListsTheCommandsAndExitsZero() {
        CliRun run = CliRun.of("--help");
        assertEquals(0, run.exitCode(), run.toString());
        for (String command : List.of("shrink", "evolve", "inspect", "eval")) {
            assertTrue(run.out().contains(command), command + " missing from help:\n" + run.out());
        }
        assertTrue(run.out().contains("Exit codes"), run.out());
        // How to give Java more memory (issue 57), in the help itself.
        assertTrue(run.out().replaceAll("\\s+", " ").contains("set it with ODF2NNA_HEAP=8g, or JAVA_OPTS=-Xmx8g"),
                run.out());
    }

    @Test
    void outOfMemorySaysTheHeapAndHowToRaiseIt() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        int code = Main.report(new OutOfMemoryError("Java heap space"), false, new java.io.PrintStream(bytes, true,
                java.nio.charset.StandardCharsets.UTF_8));
        String err = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(Main.FAILED, code);
        assertEquals(1, err.lines().count(), err);
        // the prefix bench scale reads, the heap the run had, the launcher's variable
        assertTrue(err.startsWith("odf2nna-onnx: error: out of memory (Java heap space) in a heap of "
                + (Runtime.getRuntime().maxMemory() >> 20) + " MB; give Java more with ODF2NNA_HEAP="
                + Main.moreHeapGigabytes(Runtime.getRuntime().maxMemory()) + "g"), err);
        // twice the heap the run had, at least 8 GB: the default ceiling is half the machine's memory (issue 82)
        assertEquals(8, Main.moreHeapGigabytes(852L << 20));
        assertEquals(24, Main.moreHeapGigabytes(12L << 30));
    }

    @Test
    void helpSaysExitCodeThreeAndTheDefaultSchedule() {
        String main = CliRun.of("--help").out().replaceAll("\\s+", " ");
        assertTrue(main.contains("3 nothing written"), main);
        String sweep = CliRun.of("sweep", "--help").out().replaceAll("\\s+", " ");
        assertFalse(sweep.contains("Tries a grid"), sweep);
        // The default reading since issue 46: the rounds tested in order, each at the whole 5% (issue 56).
        assertTrue(sweep.contains("By default (--promise population) they are tested in order, each at the whole "
                + "5%, up to the first that fails"), sweep);
        assertTrue(sweep.contains("at most 5% write a model whose accuracy on the data the validation rows come "
                + "from is more than --max-drop below the original's"), sweep);
        assertFalse(sweep.contains("each at its part of one 5%"), sweep);
    }

    @Test
    void aMisspeltOptionOrCommandGetsADidYouMean() {
        CliRun option = CliRun.of("shrink", IRIS.toString(), "--eval", IRIS_TEST.toString(), "--epislon", "0.1",
                "-o", dir.resolve("x.onnx").toString());
        assertEquals(2, option.exitCode(), option.toString());
        assertTrue(option.err().contains("did you mean --epsilon?"), option.err());
        assertEquals(1, option.err().strip().lines().count(), option.err());
        CliRun command = CliRun.of("shrnk", IRIS.toString());
        assertEquals(2, command.exitCode(), command.toString());
        assertTrue(command.err().contains("did you mean shrink?"), command.err());
        assertFalse(Files.exists(dir.resolve("x.onnx")));
    }

    @Test
    void anOriginalFarBelowTheMetricItsSidecarRecordsIsWarnedAbout() throws Exception {
        // The iris model and its sidecar (test accuracy 100%), on the test rows with every other label changed: the
        // original scores about half, above chance among 3 classes but far below what is recorded.
        Path model = Files.copy(IRIS, dir.resolve("iris.onnx"));
        Files.copy(Path.of("models/iris_4-16-16-3_relu.json"), dir.resolve("iris.json"));
        List<String> lines = Files.readAllLines(IRIS_TEST);
        StringBuilder shifted = new StringBuilder(lines.get(0)).append('\n');
        for (int i = 1; i < lines.size(); i++) {
            String row = lines.get(i);
            int comma = row.lastIndexOf(',');
            int label = Integer.parseInt(row.substring(comma + 1).strip());
            shifted.append(row, 0, comma + 1).append(i % 2 == 0 ? (label + 1) % 3 : label).append('\n');
        }
        Path rows = Files.writeString(dir.resolve("shifted.csv"), shifted);
        CliRun run = CliRun.of("-q", "shrink", model.toString(), "--eval", rows.toString(), "--epsilon", "0.1", "-o",
                dir.resolve("s.onnx").toString());
        assertEquals(0, run.exitCode(), run.toString());
        List<String> out = run.out().lines().toList();
        int or = out.indexOf(out.stream().filter(l -> l.startsWith("OR     ")).findFirst().orElseThrow());
        assertTrue(out.get(or + 1).startsWith("       warning: the original scores ")
                && out.get(or + 1).contains("points below the 100.00% accuracy its sidecar " + dir.resolve("iris.json")
                        + " records"), run.out());
        assertFalse(run.out().contains("no better than chance"), run.out());
        // The same model on its own test rows: no warning.
        CliRun fine = CliRun.of("-q", "shrink", model.toString(), "--eval", IRIS_TEST.toString(), "--epsilon", "0.1",
                "-o", dir.resolve("f.onnx").toString());
        assertFalse(fine.out().contains("warning"), fine.out());
    }

    @Test
    void anOutputWrittenOverIsSaid() {
        Path out = dir.resolve("again.onnx");
        CliRun first = CliRun.of("-q", "shrink", IRIS.toString(), "--eval", IRIS_TEST.toString(), "-o", out.toString());
        assertEquals(0, first.exitCode(), first.toString());
        assertFalse(first.out().contains("replaced"), first.out());
        CliRun second = CliRun.of("-q", "shrink", IRIS.toString(), "--eval", IRIS_TEST.toString(), "-o",
                out.toString());
        assertEquals(0, second.exitCode(), second.toString());
        assertTrue(second.out().contains("(it replaced the file that was there)"), second.out());
        Path keras = dir.resolve("iris.keras");
        CliRun convert = CliRun.of("-q", "convert", IRIS.toString(), "-o", keras.toString());
        assertEquals(0, convert.exitCode(), convert.toString());
        assertTrue(convert.out().contains("as the Keras reader reads it back")
                && !convert.out().contains("ONNX Runtime"), convert.out());
    }

    @Test
    void everyCommandHasHelp() {
        for (String command : List.of("shrink", "evolve", "inspect", "eval", "build", "run", "sweep", "convert",
                "reproduce", "bench")) {
            CliRun run = CliRun.of(command, "--help");
            assertEquals(0, run.exitCode(), run.toString());
            assertTrue(run.out().contains("Usage: odf2nna-onnx " + command), run.out());
        }
    }

    @Test
    void helpTextsFormatWithoutPicocliWarnings() {
        // A bare '%' in a description makes picocli print a warning to System.err and show the raw text.
        java.io.PrintStream saved = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            CliRun.of("--help");
            for (String command : List.of("shrink", "evolve", "inspect", "eval", "build", "run", "sweep", "convert",
                    "reproduce", "bench")) {
                CliRun.of(command, "--help");
            }
        } finally {
            System.setErr(saved);
        }
        String err = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertFalse(err.contains("picocli WARN"), err);
    }

    @Test
    void versionNamesTheToolAndTheRuntime() {
        CliRun run = CliRun.of("--version");
        assertEquals(0, run.exitCode());
        assertTrue(run.out().startsWith("odf2nna-onnx " + POM_VERSION + System.lineSeparator()), run.out());
        assertTrue(run.out().contains("ONNX Runtime 1.29.0"), run.out());
    }

    @Test
    void badUsageExitsTwoWithAShortMessage() {
        CliRun none = CliRun.of();
        assertEquals(2, none.exitCode(), none.toString());
        assertTrue(none.err().contains("missing command"), none.err());

        CliRun unknown = CliRun.of("shrink", IRIS.toString(), "--eval", IRIS_TEST.toString(), "--frobnicate");
        assertEquals(2, unknown.exitCode(), unknown.toString());
        assertTrue(unknown.err().contains("--frobnicate"), unknown.err());

        CliRun noEval = CliRun.of("shrink", IRIS.toString());
        assertEquals(2, noEval.exitCode(), noEval.toString());
        assertTrue(noEval.err().contains("--eval"), noEval.err());
    }

    @Test
    void badEpsilonIsAUsageError() {
        for (String bad : List.of("-0.1", "NaN", "abc", "Infinity", "0.1,-2")) {
            Path out = dir.resolve("out.onnx");
            CliRun run = CliRun.of("shrink", IRIS.toString(), "--eval", IRIS_TEST.toString(), "--epsilon", bad,
                    "-o", out.toString());
            assertEquals(2, run.exitCode(), bad + ": " + run);
            assertTrue(run.err().contains("epsilon") || run.err().contains("ε"), run.err());
            assertFalse(Files.exists(out), "no output for a bad ε");
        }
    }

    @Test
    void inspectShowsTheDenseChain() {
        CliRun run = CliRun.of("inspect", IRIS.toString());
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("4-16-16-3"), run.out());
        assertTrue(run.out().contains("Relu"), run.out());
        assertTrue(run.out().contains("403 parameters"), run.out()); // 4*16+16 + 16*16+16 + 16*3+3

        CliRun digits = CliRun.of("inspect", DIGITS.toString(), "--json");
        assertEquals(0, digits.exitCode(), digits.toString());
        JsonObject json = JsonParser.parseString(digits.out()).getAsJsonObject();
        assertEquals("preprocessing", json.get("prefix").getAsString());
        assertEquals("Flatten", json.getAsJsonArray("prefixOperators").get(0).getAsString());
        assertEquals("Softmax", json.get("head").getAsString());
        assertEquals("[batch, 1, 8, 8]", json.get("inputShape").getAsString());
    }

    @Test
    void evalAgreesWithPyTorchsOwnTestAccuracy() throws IOException {
        // The sidecar holds the accuracy PyTorch computed when it trained and exported the model.
        for (Path[] pair : new Path[][] {{IRIS, IRIS_TEST}, {DIGITS, DIGITS_TEST}}) {
            double expected = sidecarAccuracy(pair[0]);
            CliRun run = CliRun.of("eval", pair[0].toString(), pair[1].toString(), "--json");
            assertEquals(0, run.exitCode(), run.toString());
            JsonObject metrics = JsonParser.parseString(run.out()).getAsJsonObject().getAsJsonObject("metrics");
            assertEquals(expected, metrics.get("accuracy").getAsDouble(), 1e-9, run.out());
        }
    }

    @Test
    void shrinkWritesAVerifiedSmallerModelAndAReport() throws IOException {
        Path out = dir.resolve("iris.small.onnx");
        Path report = dir.resolve("report.json");
        byte[] before = Files.readAllBytes(IRIS);
        CliRun run = CliRun.of("-q", "shrink", IRIS.toString(), "--eval", IRIS_TEST.toString(), "--epsilon", "0.2",
                "-o", out.toString(), "--report", report.toString());
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(Files.size(out) > 0 && Files.size(out) < Files.size(IRIS), "smaller file");
        assertArrayEquals(before, Files.readAllBytes(IRIS), "the input is never modified");
        JsonObject json = JsonParser.parseString(Files.readString(report)).getAsJsonObject();
        JsonObject outcome = json.getAsJsonArray("outcomes").get(0).getAsJsonObject();
        long parameters = outcome.getAsJsonObject("network").get("parameters").getAsLong();
        assertTrue(parameters < 403, "fewer parameters than the original: " + parameters);
        assertTrue(run.out().contains("PWR accuracy"), run.out());

        // The written model is a valid dense chain of the reported size, and eval agrees with the PWR figure.
        CliRun inspect = CliRun.of("inspect", out.toString(), "--json");
        JsonObject described = JsonParser.parseString(inspect.out()).getAsJsonObject();
        assertEquals(parameters, described.get("parameters").getAsLong());
        // It names this tool, at the pom's version, as its producer, and keeps the one it was made by.
        assertEquals("odf2nna-onnx " + POM_VERSION, described.get("producer").getAsString());
        assertEquals(List.of("odf2nna.source_producer=pytorch 1.13.0"), ModelProto.parseFrom(Files.readAllBytes(out))
                .getMetadataPropsList().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
        CliRun eval = CliRun.of("eval", out.toString(), IRIS_TEST.toString(), "--json");
        double pwr = outcome.getAsJsonObject("pruned").get("accuracy").getAsDouble();
        double evaluated = JsonParser.parseString(eval.out()).getAsJsonObject().getAsJsonObject("metrics")
                .get("accuracy").getAsDouble();
        assertEquals(pwr, evaluated, 1e-12);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("iris.small.onnx", "report.json"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary files left");
        }
    }

    @Test
    void shrinkWithTrainingDataAddsThePrStage() throws IOException {
        Path out = dir.resolve("retrained.onnx");
        Path report = dir.resolve("r.json");
        CliRun run = CliRun.of("-q", "shrink", IRIS.toString(), "--eval", IRIS_TEST.toString(), "--train",
                "examples/iris/iris-train.csv", "--retrain-epochs", "3", "-e", "0.5", "-o", out.toString(),
                "--report", report.toString());
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("PR accuracy"), run.out());
        assertTrue(run.out().contains("up to 3 epochs (--retrain-epochs 3)"), run.out());
        JsonObject outcome = JsonParser.parseString(Files.readString(report)).getAsJsonObject()
                .getAsJsonArray("outcomes").get(0).getAsJsonObject();
        assertTrue(outcome.getAsJsonObject("training").get("epochsRun").getAsInt() <= 3);
        // The written file is the retrained model: eval gives the PR figure.
        CliRun eval = CliRun.of("eval", out.toString(), IRIS_TEST.toString(), "--json");
        assertEquals(outcome.getAsJsonObject("retrained").get("accuracy").getAsDouble(),
                JsonParser.parseString(eval.out()).getAsJsonObject().getAsJsonObject("metrics").get("accuracy")
                        .getAsDouble(), 1e-12);
    }

    @Test
    void retrainingOptionsAreChecked() {
        Path out = dir.resolve("never.onnx");
        String[][] bad = {
            {"--retrain-epochs", "5"},
            {"--original-epochs", "100"},
            {"--train", "examples/iris/iris-train.csv", "--validation-split", "1.5"},
            {"--train", "examples/iris/iris-train.csv", "--learning-rate", "-1"},
            {"--train", "examples/iris/iris-train.csv", "--batch-size", "0"},
            {"--train", "examples/iris/iris-train.csv", "--retrain-epochs", "-2"},
        };
        for (String[] options : bad) {
            List<String> args = new java.util.ArrayList<>(List.of("shrink", IRIS.toString(), "--eval",
                    IRIS_TEST.toString(), "-o", out.toString()));
            args.addAll(List.of(options));
            CliRun run = CliRun.of(args.toArray(new String[0]));
            assertEquals(2, run.exitCode(), String.join(" ", options) + ": " + run);
            assertFalse(Files.exists(out));
        }
    }

    @Test
    void severalEpsilonsGiveOneFileEach() {
        Path out = dir.resolve("m.onnx");
        CliRun run = CliRun.of("-q", "shrink", IRIS.toString(), "--eval", IRIS_TEST.toString(), "-e", "0,0.5",
                "-o", out.toString());
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(Files.exists(dir.resolve("m.eps0.onnx")));
        assertTrue(Files.exists(dir.resolve("m.eps0.5.onnx")));
        assertFalse(Files.exists(out));
    }

    @Test
    void outputOverTheInputIsRefusedAndTheInputKept() throws IOException {
        Path copy = dir.resolve("model.onnx");
        Files.copy(IRIS, copy);
        byte[] before = Files.readAllBytes(copy);
        CliRun run = CliRun.of("shrink", copy.toString(), "--eval", IRIS_TEST.toString(), "-o", copy.toString());
        assertEquals(2, run.exitCode(), run.toString());
        assertTrue(run.err().contains("input"), run.err());
        assertArrayEquals(before, Files.readAllBytes(copy));
    }

    @Test
    void badInputIsOneLineNamingTheFileWithoutStackTrace() throws IOException {
        CliRun missing = CliRun.of("inspect", dir.resolve("nope.onnx").toString());
        assertEquals(1, missing.exitCode(), missing.toString());
        assertTrue(missing.err().contains("nope.onnx: no such file"), missing.err());
        assertFalse(missing.err().contains("\tat "), "no stack trace without --verbose");
        assertEquals(1, missing.err().strip().lines().count(), missing.err());

        Path csv = dir.resolve("bad.csv");
        Files.writeString(csv, "a,b,c,d,label\n1,2,3,4,0\n1,2,x,4,1\n");
        Path out = dir.resolve("out.onnx");
        CliRun bad = CliRun.of("shrink", IRIS.toString(), "--eval", csv.toString(), "-o", out.toString());
        assertEquals(1, bad.exitCode(), bad.toString());
        assertTrue(bad.err().contains("bad.csv: line 3, column 3 'c': 'x' is not a number"), bad.err());
        assertFalse(Files.exists(out));

        CliRun verbose = CliRun.of("--verbose", "inspect", dir.resolve("nope.onnx").toString());
        assertEquals(1, verbose.exitCode());
        assertTrue(verbose.err().contains("\tat "), "stack trace with --verbose");
    }

    @Test
    void wrongColumnCountNamesTheHeader() throws IOException {
        Path csv = dir.resolve("three.csv");
        Files.writeString(csv, "a,b,c\n1,2,3\n");
        CliRun run = CliRun.of("eval", IRIS.toString(), csv.toString());
        assertEquals(1, run.exitCode(), run.toString());
        assertTrue(run.err().contains("three.csv: line 1: has 3 columns, but the model takes 4"), run.err());
    }

    static double sidecarAccuracy(Path model) throws IOException {
        Path sidecar = Path.of(model.toString().replace(".onnx", ".json"));
        return JsonParser.parseString(Files.readString(sidecar)).getAsJsonObject().getAsJsonObject("test_metrics")
                .get("accuracy").getAsDouble();
    }
}

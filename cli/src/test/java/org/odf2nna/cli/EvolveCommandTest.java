package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The evolve command as a user meets it, on the repository's iris model. */
class EvolveCommandTest {

    static final Path IRIS = Path.of("models/iris_4-16-16-3_relu.onnx");
    static final Path IRIS_TRAIN = Path.of("examples/iris/iris-train.csv");
    static final Path IRIS_TEST = Path.of("examples/iris/iris-test.csv");

    @TempDir
    Path dir;

    private CliRun evolve(String... extra) {
        List<String> args = new ArrayList<>(List.of("-q", "evolve", IRIS.toString(), "--eval", IRIS_TEST.toString(),
                "--train", IRIS_TRAIN.toString(), "--retrain-epochs", "3", "--population", "8", "--evaluations", "40"));
        args.addAll(List.of(extra));
        return CliRun.of(args.toArray(new String[0]));
    }

    @Test
    void anOutputWrittenOverIsSaid() {
        Path out = dir.resolve("again.onnx");
        CliRun first = evolve("-o", out.toString());
        assertEquals(0, first.exitCode(), first.toString());
        assertFalse(first.out().contains("replaced"), first.out());
        CliRun second = evolve("-o", out.toString());
        assertEquals(0, second.exitCode(), second.toString());
        assertTrue(second.out().contains("(it replaced the file that was there)"), second.out());
    }

    @Test
    void helpNamesTheSearchOptionsAndDefaults() {
        CliRun run = CliRun.of("evolve", "--help");
        assertEquals(0, run.exitCode(), run.toString());
        for (String option : List.of("--layers", "--select-features", "--population", "--evaluations", "--mutation",
                "--fitness-epochs", "--threads", "--train", "--seed", "--report")) {
            assertTrue(run.out().contains(option), option + " missing:\n" + run.out());
        }
        String text = run.out().replaceAll("\\s+", " ");
        assertTrue(text.contains("(default: 30)") && text.contains("(default: 0.07)")
                && text.contains("default: 200, or 300 when several layers"), run.out());
        assertFalse(run.err().contains("WARN"), "picocli formats every description: " + run.err());
    }

    @Test
    void badUsageExitsTwoAndWritesNothing() {
        Path out = dir.resolve("out.onnx");
        List<String[]> cases = List.of(
                new String[] {"-q", "evolve", IRIS.toString(), "--eval", IRIS_TEST.toString(), "-o", out.toString()},
                new String[] {"-q", "evolve", IRIS.toString(), "--eval", IRIS_TEST.toString(), "--train",
                    IRIS_TRAIN.toString(), "--select-features", "--layers", "1", "-o", out.toString()},
                new String[] {"-q", "evolve", IRIS.toString(), "--eval", IRIS_TEST.toString(), "--train",
                    IRIS_TRAIN.toString(), "--evaluations", "10", "-o", out.toString()},
                new String[] {"-q", "evolve", IRIS.toString(), "--eval", IRIS_TEST.toString(), "--train",
                    IRIS_TRAIN.toString(), "--mutation", "1.5", "-o", out.toString()},
                new String[] {"-q", "evolve", IRIS.toString(), "--eval", IRIS_TEST.toString(), "--train",
                    IRIS_TRAIN.toString(), "--population", "1", "-o", out.toString()},
                new String[] {"-q", "evolve", IRIS.toString(), "--eval", IRIS_TEST.toString(), "--train",
                    IRIS_TRAIN.toString(), "--layers", "3", "-o", out.toString()},
                new String[] {"-q", "evolve", IRIS.toString(), "--eval", IRIS_TEST.toString(), "--train",
                    IRIS_TRAIN.toString(), "-o", IRIS.toString()},
                new String[] {"-q", "evolve", IRIS.toString(), "--train", IRIS_TRAIN.toString(), "-o",
                    out.toString()},
                new String[] {"-q", "evolve", IRIS.toString(), "--eval", IRIS_TEST.toString(), "--train",
                    IRIS_TRAIN.toString(), "--graph-epochs", "3", "-o", out.toString()},
                new String[] {"-q", "evolve", IRIS.toString(), "--eval", IRIS_TEST.toString(), "--train",
                    IRIS_TRAIN.toString(), "--accept-chance", "-o", out.toString()});
        List<String> expected = List.of("--train", "--layers", "--evaluations 10", "--mutation", "--population",
                "--layers 3: the model has 2 hidden layers", "input of this run", "--eval is needed: a dense chain's",
                "--graph-epochs applies to graphs", "--accept-chance applies to evolve on a graph");
        for (int c = 0; c < cases.size(); c++) {
            CliRun run = CliRun.of(cases.get(c));
            assertEquals(2, run.exitCode(), String.join(" ", cases.get(c)) + "\n" + run);
            assertTrue(run.err().contains(expected.get(c)), run.err());
            assertFalse(Files.exists(out));
        }
    }

    static final Path KERAS_EDGE = Path.of("library/src/test/resources/keras-edge");

    /** evolve on a graph (issue 70): a Keras MobileNetV2 backbone's blocks searched, written back as .keras. */
    @Test
    void aGraphIsEvolvedAndWrittenBackInItsFormat() throws IOException {
        Path model = KERAS_EDGE.resolve("mnv2_tiny.keras");
        Path out = dir.resolve("small.keras");
        Path report = dir.resolve("small.json");
        CliRun run = CliRun.of("-q", "evolve", model.toString(), "--train", KERAS_EDGE.resolve("rows_tiny.npz")
                .toString(), "--validation", KERAS_EDGE.resolve("rows_tiny_b.npz").toString(), "--population", "8",
                "--evaluations", "40", "-o", out.toString(), "--report", report.toString());
        assertEquals(0, run.exitCode(), run.toString());
        String text = run.out();
        assertTrue(text.contains("Search ") && text.contains("population 8") && text.contains("of 40"), text);
        assertTrue(text.contains("every mask judged on " + KERAS_EDGE.resolve("rows_tiny_b.npz")), text);
        assertTrue(text.contains("Best mask, units kept per block: "), text);
        assertTrue(text.matches("(?s).*Parameters 2,108 -> [0-9,]+ \\([0-9.]+% fewer\\); multiply-adds per row "
                + "55,168 -> .*"), text);
        assertTrue(text.contains("Wrote  " + out), text);
        assertTrue(Files.isRegularFile(out) && Files.isRegularFile(report));
        JsonObject json = JsonParser.parseString(Files.readString(report)).getAsJsonObject();
        JsonObject outcome = json.getAsJsonObject("outcome");
        assertTrue(outcome.get("parametersAfter").getAsLong() < outcome.get("parametersBefore").getAsLong(),
                outcome.toString());
        // The .keras written is read by every command as the graph it is.
        CliRun inspect = CliRun.of("inspect", out.toString());
        assertEquals(0, inspect.exitCode(), inspect.toString());
        // What a graph does not read is refused in one line before any work.
        Path never = dir.resolve("never.onnx");
        CliRun layers = CliRun.of("-q", "evolve", model.toString(), "--train", KERAS_EDGE.resolve("rows_tiny.npz")
                .toString(), "--validation", KERAS_EDGE.resolve("rows_tiny_b.npz").toString(), "--layers", "1", "-o",
                never.toString());
        assertEquals(2, layers.exitCode(), layers.toString());
        assertEquals(1, layers.err().strip().lines().count(), layers.err());
        assertTrue(layers.err().contains("--layers numbers a dense chain's hidden layers"), layers.err());
        assertFalse(Files.exists(never));
    }

    @Test
    void evolveWritesASmallerModelThatEvalAgreesWith() throws IOException {
        Path out = dir.resolve("iris.evolved.onnx");
        Path report = dir.resolve("report.json");
        byte[] before = Files.readAllBytes(IRIS);
        CliRun run = evolve("--layers", "2", "-o", out.toString(), "--report", report.toString());
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("PR accuracy") && run.out().contains("generation"), run.out());
        assertArrayEquals(before, Files.readAllBytes(IRIS), "the input is never modified");
        JsonObject json = JsonParser.parseString(Files.readString(report)).getAsJsonObject();
        JsonObject outcome = json.getAsJsonObject("outcome");
        long parameters = outcome.getAsJsonObject("network").get("parameters").getAsLong();
        CliRun inspect = CliRun.of("inspect", out.toString(), "--json");
        assertEquals(parameters, JsonParser.parseString(inspect.out()).getAsJsonObject().get("parameters").getAsLong());
        assertEquals(16, outcome.getAsJsonArray("unitsKept").get(0).getAsInt(), "layer 1 is not searched");
        CliRun eval = CliRun.of("eval", out.toString(), IRIS_TEST.toString(), "--json");
        double pr = outcome.getAsJsonObject("retrained").get("accuracy").getAsDouble();
        assertEquals(pr, JsonParser.parseString(eval.out()).getAsJsonObject().getAsJsonObject("metrics")
                .get("accuracy").getAsDouble(), 1e-12);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("iris.evolved.onnx", "report.json"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary files left");
        }
    }

    @Test
    void featureSelectionNamesTheKeptColumnsAndEvalReadsThemByName() throws IOException {
        Path out = dir.resolve("iris.features.onnx");
        Path report = dir.resolve("report.json");
        CliRun run = evolve("--select-features", "-o", out.toString(), "--report", report.toString());
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("features kept:"), run.out());
        JsonArray kept = JsonParser.parseString(Files.readString(report)).getAsJsonObject().getAsJsonObject("outcome")
                .getAsJsonArray("featuresKept");
        List<String> names = new ArrayList<>();
        kept.forEach(e -> names.add(e.getAsString()));
        List<String> all = List.of("sepal_length", "sepal_width", "petal_length", "petal_width");
        assertTrue(all.containsAll(names) && !names.isEmpty(), names.toString());
        CliRun inspect = CliRun.of("inspect", out.toString(), "--json");
        assertTrue(inspect.out().contains("\"inputShape\": \"[batch, " + names.size() + "]\""), inspect.out());

        // the test file with its columns reversed (target first) and an extra column: eval finds them by name
        List<String> lines = Files.readAllLines(IRIS_TEST);
        List<String> reversed = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String[] cells = lines.get(i).split(",");
            StringBuilder s = new StringBuilder();
            for (int c = cells.length - 1; c >= 0; c--) {
                s.append(cells[c]).append(',');
            }
            reversed.add(s.append(i == 0 ? "comment" : Integer.toString(i)).toString());
        }
        Path shuffled = Files.write(dir.resolve("reversed.csv"), reversed);
        CliRun byName = CliRun.of("eval", out.toString(), shuffled.toString(), "--json");
        CliRun plain = CliRun.of("eval", out.toString(), IRIS_TEST.toString(), "--json");
        assertEquals(0, byName.exitCode(), byName.toString());
        assertEquals(0, plain.exitCode(), plain.toString());
        assertEquals(JsonParser.parseString(plain.out()).getAsJsonObject().get("metrics"),
                JsonParser.parseString(byName.out()).getAsJsonObject().get("metrics"));
    }
}

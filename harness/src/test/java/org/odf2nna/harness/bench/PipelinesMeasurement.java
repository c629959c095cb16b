package org.odf2nna.harness.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.odf2nna.Progress;
import org.odf2nna.api.FileWorkflows;
import org.odf2nna.method.GraphSweeper;
import org.odf2nna.settings.CsvReading;
import org.odf2nna.settings.GraphRetraining;
import org.odf2nna.settings.SweepFiles;
import org.odf2nna.settings.SweepSettings;

/**
 * The measurement behind development.md's "Three pairs that stay": the same dense chains swept by the chain's
 * pipeline (progressive rounds, least squares, DenseTrainer) and by the graph's (fixed-share rounds over the chain's
 * blocks, sequential refit, with and without end-to-end retraining), at the defaults, on the same files. Not a test:
 * it runs only when asked, for minutes:
 * {@code ./mvnw -q -B -o -pl harness -am test -Dtest=PipelinesMeasurement -Dsurefire.failIfNoSpecifiedTests=false
 * -Dodf2nna.measure=pipelines}. Each model's test split is cut into validation rows (even rows, which choose) and report
 * rows (odd rows, which only report); none of them trained the model. It prints one line per run and keeps the JSON
 * reports under {@code harness/target/pipelines}.
 */
@EnabledIfSystemProperty(named = "odf2nna.measure", matches = "pipelines")
class PipelinesMeasurement {

    private static final Path SHARED = Path.of(System.getProperty("odf2nna.shared", "../shared"));
    // Surefire runs in the repository's root.
    private static final Path WORK = Path.of("harness/target/pipelines");

    /**
     * A dense chain, its training rows and the test rows split here into validation and report rows; {@code loose} is
     * a looser tolerance (2 accuracy points, 50% of the MSE), the second setting each pipeline runs at.
     */
    record Case(String name, Path model, Path train, Path test, double loose) {
    }

    private static List<Case> cases() {
        Path splits = SHARED.resolve("data/splits");
        Path models = SHARED.resolve("models");
        return List.of(
                new Case("spambase", models.resolve("spambase_57-64-64-64-2_relu.onnx"),
                        splits.resolve("spambase-train.csv"), splits.resolve("spambase-test.csv"), 2),
                new Case("pole", models.resolve("pole_26-32-32-32-1_relu.onnx"), splits.resolve("pole-train.csv"),
                        splits.resolve("pole-test.csv"), 50),
                new Case("compactiv", models.resolve("compactiv_21-32-32-32-1_relu_norm.onnx"),
                        splits.resolve("compactiv-train.csv"), splits.resolve("compactiv-test.csv"), 50),
                new Case("mnist", models.resolve("mnist_lenet300-100_relu.onnx"),
                        SHARED.resolve("data/mnist-train.csv.gz"), SHARED.resolve("data/mnist-test.csv.gz"), 2));
    }

    @Test
    void chainAndGraphPipelinesOnTheSameChains() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(SHARED), "../shared is absent");
        Files.createDirectories(WORK);
        List<String> lines = new ArrayList<>();
        for (Case c : cases()) {
            Path validation = WORK.resolve(c.name() + "-validation.csv");
            Path report = WORK.resolve(c.name() + "-report.csv");
            splitTest(c.test(), validation, report);
            for (Double maxDrop : new Double[] {null, c.loose()}) {
                for (String side : List.of("chain", "graph", "graph-refit")) {
                    String name = c.name() + "-" + side + (maxDrop == null ? "" : "-loose");
                    Path out = WORK.resolve(name + ".onnx");
                    Files.deleteIfExists(out);
                    SweepFiles files = new SweepFiles(c.model(), c.train(), validation, report, out,
                            WORK.resolve(name + ".json"), null, CsvReading.DEFAULT);
                    long start = System.nanoTime();
                    run(side, files, maxDrop);
                    double seconds = (System.nanoTime() - start) / 1e9;
                    String line = name + " " + summary(side, files.report()) + String.format(Locale.ROOT,
                            " | %.1f s", seconds);
                    System.out.println(line);
                    lines.add(line);
                }
            }
        }
        Files.write(WORK.resolve("summary.txt"), lines);
        assertTrue(lines.size() == 6 * cases().size());
    }

    private static void run(String side, SweepFiles files, Double maxDrop) {
        SweepSettings defaults = maxDrop == null ? SweepSettings.defaults()
                : SweepSettings.builder().maxDrop(maxDrop).build();
        switch (side) {
            case "chain" -> FileWorkflows.sweep(files, defaults, Progress.NONE);
            case "graph" -> GraphSweeper.sweep(files, defaults, Progress.NONE);
            default -> GraphSweeper.sweep(files, defaults, GraphRetraining.SEQUENTIAL, Progress.NONE);
        }
    }

    /** Written or not; the written model's parameters and reduction; the report rows' metric against the original's. */
    private static String summary(String side, Path reportJson) throws IOException {
        JsonObject r = JsonParser.parseString(Files.readString(reportJson)).getAsJsonObject();
        boolean chain = side.equals("chain");
        // A chain's rounds are its table's outcomes, measured by their retrained network; a graph's are its rounds.
        JsonObject table = chain ? r.getAsJsonObject("table") : r;
        JsonArray rounds = table.getAsJsonArray(chain ? "outcomes" : "rounds");
        String original = metric(table.getAsJsonObject(chain ? "originalMetrics" : "report"));
        if (!r.has("chosen") || r.get("chosen").isJsonNull()) {
            return "nothing written (" + rounds.size() + " rounds) | original " + original;
        }
        JsonObject o = rounds.get(r.get("chosen").getAsInt()).getAsJsonObject();
        long parameters = (chain ? o.getAsJsonObject("network") : o).get("parameters").getAsLong();
        return String.format(Locale.ROOT, "%d parameters, %.1f%% fewer | report %s, original %s", parameters,
                o.get("reductionPercent").getAsDouble(), metric(o.getAsJsonObject(chain ? "retrained" : "report")),
                original);
    }

    private static String metric(JsonObject m) {
        if (m.has("mse") && !m.has("accuracy")) {
            return String.format(Locale.ROOT, "MSE %.5g", m.get("mse").getAsDouble());
        }
        if (m.has("accuracy") && m.get("accuracy").getAsDouble() == m.get("accuracy").getAsDouble()) {
            return String.format(Locale.ROOT, "accuracy %.4f", m.get("accuracy").getAsDouble());
        }
        return String.format(Locale.ROOT, "MSE %.5g", m.get("mse").getAsDouble());
    }

    /** Even data rows to {@code validation}, odd ones to {@code report}, each with the header. */
    private static void splitTest(Path test, Path validation, Path report) throws IOException {
        List<String> even = new ArrayList<>();
        List<String> odd = new ArrayList<>();
        try (InputStream in = open(test);
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String header = reader.readLine();
            even.add(header);
            odd.add(header);
            int i = 0;
            for (String line = reader.readLine(); line != null; line = reader.readLine(), i++) {
                (i % 2 == 0 ? even : odd).add(line);
            }
        }
        Files.write(validation, even);
        Files.write(report, odd);
    }

    private static InputStream open(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        return file.toString().endsWith(".gz") ? new GZIPInputStream(in) : in;
    }
}

package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.TestModels;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.EpsilonOutcome;
import org.odf2nna.report.ShrinkReport;
import org.odf2nna.settings.PruningOptions;

class ShrinkerTest {

    private static final int ROWS = 200;

    @TempDir
    Path dir;

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("Gemm ReLU", TestModels.dense(4, 8, 6, 3).build()),
                Arguments.of("MatMul without bias, Softmax", TestModels.dense(4, 8, 6, 3)
                        .style(TestModels.Style.MATMUL_NO_BIAS).head(TestModels.Head.SOFTMAX).build()),
                Arguments.of("BatchNormalization, tanh", TestModels.dense(4, 8, 6, 3)
                        .norm(0, TestModels.Norm.BEFORE_ACTIVATION).norm(1, TestModels.Norm.AFTER_ACTIVATION)
                        .activation(TestModels.Act.tanh()).build()),
                Arguments.of("Flatten prefix [N,1,2,2]", TestModels.dense(4, 8, 6, 3)
                        .prefix(TestModels.Prefix.FLATTEN).build()),
                Arguments.of("Conv backbone", TestModels.dense(8, 8, 6, 3).prefix(TestModels.Prefix.CONV)
                        .dead(0, 2).build()),
                Arguments.of("fixed batch of 1", TestModels.dense(4, 8, 6, 3).fixedBatch().valueInfo().build()),
                Arguments.of("float64, alpha/beta", TestModels.dense(4, 8, 6, 3).doubles()
                        .gemmScale(1, 0.5f, 1.5f).build()),
                Arguments.of("sigmoid head, one output", TestModels.dense(4, 8, 6, 1)
                        .head(TestModels.Head.SIGMOID).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void epsilonZeroKeepsTheOutputs(String name, TestModels.Built built) throws IOException {
        Path model = TestModels.save(built.model(), dir, "model.onnx");
        float[] rows = TestModels.randomRows(31, ROWS, built.inputWidth());
        float[] original = ort(built.model(), rows);
        Path csv = writeCsv("eval.csv", rows, built.inputWidth(), argmaxLabels(original, built.outputs()));
        Path out = dir.resolve("small.onnx");

        ShrinkReport report = Shrinker.run(options(model, csv, List.of(0.0), List.of(out), null), Progress.NONE);

        assertTrue(Files.exists(out));
        TestModels.assertClose(original, ort(OnnxModelFile.read(out), rows), 1e-5, "eps=0 output vs original");
        assertEquals(ROWS, report.rows());
        assertTrue(report.outcomes().get(0).maxOutputDifference() <= 1e-4);
        // units whose output never changes are the only ones removed at eps = 0
        int[] expectedKept = keptAtZero(built, rows);
        assertEquals(toList(expectedKept), report.outcomes().get(0).unitsKept());
    }

    @Test
    void deadReluUnitsAreRemovedAndNothingElse() throws IOException {
        TestModels.Built built = TestModels.dense(4, 8, 6, 3).dead(0, 1, 4, 6).dead(1, 2).build();
        Path model = TestModels.save(built.model(), dir, "model.onnx");
        float[] rows = TestModels.randomRows(32, ROWS, 4);
        float[] original = ort(built.model(), rows);
        Path csv = writeCsv("eval.csv", rows, 4, argmaxLabels(original, 3));
        Path out = dir.resolve("small.onnx");

        ShrinkReport report = Shrinker.run(options(model, csv, List.of(0.0), List.of(out), null), Progress.NONE);

        // the dead units are exactly the ones with zero spread; find them here, in double
        List<double[]> hidden = built.hiddenReference(rows, ROWS);
        List<Integer> constant1 = constantUnits(hidden.get(0), 8);
        List<Integer> constant2 = constantUnits(hidden.get(1), 6);
        assertTrue(constant1.containsAll(List.of(1, 4, 6)));
        assertTrue(constant2.contains(2));
        int k1 = 8 - constant1.size();
        int k2 = 6 - constant2.size();
        EpsilonOutcome outcome = report.outcomes().get(0);
        assertEquals(List.of(k1, k2), outcome.unitsKept());
        assertEquals(0, outcome.layersAllBelowThreshold());

        OnnxDenseModel written = DenseChainReader.read(out);
        assertArrayEquals(new int[] {4, k1, k2, 3}, written.network().widths());
        TestModels.assertClose(original, ort(written.model(), rows), 1e-5, "outputs unchanged");

        // parameter counts, by hand
        long before = 4 * 8 + 8 + 8 * 6 + 6 + 6 * 3 + 3;
        long after = 4L * k1 + k1 + (long) k1 * k2 + k2 + k2 * 3L + 3;
        assertEquals(115, before);
        assertEquals(before, report.original().parameters());
        assertEquals("4-8-6-3", report.original().architecture());
        assertEquals(after, outcome.network().parameters());
        assertEquals("4-" + k1 + "-" + k2 + "-3", outcome.network().architecture());
        assertEquals(100.0 * (before - after) / before, outcome.reductionPercent(), 1e-9);

        // labels given: OR and PWR are there, and equal here since the outputs did not change
        Metrics.Classification or = assertInstanceOf(Metrics.Classification.class, report.originalMetrics());
        Metrics.Classification pwr = assertInstanceOf(Metrics.Classification.class, outcome.pruned());
        assertEquals(1.0, or.accuracy(), "labels are the original model's own predictions");
        assertEquals(accuracy(ort(written.model(), rows), argmaxLabels(original, 3)), pwr.accuracy(), 1e-12);
        assertEquals(ROWS, or.rows());
        assertEquals(ROWS, pwr.rows());
    }

    @Test
    void layerWithAllUnitsBelowEpsilonKeepsOne() throws IOException {
        TestModels.Built built = TestModels.dense(4, 8, 6, 3).dead(1, 0, 1, 2, 3, 4, 5).build();
        Path model = TestModels.save(built.model(), dir, "model.onnx");
        float[] rows = TestModels.randomRows(33, ROWS, 4);
        float[] original = ort(built.model(), rows);
        Path csv = writeCsv("eval.csv", rows, 4, argmaxLabels(original, 3));
        Path out = dir.resolve("small.onnx");

        ShrinkReport report = Shrinker.run(options(model, csv, List.of(0.0), List.of(out), null), Progress.NONE);

        EpsilonOutcome outcome = report.outcomes().get(0);
        assertEquals(1, outcome.layersAllBelowThreshold());
        int k1 = 8 - constantUnits(built.hiddenReference(rows, ROWS).get(0), 8).size();
        assertEquals(List.of(k1, 1), outcome.unitsKept());
        ModelProto written = OnnxModelFile.read(out);
        OnnxDenseModel reread = DenseChainReader.read(written, out);
        assertArrayEquals(new int[] {4, k1, 1, 3}, reread.network().widths());
        // the dead layer was constant, so one (dead) unit plus the folded bias gives the same outputs
        TestModels.assertClose(original, ort(written, rows), 1e-5, "outputs");
        // every layer below a huge epsilon
        Path out2 = dir.resolve("tiny.onnx");
        ShrinkReport all = Shrinker.run(options(model, csv, List.of(1e9), List.of(out2), null), Progress.NONE);
        assertEquals(2, all.outcomes().get(0).layersAllBelowThreshold());
        assertEquals(List.of(1, 1), all.outcomes().get(0).unitsKept());
        assertEquals(4 + 1 + 1 + 1 + 3 + 3, all.outcomes().get(0).network().parameters());
        float[] tiny = ort(OnnxModelFile.read(out2), rows);
        assertEquals(ROWS * 3, tiny.length);
        double pwr = all.outcomes().get(0).pruned().primaryValue();
        assertEquals(accuracy(tiny, argmaxLabels(original, 3)), pwr, 1e-12, "PWR of the one-unit model");
    }

    @Test
    void withoutTargetColumnMetricsAreLeftOut() throws IOException {
        TestModels.Built built = TestModels.dense(4, 8, 6, 3).build();
        Path model = TestModels.save(built.model(), dir, "model.onnx");
        float[] rows = TestModels.randomRows(34, ROWS, 4);
        Path csv = writeCsv("features.csv", rows, 4, null);
        Path out = dir.resolve("small.onnx");
        ShrinkReport report = Shrinker.run(options(model, csv, List.of(0.0), List.of(out), null), Progress.NONE);
        assertNull(report.originalMetrics());
        assertNull(report.outcomes().get(0).pruned());
        assertTrue(Files.exists(out));
        assertEquals(ROWS, report.rows());
    }

    @Test
    void regressionMetricsAreComputedOnThePrunedModel() throws IOException {
        TestModels.Built built = TestModels.dense(4, 8, 6, 1).activation(TestModels.Act.tanh()).build();
        Path model = TestModels.save(built.model(), dir, "model.onnx");
        float[] rows = TestModels.randomRows(35, ROWS, 4);
        double[] reference = built.reference(rows, ROWS);
        double[] targets = new double[ROWS];
        for (int r = 0; r < ROWS; r++) {
            targets[r] = (float) (reference[r] + 0.1 * Math.sin(r));
        }
        Path csv = writeCsv("eval.csv", rows, 4, targets);
        Path out = dir.resolve("small.onnx");
        ShrinkReport report = Shrinker.run(options(model, csv, List.of(0.2), List.of(out), null), Progress.NONE);
        assertEquals("regression", report.task());
        Metrics.Regression or = assertInstanceOf(Metrics.Regression.class, report.originalMetrics());
        Metrics.Regression pwr = assertInstanceOf(Metrics.Regression.class, report.outcomes().get(0).pruned());
        assertEquals(mse(ort(built.model(), rows), targets), or.mse(), 1e-9);
        assertEquals(mse(ort(OnnxModelFile.read(out), rows), targets), pwr.mse(), 1e-9);
    }

    @Test
    void outputEqualToTheInputIsRefused() throws IOException {
        TestModels.Built built = TestModels.dense(4, 8, 6, 3).build();
        Path model = TestModels.save(built.model(), dir, "model.onnx");
        Path csv = writeCsv("eval.csv", TestModels.randomRows(36, 20, 4), 4, null);
        byte[] before = Files.readAllBytes(model);
        List<Path> files = listDir();

        InputException e = assertThrows(InputException.class,
                () -> Shrinker.run(options(model, csv, List.of(0.0), List.of(model), null), Progress.NONE));
        assertEquals(InputException.Kind.USAGE, e.kind());
        assertTrue(e.getMessage().contains("input"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(model), "the input model is untouched");
        assertEquals(files, listDir(), "no file written");

        // also when the same file is named another way, or as the report
        Path other = dir.resolve("sub/../model.onnx");
        Files.createDirectories(dir.resolve("sub"));
        InputException e2 = assertThrows(InputException.class,
                () -> Shrinker.run(options(model, csv, List.of(0.0), List.of(other), null), Progress.NONE));
        assertEquals(InputException.Kind.USAGE, e2.kind());
        InputException e3 = assertThrows(InputException.class, () -> Shrinker.run(
                options(model, csv, List.of(0.0), List.of(dir.resolve("ok.onnx")), csv), Progress.NONE));
        assertEquals(InputException.Kind.USAGE, e3.kind());
        assertFalse(Files.exists(dir.resolve("ok.onnx")), "nothing written before the checks");
        assertArrayEquals(before, Files.readAllBytes(model));
    }

    @Test
    void modelWithoutHiddenLayerIsRefused() throws IOException {
        TestModels.Built built = TestModels.dense(4, 3).build();
        Path model = TestModels.save(built.model(), dir, "model.onnx");
        Path csv = writeCsv("eval.csv", TestModels.randomRows(37, 20, 4), 4, null);
        Path out = dir.resolve("small.onnx");
        InputException e = assertThrows(InputException.class,
                () -> Shrinker.run(options(model, csv, List.of(0.0), List.of(out), null), Progress.NONE));
        assertTrue(e.getMessage().contains("fc1"), e.getMessage());
        assertTrue(e.getMessage().contains("no units to prune"), e.getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void jsonReportIsWritten() throws IOException {
        TestModels.Built built = TestModels.dense(4, 8, 6, 3).dead(0, 3).build();
        Path model = TestModels.save(built.model(), dir, "model.onnx");
        float[] rows = TestModels.randomRows(38, ROWS, 4);
        Path csv = writeCsv("eval.csv", rows, 4, argmaxLabels(ort(built.model(), rows), 3));
        Path out = dir.resolve("small.onnx");
        Path json = dir.resolve("report.json");
        ShrinkReport report = Shrinker.run(options(model, csv, List.of(0.0), List.of(out), json), Progress.NONE);

        assertTrue(Files.exists(json));
        JsonObject root = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertEquals(ROWS, root.get("rows").getAsLong());
        assertEquals(115, root.getAsJsonObject("original").get("parameters").getAsLong());
        assertEquals(1, root.getAsJsonArray("outcomes").size());
        JsonObject outcome = root.getAsJsonArray("outcomes").get(0).getAsJsonObject();
        assertEquals(0.0, outcome.get("epsilon").getAsDouble());
        assertEquals(out.toString(), outcome.get("output").getAsString());
        assertEquals(report.outcomes().get(0).network().parameters(),
                outcome.getAsJsonObject("network").get("parameters").getAsLong());
        assertEquals(2, root.getAsJsonArray("layers").size());
        assertNotNull(root.get("originalMetrics"));
    }

    @Test
    void severalEpsilonsGiveOneFileEach() throws IOException {
        TestModels.Built built = TestModels.dense(4, 12, 10, 3).dead(0, 0, 5).build();
        Path model = TestModels.save(built.model(), dir, "model.onnx");
        float[] rows = TestModels.randomRows(39, ROWS, 4);
        float[] original = ort(built.model(), rows);
        Path csv = writeCsv("eval.csv", rows, 4, argmaxLabels(original, 3));
        List<Double> eps = List.of(0.0, 0.3, 1e9);
        List<Path> outs = List.of(dir.resolve("a.onnx"), dir.resolve("b.onnx"), dir.resolve("c.onnx"));
        ShrinkReport report = Shrinker.run(options(model, csv, eps, outs, null), Progress.NONE);

        assertEquals(3, report.outcomes().size());
        List<double[]> hidden = built.hiddenReference(rows, ROWS);
        double[][] std1 = stats(hidden.get(0), 12);
        double[][] std2 = stats(hidden.get(1), 10);
        for (int e = 0; e < 3; e++) {
            EpsilonOutcome outcome = report.outcomes().get(e);
            assertEquals(eps.get(e), outcome.epsilon());
            assertEquals(outs.get(e).toString(), outcome.output());
            OnnxDenseModel written = DenseChainReader.read(outs.get(e));
            DenseNetwork net = written.network();
            assertEquals(outcome.network().parameters(), net.parameterCount());
            // kept units: std above eps (or the best one), counted here from the double reference
            assertEquals(List.of(expectedKept(std1[1], eps.get(e)), expectedKept(std2[1], eps.get(e))),
                    outcome.unitsKept());
            assertEquals(ROWS * 3, ort(written.model(), rows).length);
        }
        assertTrue(report.outcomes().get(0).network().parameters() > report.outcomes().get(1).network().parameters());
        assertTrue(report.outcomes().get(1).network().parameters() > report.outcomes().get(2).network().parameters());
        TestModels.assertClose(original, ort(OnnxModelFile.read(outs.get(0)), rows), 1e-5, "eps=0");
    }

    // ---- helpers ----

    private ShrinkOptions options(Path model, Path csv, List<Double> eps, List<Path> outputs, Path report) {
        EvalData data = new EvalData(csv, ColumnRequest.of(-1, null, ColumnRequest.Target.OPTIONAL), 32);
        return MethodTestData.shrink(model, data, eps, outputs, report, null, PruningOptions.DEFAULT);
    }

    private static float[] ort(ModelProto model, float[] rows) {
        OnnxDenseModel read = DenseChainReader.read(model, Path.of("m.onnx"));
        int width = read.featuresPerRow();
        return TestModels.runOrt(model, read.input(), rows, rows.length / width, width, read.outputName());
    }

    /** Class labels: the original model's own predictions (argmax, or p > 0.5 for one output). */
    private static double[] argmaxLabels(float[] outputs, int width) {
        int rows = outputs.length / width;
        double[] labels = new double[rows];
        for (int r = 0; r < rows; r++) {
            labels[r] = predicted(outputs, r, width);
        }
        return labels;
    }

    private static int predicted(float[] outputs, int r, int width) {
        if (width == 1) {
            return outputs[r] > 0.5 ? 1 : 0;
        }
        int best = 0;
        for (int j = 1; j < width; j++) {
            if (outputs[r * width + j] > outputs[r * width + best]) {
                best = j;
            }
        }
        return best;
    }

    private static double accuracy(float[] outputs, double[] labels) {
        int width = outputs.length / labels.length;
        int right = 0;
        for (int r = 0; r < labels.length; r++) {
            right += predicted(outputs, r, width) == (int) labels[r] ? 1 : 0;
        }
        return (double) right / labels.length;
    }

    private static double mse(float[] outputs, double[] targets) {
        double s = 0;
        for (int r = 0; r < targets.length; r++) {
            double d = outputs[r] - targets[r];
            s += d * d;
        }
        return s / targets.length;
    }

    private Path writeCsv(String name, float[] rows, int width, double[] labels) throws IOException {
        StringBuilder s = new StringBuilder();
        for (int k = 0; k < width; k++) {
            s.append(k > 0 ? "," : "").append("x").append(k + 1);
        }
        s.append(labels != null ? ",label\n" : "\n");
        int n = rows.length / width;
        for (int r = 0; r < n; r++) {
            for (int k = 0; k < width; k++) {
                s.append(k > 0 ? "," : "").append(Float.toString(rows[r * width + k]));
            }
            if (labels != null) {
                double label = labels[r];
                s.append(',').append(label == Math.rint(label) ? Long.toString((long) label)
                        : String.format(Locale.ROOT, "%s", (float) label));
            }
            s.append('\n');
        }
        Path file = dir.resolve(name);
        Files.writeString(file, s);
        return file;
    }

    private List<Path> listDir() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }

    /** Units whose output is the same on every row. */
    private static List<Integer> constantUnits(double[] values, int units) {
        List<Integer> constant = new ArrayList<>();
        double[][] s = stats(values, units);
        for (int j = 0; j < units; j++) {
            if (s[1][j] == 0) {
                constant.add(j);
            }
        }
        return constant;
    }

    private static int[] keptAtZero(TestModels.Built built, float[] rows) {
        List<double[]> hidden = built.hiddenReference(rows, rows.length / built.inputWidth());
        int[] units = built.hiddenUnits();
        int[] kept = new int[units.length];
        for (int l = 0; l < units.length; l++) {
            kept[l] = Math.max(1, units[l] - constantUnits(hidden.get(l), units[l]).size());
        }
        return kept;
    }

    private static int expectedKept(double[] std, double eps) {
        int kept = 0;
        for (double s : std) {
            // a margin keeps float-vs-double differences away from the threshold
            assertTrue(s == 0 || Math.abs(s - eps) > 1e-4, "std " + s + " too close to eps " + eps);
            kept += s > eps ? 1 : 0;
        }
        return Math.max(kept, 1);
    }

    /** Per-column mean and population std, in double. */
    private static double[][] stats(double[] values, int columns) {
        int rows = values.length / columns;
        double[] mean = new double[columns];
        double[] std = new double[columns];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                mean[c] += values[r * columns + c];
            }
        }
        for (int c = 0; c < columns; c++) {
            mean[c] /= rows;
        }
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                double d = values[r * columns + c] - mean[c];
                std[c] += d * d;
            }
        }
        for (int c = 0; c < columns; c++) {
            std[c] = Math.sqrt(std[c] / rows);
        }
        return new double[][] {mean, std};
    }

    private static List<Integer> toList(int[] values) {
        List<Integer> list = new ArrayList<>();
        for (int v : values) {
            list.add(v);
        }
        return list;
    }
    /**
     * The scoring pass takes the Gram matrices of the layers where some ε's first refit may fall, judged on the first
     * batch: past a layer that surely keeps every unit, up to one that surely drops one; never the last hidden layer,
     * whose refit (of the output layer) takes the scoring pass's targets.
     */
    @Test
    void gramPlanNamesTheLayersAFirstRefitMayFallOn() {
        DenseNetwork network = org.odf2nna.network.TestNetworks.random(new java.util.Random(1), new int[] {3, 4, 4, 4,
                4, 2}, org.odf2nna.network.Activation.RELU, org.odf2nna.network.OutputHead.SOFTMAX);
        double[] zero = new double[4];
        // Lowest spreads per layer: 1.0 (keeps all at ε = 0.3), 0.32 (near ε: may keep all), 0.1 (drops), 0.01.
        org.odf2nna.prune.UnitStatistics first = new org.odf2nna.prune.UnitStatistics(List.of(zero, zero, zero, zero),
                List.of(new double[] {1, 2, 3, 4}, new double[] {0.32, 2, 3, 4}, new double[] {0.1, 2, 3, 4},
                        new double[] {0.01, 2, 3, 4}), 1024);
        org.odf2nna.settings.UnitScore std = org.odf2nna.settings.UnitScore.STD;
        assertArrayEquals(new boolean[] {false, true, true, false}, Shrinker.gramPlan(network, std, List.of(0.3))
                .layers(first));
        // A second ε that layer 1 surely drops at adds it; a small one adds nothing past layer 3 (the last is left).
        assertArrayEquals(new boolean[] {true, true, true, false}, Shrinker.gramPlan(network, std, List.of(0.3, 2.0))
                .layers(first));
        assertArrayEquals(new boolean[] {false, false, false, false}, Shrinker.gramPlan(network, std, List.of(0.001))
                .layers(first));
    }
}

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
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.evolve.Mask;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.OutputHead;
import org.odf2nna.network.TestNetworks;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.OnnxModelBuilder;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.TestModels;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.EvolveReport;
import org.odf2nna.settings.CsvReading;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.EvolveFiles;
import org.odf2nna.settings.EvolveSettings;
import org.odf2nna.settings.RetrainSettings;

/** The evolve pipeline end to end, on models built in code. */
class EvolverTest {

    /** Evaluations per search: the masks of these small models are evaluated in microseconds. */
    private static final int BUDGET = 200;

    @TempDir
    Path dir;

    // ---- searching units ----

    /** A 6-12-10-3 ReLU model with dead units, labelled by its own predictions. */
    private Path unitModel() throws IOException {
        return TestModels.save(TestModels.dense(6, 12, 10, 3).dead(0, 2, 5, 9).dead(1, 4).seed(7).build().model(), dir,
                "units.onnx");
    }

    private Path[] splits(Path model, int width, long seed) throws IOException {
        ModelProto proto = OnnxModelFile.read(model);
        float[] train = TestModels.randomRows(seed, 500, width);
        float[] test = TestModels.randomRows(seed + 1, 200, width);
        List<String> names = MethodTestData.names("x", width);
        int outputs = DenseChainReader.read(proto, model).network().outputs();
        return new Path[] {
            MethodTestData.csv(dir.resolve("train.csv"), names, train,
                    MethodTestData.argmax(MethodTestData.ort(proto, train), outputs)),
            MethodTestData.csv(dir.resolve("test.csv"), names, test,
                    MethodTestData.argmax(MethodTestData.ort(proto, test), outputs))};
    }

    /** A run's files and settings. */
    private record Job(EvolveFiles files, EvolveSettings settings) {
        EvolveReport run() {
            return Evolver.run(files, settings, Progress.NONE);
        }
    }

    private static Job options(Path model, Path test, Path train, Path out, boolean features, int threads,
            int fitnessEpochs, Path report) {
        RetrainSettings retrain = RetrainSettings.builder().epochs(3).batchSize(32).learningRate(0.002f).seed(5)
                .validationShare(0.2).patience(0).distillation(Distillation.NONE).build();
        return new Job(files(model, test, train, out).withReport(report), EvolveSettings.builder().retraining(retrain)
                .selectFeatures(features).population(10).evaluations(BUDGET).mutation(0.07)
                .fitnessEpochs(fitnessEpochs).threads(threads).build());
    }

    private static EvolveFiles files(Path model, Path test, Path train, Path out) {
        return EvolveFiles.of(model, train, test, out).withCsv(new CsvReading(null, 64));
    }

    @Test
    void unitSearchWritesASmallerCheckedModelAndReportsIt() throws IOException {
        Path model = unitModel();
        Path[] data = splits(model, 6, 100);
        Path out = dir.resolve("evolved.onnx");
        Path json = dir.resolve("report.json");
        EvolveReport report = options(model, data[1], data[0], out, false, 2, 0, json).run();

        OnnxDenseModel written = DenseChainReader.read(out);
        EvolveReport.Outcome o = report.outcome();
        assertEquals(o.kept().network().parameters(), written.network().parameterCount());
        assertEquals(o.kept().network().architecture(), written.network().architecture());
        assertTrue(o.kept().network().parameters() < report.original().parameters(), "dead units are free to drop");
        // the mask says which units were kept, layer by layer
        Mask mask = Mask.parse(o.mask());
        assertEquals(22, mask.length());
        assertEquals(List.of(mask.activeCount(0, 12), mask.activeCount(12, 22)), o.kept().unitsKept());
        assertArrayEquals(new int[] {6, mask.activeCount(0, 12), mask.activeCount(12, 22), 3},
                written.network().widths());
        assertTrue(o.maxOutputDifference() <= 1e-4);
        // the labels are the original's own predictions, so OR is 100%; PR is measured on the written file
        Metrics.Classification or = assertInstanceOf(Metrics.Classification.class, report.originalMetrics());
        assertEquals(1.0, or.accuracy());
        float[] testRows = readRows(data[1], 6);
        double[] labels = readLabels(data[1], 6);
        assertEquals(MethodTestData.accuracy(MethodTestData.ort(OnnxModelFile.read(out), testRows), labels),
                o.figures().retrained().primaryValue(), 1e-12);
        // the search respected its budget and its history starts with the initial population
        EvolveReport.Search s = report.search();
        assertTrue(s.effort().evaluations() <= BUDGET);
        assertEquals(10, report.generations().get(0).evaluations());
        assertEquals(List.of(1, 2), s.layers());
        assertEquals(100, s.fitness().validationRows(), "20% of 500 training rows");
        assertEquals(o.figures().validation(), report.generations().get(report.generations().size() - 1).best());
        // the JSON report holds the same figures
        JsonObject root = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertEquals(o.mask(), root.getAsJsonObject("outcome").get("mask").getAsString());
        assertEquals(report.generations().size(), root.getAsJsonArray("generations").size());
        assertEquals(s.effort().evaluations(), root.getAsJsonObject("search").get("evaluations").getAsInt());
    }

    @Test
    void theTestRowsNeverSteerTheSearch() throws IOException {
        Path model = unitModel();
        Path[] data = splits(model, 6, 200);
        // the same test rows with every label changed: OR, PWR and PR change, nothing else may
        float[] rows = readRows(data[1], 6);
        double[] wrong = readLabels(data[1], 6);
        for (int r = 0; r < wrong.length; r++) {
            wrong[r] = (wrong[r] + 1) % 3;
        }
        Path otherTest = MethodTestData.csv(dir.resolve("other-test.csv"), MethodTestData.names("x", 6), rows, wrong);
        Path a = dir.resolve("a.onnx");
        Path b = dir.resolve("b.onnx");
        EvolveReport ra = options(model, data[1], data[0], a, false, 1, 0, null).run();
        EvolveReport rb = options(model, otherTest, data[0], b, false, 2, 0, null).run();
        assertEquals(ra.outcome().mask(), rb.outcome().mask());
        assertEquals(ra.generations(), rb.generations());
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), "same seed, same bytes, 1 or 2 threads");
        assertTrue(ra.originalMetrics().primaryValue() != rb.originalMetrics().primaryValue(), "OR did change");
    }

    @Test
    void fineTunedFitnessRunsOneEvaluationAtATime() throws IOException {
        Path model = unitModel();
        Path[] data = splits(model, 6, 300);
        Path out = dir.resolve("tuned.onnx");
        RetrainSettings retrain = RetrainSettings.builder().epochs(1).batchSize(32).learningRate(0.002f).seed(5)
                .validationShare(0.2).patience(0).distillation(Distillation.NONE).build();
        EvolveReport report = Evolver.run(files(model, data[1], data[0], out), EvolveSettings.builder()
                .retraining(retrain).layers(List.of(2)).population(6).evaluations(12).mutation(0.07).fitnessEpochs(1)
                .threads(4).build(), Progress.NONE);
        assertEquals(1, report.search().ga().threads());
        assertEquals(1, report.search().fitness().fitnessEpochs());
        assertEquals(List.of(2), report.search().layers());
        assertEquals(12, Mask.parse(report.outcome().mask()).length() + 2, "only layer 2's 10 units are searched");
        assertEquals(12, report.outcome().kept().unitsKept().get(0), "layer 1 is not searched");
        assertTrue(Files.exists(out));
    }

    @Test
    void regressionFitnessIsTheValidationMse() throws IOException {
        TestModels.Built built = TestModels.dense(4, 10, 8, 1).activation(TestModels.Act.tanh()).seed(9).build();
        Path model = TestModels.save(built.model(), dir, "regression.onnx");
        float[] train = TestModels.randomRows(61, 400, 4);
        float[] test = TestModels.randomRows(62, 100, 4);
        List<String> names = MethodTestData.names("x", 4);
        Path trainCsv = MethodTestData.csv(dir.resolve("train.csv"), names, train, null);
        Path testCsv = MethodTestData.csv(dir.resolve("test.csv"), names, test, null);
        // regression targets: the model's output plus a little noise
        rewriteWithTargets(trainCsv, built.reference(train, 400));
        rewriteWithTargets(testCsv, built.reference(test, 100));
        Path out = dir.resolve("r.onnx");
        EvolveReport report = options(model, testCsv, trainCsv, out, false, 2, 0, null).run();
        assertEquals("regression", report.evaluated().task());
        assertEquals("mse", report.search().fitness().fitnessMetric());
        for (EvolveReport.Generation g : report.generations()) {
            assertTrue(g.best() >= 0, "an MSE, not a negated fitness: " + g.best());
        }
        for (int g = 1; g < report.generations().size(); g++) {
            assertTrue(report.generations().get(g).best() <= report.generations().get(g - 1).best(),
                    "the best MSE never grows");
        }
        assertInstanceOf(Metrics.Regression.class, report.outcome().figures().retrained());
    }

    // ---- selecting features ----

    /** 6 inputs of which inputs 2 and 5 (1-based) have no weights at all: they cannot matter. */
    private Path featureModel() throws IOException {
        Random random = new Random(71);
        DenseNetwork network = TestNetworks.random(random, new int[] {6, 10, 3}, Activation.RELU, OutputHead.NONE);
        DenseLayer first = network.layer(0);
        float[] w = first.weights();
        for (int u = 0; u < 10; u++) {
            w[1 * 10 + u] = 0;
            w[4 * 10 + u] = 0;
        }
        List<DenseLayer> layers = new ArrayList<>(network.layers());
        layers.set(0, first.withWeights(w, first.bias()));
        ModelProto proto = OnnxModelBuilder.build(network.withLayers(layers), "x", "logits", java.util.Map.of());
        return TestModels.save(proto, dir, "features.onnx");
    }

    @Test
    void featureSelectionDropsInputsAndRecordsTheKeptColumns() throws IOException {
        Path model = featureModel();
        Path[] data = splits(model, 6, 400);
        Path out = dir.resolve("selected.onnx");
        EvolveReport report = options(model, data[1], data[0], out, true, 2, 0, null).run();

        assertEquals("features", report.search().target());
        assertEquals(List.of(), report.search().layers());
        // the useless inputs x2 and x5 go, every other input is needed for 100% validation accuracy
        assertEquals(List.of("x1", "x3", "x4", "x6"), report.outcome().kept().featuresKept());
        assertEquals("4-10-3", report.outcome().kept().network().architecture());
        ModelProto written = OnnxModelFile.read(out);
        OnnxDenseModel read = DenseChainReader.read(written, out);
        assertEquals(4, read.featuresPerRow(), "the graph input shrank");
        assertEquals(List.of("x1", "x3", "x4", "x6"), ModelColumns.featureNames(read));
        assertEquals("label", ModelColumns.targetName(read));
        // it runs in ONNX Runtime on the kept columns, and gives what the original gave on all of them
        float[] all = readRows(data[1], 6);
        float[] kept = new float[200 * 4];
        for (int r = 0; r < 200; r++) {
            int[] columns = {0, 2, 3, 5};
            for (int k = 0; k < 4; k++) {
                kept[r * 4 + k] = all[r * 6 + columns[k]];
            }
        }
        double[] labels = readLabels(data[1], 6);
        assertEquals(report.outcome().figures().retrained().primaryValue(),
                MethodTestData.accuracy(MethodTestData.ort(written, kept), labels), 1e-12);
        assertEquals(1.0, report.outcome().figures().pruned().primaryValue(), "dropping inputs with no weights changes nothing");
    }

    @Test
    void aModelThatNamesItsColumnsReadsCsvFilesByName() throws IOException {
        Path model = featureModel();
        Path[] data = splits(model, 6, 500);
        Path out = dir.resolve("selected.onnx");
        options(model, data[1], data[0], out, true, 1, 0, null).run();
        ModelProto written = OnnxModelFile.read(out);
        OnnxDenseModel read = DenseChainReader.read(written, out);
        // the test rows again, columns shuffled, two extra columns, the target in the middle
        float[] all = readRows(data[1], 6);
        double[] labels = readLabels(data[1], 6);
        StringBuilder csv = new StringBuilder("noise,x6,x2,label,x4,x1,x5,x3,extra\n");
        Random random = new Random(5);
        for (int r = 0; r < 200; r++) {
            float[] x = java.util.Arrays.copyOfRange(all, r * 6, r * 6 + 6);
            csv.append(random.nextInt(100)).append(',').append(x[5]).append(',').append(x[1]).append(',')
                    .append((int) labels[r]).append(',').append(x[3]).append(',').append(x[0]).append(',')
                    .append(x[4]).append(',').append(x[2]).append(',').append(random.nextGaussian()).append('\n');
        }
        Path shuffled = dir.resolve("shuffled.csv");
        Files.writeString(shuffled, csv);
        EvalData byName = new EvalData(shuffled, ColumnRequest.of(-1, null, ColumnRequest.Target.REQUIRED), 50)
                .forModel(read);
        assertEquals(List.of("x1", "x3", "x4", "x6"), byName.columns().featureNames());
        assertEquals("label", byName.columns().label(), "the recorded target column");
        ModelScan.Evaluated evaluated = new ModelScan.Evaluated(written, read.input(), read.network(), out,
                read.outputName());
        Metrics m = ModelScan.evaluate(evaluated, byName, org.odf2nna.settings.Task.CLASSIFICATION, Device.CPU,
                Progress.NONE);
        Metrics direct = ModelScan.evaluate(evaluated,
                new EvalData(data[1], ColumnRequest.of(-1, null, ColumnRequest.Target.REQUIRED), 64).forModel(read),
                org.odf2nna.settings.Task.CLASSIFICATION, Device.CPU, Progress.NONE);
        assertEquals(direct, m, "the same rows, read by name from either file");
        assertEquals(200, m.rows());
        // a file without one of the kept columns is refused, naming it
        Path missing = MethodTestData.csv(dir.resolve("missing.csv"), List.of("x1", "x2", "x4", "x6"),
                new float[4 * 3], new double[3]);
        InputException e = assertThrows(InputException.class, () -> ModelScan.evaluate(evaluated,
                new EvalData(missing, ColumnRequest.of(-1, null, ColumnRequest.Target.REQUIRED), 64).forModel(read),
                org.odf2nna.settings.Task.CLASSIFICATION, Device.CPU, Progress.NONE));
        assertTrue(e.getMessage().contains("'x3'"), e.getMessage());
    }

    @Test
    void badColumnMetadataIsAnErrorNamingTheModel() throws IOException {
        ModelProto proto = OnnxModelFile.read(featureModel());
        for (String value : new String[] {"x1,x2", "[\"a\", 3, \"b\", \"c\", \"d\", \"e\"]", "[\"a\",\"a\",\"b\",\"c\",\"d\",\"e\"]",
            "[\"a\",\"b\"]"}) {
            ModelProto tagged = ModelColumns.withColumns(proto, List.of(), null).toBuilder()
                    .clearMetadataProps().addMetadataProps(org.odf2nna.onnx.proto.OnnxProto.StringStringEntryProto
                            .newBuilder().setKey(ModelColumns.FEATURES_KEY).setValue(value)).build();
            OnnxDenseModel read = DenseChainReader.read(tagged, Path.of("tagged.onnx"));
            InputException e = assertThrows(InputException.class, () -> ModelColumns.featureNames(read), value);
            assertTrue(e.getMessage().startsWith("tagged.onnx: metadata_props 'odf2nna.features'"), e.getMessage());
        }
        assertNull(ModelColumns.featureNames(DenseChainReader.read(proto, Path.of("plain.onnx"))));
    }

    // ---- refusals ----

    @Test
    void featureSelectionNeedsAModelWithoutPrefix() throws IOException {
        Path model = TestModels.save(TestModels.dense(4, 8, 3).prefix(TestModels.Prefix.SUB_DIV).build().model(), dir,
                "normalised.onnx");
        Path[] data = splits(model, 4, 600);
        Path out = dir.resolve("x.onnx");
        InputException e = assertThrows(InputException.class,
                () -> options(model, data[1], data[0], out, true, 1, 0, null).run());
        assertEquals(InputException.Kind.USAGE, e.kind());
        assertTrue(e.getMessage().contains("normalised.onnx") && e.getMessage().contains("Sub, Div"), e.getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void layersMustBeHiddenLayers() throws IOException {
        Path model = unitModel();
        Path[] data = splits(model, 6, 700);
        RetrainSettings retrain = RetrainSettings.builder().epochs(1).batchSize(32).learningRate(0.002f).seed(5)
                .validationShare(0.2).patience(0).distillation(Distillation.NONE).build();
        Path out = dir.resolve("x.onnx");
        EvolveSettings.Builder options = EvolveSettings.builder().retraining(retrain).population(6).evaluations(12)
                .mutation(0.07).threads(1);
        InputException e = assertThrows(InputException.class, () -> Evolver.run(files(model, data[1], data[0], out),
                options.layers(List.of(3)).build(), Progress.NONE));
        assertEquals(InputException.Kind.USAGE, e.kind());
        assertTrue(e.getMessage().contains("layers 3: the model has 2 hidden layers"), e.getMessage());
        assertTrue(e.message(setting -> "<" + setting + ">").contains("<LAYERS> 3:"), "names the setting");
        assertFalse(Files.exists(out));
        InputException same = assertThrows(InputException.class, () -> Evolver.run(files(model, data[1], data[0],
                model), options.layers(List.of()).build(), Progress.NONE));
        assertEquals(InputException.Kind.USAGE, same.kind(), "the output may not be the input");
    }

    // ---- helpers ----

    private static float[] readRows(Path csv, int width) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        float[] x = new float[(lines.size() - 1) * width];
        for (int r = 1; r < lines.size(); r++) {
            String[] cells = lines.get(r).split(",");
            for (int k = 0; k < width; k++) {
                x[(r - 1) * width + k] = Float.parseFloat(cells[k]);
            }
        }
        return x;
    }

    private static double[] readLabels(Path csv, int width) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        double[] y = new double[lines.size() - 1];
        for (int r = 1; r < lines.size(); r++) {
            y[r - 1] = Double.parseDouble(lines.get(r).split(",")[width]);
        }
        return y;
    }

    private static void rewriteWithTargets(Path csv, double[] targets) throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(csv));
        lines.set(0, lines.get(0) + ",y");
        Random noise = new Random(3);
        for (int r = 1; r < lines.size(); r++) {
            lines.set(r, lines.get(r) + "," + (float) (targets[r - 1] + 0.05 * noise.nextGaussian()));
        }
        Files.write(csv, lines);
    }
}

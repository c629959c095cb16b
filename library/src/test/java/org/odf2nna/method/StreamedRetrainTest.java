package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.Progress;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.report.EpsilonOutcome;
import org.odf2nna.report.ShrinkReport;
import org.odf2nna.report.SweepReport;
import org.odf2nna.settings.BuildFiles;
import org.odf2nna.settings.CsvReading;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.settings.SweepFiles;
import org.odf2nna.settings.SweepSettings;

/**
 * Retraining on rows streamed from disk (issue 57) against the same retraining on rows in memory: the digits model's
 * 1,438 training rows are forced onto disk by a tiny {@code odf2nna.train.heldValues}. The two differ in which rows are
 * held out for validation (the same number, chosen by another seeded draw) and in the order of the steps (shuffled by
 * blocks), so they are compared as two draws of one experiment: the same row counts, and accuracies on the test rows
 * within a few points of each other.
 */
class StreamedRetrainTest {

    static final Path DIGITS = Path.of("models/digits_8x8-128-64-10_relu.onnx");
    static final Path TRAIN = Path.of("examples/digits/digits-train.csv.gz");
    static final Path TEST = Path.of("examples/digits/digits-test.csv.gz");

    @TempDir
    Path dir;

    @AfterEach
    void inMemoryAgain() {
        System.clearProperty("odf2nna.train.heldValues");
    }

    /** Progress that keeps every detail it was given. */
    private static Progress recording(List<String> details) {
        return (phase, done, total, detail) -> details.add(phase + ": " + detail);
    }

    /** Streamed: at most 2,000 training values held, the rest on disk; else every row held, as by default. */
    private static void holdValues(boolean streamed) {
        if (streamed) {
            System.setProperty("odf2nna.train.heldValues", "2000");
        } else {
            System.clearProperty("odf2nna.train.heldValues");
        }
    }

    /** The model and the rows the sweep and evolve comparisons read: 4,000 training, 3,000 validation, 1,000 test. */
    private record Case(Path model, Path train, Path validation, Path test) {

        /** The same without the validation file: the runs hold validation rows out of the training rows. */
        Case withoutValidation() {
            return new Case(model, train, null, test);
        }
    }

    /** One run on rows in memory and the same run on streamed rows. */
    private record BothWays<R>(R memory, R streamed) {
    }

    /**
     * {@code run} on rows in memory, then on streamed rows: the streamed run put rows on disk, the one in memory none.
     *
     * @param run a run given whether its rows are streamed and where it tells its details
     */
    private static <R> BothWays<R> bothWays(java.util.function.BiFunction<Boolean, List<String>, R> run) {
        List<String> memoryDetails = new ArrayList<>();
        List<String> streamedDetails = new ArrayList<>();
        R memory = run.apply(false, memoryDetails);
        R streamed = run.apply(true, streamedDetails);
        assertTrue(streamedDetails.stream().anyMatch(d -> d.contains("(on disk)")), streamedDetails.toString());
        assertFalse(memoryDetails.stream().anyMatch(d -> d.contains("(on disk)")), memoryDetails.toString());
        return new BothWays<>(memory, streamed);
    }

    private Case writeCase() throws IOException {
        org.odf2nna.network.DenseNetwork network = network();
        Path model = dir.resolve("m.onnx");
        Files.write(model, org.odf2nna.onnx.OnnxModelBuilder.build(network, "input", "output", java.util.Map.of())
                .toByteArray());
        return new Case(model, rows(network, dir.resolve("train.csv"), 4000, 2),
                rows(network, dir.resolve("validation.csv"), 3000, 3), rows(network, dir.resolve("test.csv"), 1000, 4));
    }

    private ShrinkReport shrink(boolean streamed, Distillation distillation, List<String> details) {
        holdValues(streamed);
        EvalData eval = new EvalData(TEST, ColumnRequest.of(-1, null, ColumnRequest.Target.OPTIONAL), 256);
        RetrainOptions retrain = new RetrainOptions(TRAIN, RetrainSettings.builder().epochs(6).batchSize(32)
                .learningRate(0.002f).seed(3).validationShare(0.25).patience(0).distillation(distillation).build());
        Path out = dir.resolve((streamed ? "streamed" : "memory") + ".onnx");
        return Shrinker.run(MethodTestData.shrink(DIGITS, eval, 0.6, out, retrain), recording(details));
    }

    /**
     * No file of rows made since {@code before} is left. Files other tests left may go meanwhile (a graph's kept
     * samples are deleted when the collector finds them unreachable), so only the new ones are compared.
     */
    private void assertNoNewRowFiles(List<Path> before) throws IOException {
        List<Path> left = new java.util.ArrayList<>(rowFiles());
        left.removeAll(before);
        assertEquals(List.of(), left, "the files of streamed rows are deleted");
    }

    private List<Path> rowFiles() throws IOException {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return files.filter(f -> f.getFileName().toString().startsWith("odf2nna-rows-")).toList();
        }
    }

    /** Validation rows held out of streamed rows that the heap cannot hold: one line naming the file and settings. */
    @Test
    void validationRowsThatCannotBeHeldAreRefusedNamingTheSettings() {
        RowsOrigin origin = new RowsOrigin(Path.of("rows.csv"), null);
        // 2,000,000 rows of 784 inputs held out of 10,000,000: 18 GB at 12 bytes a value.
        org.odf2nna.InputException refused = assertThrows(org.odf2nna.InputException.class,
                () -> StreamedTraining.checkValidationFits(origin, 2_000_000, 10_000_000, 784, 0.2, bytes -> false));
        String message = refused.getMessage();
        assertTrue(message.contains("rows.csv"), message);
        assertTrue(message.contains("holds out 2000000 validation rows (a share of 0.2 of its 10000000 rows)"),
                message);
        assertTrue(message.contains("about 17968 MB"), message);
        assertTrue(message.contains("hold out fewer with the validation share, give fewer rows to validate on with "
                + "the validation setting"), message);
        assertFalse(message.contains("\n"), message);
        // What fits goes on; the check asks for the bytes the rows take.
        long[] asked = new long[1];
        StreamedTraining.checkValidationFits(origin, 200_000, 1_000_000, 28, 0.2, bytes -> {
            asked[0] = bytes;
            return true;
        });
        assertEquals(12L * 200_000 * 29, asked[0]);
    }

    /** evolve's fitness keeps the validation rows' outputs of the first searched layer: refused in one line. */
    @Test
    void fitnessRowsThatCannotBeHeldAreRefusedNamingTheSettings() {
        org.odf2nna.network.DenseNetwork network = network();
        float[] x = new float[100 * WIDTH];
        org.odf2nna.evolve.UnitSearch search = new org.odf2nna.evolve.UnitSearch(network, new int[] {0, 1},
                org.odf2nna.prune.UnitStatistics.measure(network, x, 100, 64));
        RowsOrigin origin = new RowsOrigin(Path.of("rows.csv"), null);
        org.odf2nna.InputException refused = assertThrows(org.odf2nna.InputException.class,
                () -> MaskEvolution.checkFitnessRowsFit(search, 200_000, origin, bytes -> false));
        String message = refused.getMessage();
        assertTrue(message.startsWith("rows.csv: the search judges every mask on all 200000 validation rows and keeps "
                + "layer 1's 24 outputs for each in memory: about 19 MB"), message);
        assertTrue(message.contains("hold out fewer with the validation share"), message);
        assertFalse(message.contains("\n"), message);
        long[] asked = new long[1];
        MaskEvolution.checkFitnessRowsFit(search, 200_000, origin, bytes -> {
            asked[0] = bytes;
            return true;
        });
        assertEquals(4L * 200_000 * 24, asked[0]);
    }

    @Test
    void shrinkRetrainsOnStreamedRowsAsOnRowsInMemory() throws IOException {
        List<Path> before = rowFiles();
        for (Distillation distillation : List.of(Distillation.NONE, Distillation.DEFAULT)) {
            BothWays<ShrinkReport> runs = bothWays((streamedRows, details) -> shrink(streamedRows, distillation,
                    details));
            ShrinkReport memory = runs.memory();
            ShrinkReport streamed = runs.streamed();
            assertEquals(memory.retraining().rows().trainRows(), streamed.retraining().rows().trainRows());
            assertEquals(memory.retraining().rows().validationRows(), streamed.retraining().rows().validationRows());
            assertEquals(memory.retraining().signal(), streamed.retraining().signal());
            EpsilonOutcome a = memory.outcomes().get(0);
            EpsilonOutcome b = streamed.outcomes().get(0);
            assertNotNull(b.retrained(), "PR stage");
            assertEquals(a.unitsKept(), b.unitsKept(), "the same units removed");
            // 360 test rows: two draws of a 95% classifier differ by about 1.6 points (sd); 5 points is 3 sd.
            double accuracyA = a.retrained().primaryValue();
            double accuracyB = b.retrained().primaryValue();
            assertEquals(accuracyA, accuracyB, 0.05, distillation + ": " + accuracyA + " in memory, " + accuracyB
                    + " streamed");
            assertTrue(accuracyB > 0.85, "streamed retraining learnt: " + accuracyB);
        }
        assertNoNewRowFiles(before);
    }

    /** A random 8-24-24-3 ReLU classifier, its rows labelled by itself with 10% of the labels changed. */
    private static final int WIDTH = 8;

    private static org.odf2nna.network.DenseNetwork network() {
        java.util.Random random = new java.util.Random(1);
        int[] widths = {WIDTH, 24, 24, 3};
        List<org.odf2nna.network.DenseLayer> layers = new ArrayList<>();
        for (int l = 0; l + 1 < widths.length; l++) {
            float[] w = new float[widths[l] * widths[l + 1]];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (Math.sqrt(2.0 / widths[l]) * random.nextGaussian());
            }
            layers.add(new org.odf2nna.network.DenseLayer(widths[l], widths[l + 1], w, new float[widths[l + 1]],
                    l + 2 == widths.length ? org.odf2nna.network.Activation.IDENTITY
                            : org.odf2nna.network.Activation.RELU));
        }
        return new org.odf2nna.network.DenseNetwork(org.odf2nna.network.InputPrefix.NONE, layers,
                org.odf2nna.network.OutputHead.SOFTMAX);
    }

    private static Path rows(org.odf2nna.network.DenseNetwork network, Path file, int n, long seed) throws IOException {
        java.util.Random random = new java.util.Random(seed);
        float[] x = new float[n * WIDTH];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        double[] labels = MethodTestData.argmax(network.forward(x, n), 3);
        for (int r = 0; r < n; r++) {
            labels[r] = random.nextDouble() < 0.1 ? random.nextInt(3) : labels[r];
        }
        return MethodTestData.csv(file, MethodTestData.names("x", WIDTH), x, labels);
    }

    private SweepReport sweep(boolean streamed, Case c, List<String> details) {
        holdValues(streamed);
        RetrainSettings retrain = RetrainSettings.builder().epochs(2).batchSize(32).learningRate(0.002f).seed(3)
                .patience(0).build();
        Path out = dir.resolve((streamed ? "streamed" : "memory") + "-swept.onnx");
        return Sweeper.run(SweepFiles.of(c.model(), c.train(), c.test(), out).withValidation(c.validation()),
                SweepSettings.builder().retraining(retrain).maxRounds(2).maxDrop(5).build(), recording(details));
    }

    @Test
    void sweepRunsOnStreamedRowsAsOnRowsInMemory() throws IOException {
        List<Path> before = rowFiles();
        Case c = writeCase();
        BothWays<SweepReport> runs = bothWays((streamedRows, details) -> sweep(streamedRows, c, details));
        SweepReport memory = runs.memory();
        SweepReport streamed = runs.streamed();
        assertEquals(memory.table().retraining().rows().trainRows(), streamed.table().retraining().rows().trainRows());
        assertEquals(3000, streamed.table().retraining().rows().validationRows());
        assertEquals(memory.table().outcomes().size(), streamed.table().outcomes().size(), "as many rounds");
        for (int r = 0; r < memory.table().outcomes().size(); r++) {
            EpsilonOutcome a = memory.table().outcomes().get(r);
            EpsilonOutcome b = streamed.table().outcomes().get(r);
            // 1,000 test rows: two draws differ by about 1 point (sd) at 90%; 5 points is 5 sd.
            double accuracyA = (a.retrained() != null ? a.retrained() : a.pruned()).primaryValue();
            double accuracyB = (b.retrained() != null ? b.retrained() : b.pruned()).primaryValue();
            assertEquals(accuracyA, accuracyB, 0.05, "round " + (r + 1));
        }
        assertNoNewRowFiles(before);
    }

    private org.odf2nna.report.EvolveReport evolve(boolean streamed, Case c, List<String> details) {
        holdValues(streamed);
        RetrainSettings retrain = RetrainSettings.builder().epochs(2).batchSize(32).learningRate(0.002f).seed(3)
                .patience(0).build();
        Path out = dir.resolve((streamed ? "streamed" : "memory") + "-evolved.onnx");
        org.odf2nna.settings.EvolveFiles files = new org.odf2nna.settings.EvolveFiles(c.model(), c.train(),
                c.validation(), c.test(), out, null, new CsvReading(null, 64));
        return Evolver.run(files, org.odf2nna.settings.EvolveSettings.builder().retraining(retrain).population(8)
                .evaluations(40).threads(2).build(), recording(details));
    }

    /**
     * evolve on streamed training rows against the same run on rows in memory, with a validation file: the masks are
     * judged on the same validation rows and the units measured on the same training rows (read back from disk), so
     * the search is the same; retraining steps through the rows in another order.
     */
    @Test
    void evolveSearchesStreamedRowsAsRowsInMemory() throws IOException {
        List<Path> before = rowFiles();
        Case c = writeCase();
        BothWays<org.odf2nna.report.EvolveReport> runs = bothWays((streamedRows, details) -> evolve(streamedRows, c,
                details));
        org.odf2nna.report.EvolveReport memory = runs.memory();
        org.odf2nna.report.EvolveReport streamed = runs.streamed();
        assertEquals(memory.retraining().rows().trainRows(), streamed.retraining().rows().trainRows());
        assertEquals(3000, streamed.search().fitness().validationRows());
        assertEquals(memory.outcome().mask(), streamed.outcome().mask(), "the same mask found");
        assertEquals(memory.generations(), streamed.generations(), "the same fitness, generation by generation");
        assertEquals(memory.outcome().figures().pruned().primaryValue(),
                streamed.outcome().figures().pruned().primaryValue(), 0.01, "PWR of the same mask, refitted");
        // 1,000 test rows: two draws of the retraining differ by about 1 point (sd) at 90%; 5 points is 5 sd.
        assertEquals(memory.outcome().figures().retrained().primaryValue(),
                streamed.outcome().figures().retrained().primaryValue(), 0.05);
        assertNoNewRowFiles(before);
    }

    /** evolve with validation rows held out of streamed rows: as many as in memory, a search, a model written. */
    @Test
    void evolveHoldsOutValidationRowsOfStreamedRows() throws IOException {
        List<Path> before = rowFiles();
        // The validation file is not given: the rows are held out of the training rows.
        Case c = writeCase().withoutValidation();
        List<String> details = new ArrayList<>();
        org.odf2nna.report.EvolveReport memory = evolve(false, c, new ArrayList<>());
        org.odf2nna.report.EvolveReport streamed = evolve(true, c, details);
        assertTrue(details.stream().anyMatch(d -> d.contains("(on disk)")), details.toString());
        assertEquals(memory.retraining().rows().trainRows(), streamed.retraining().rows().trainRows());
        assertEquals(memory.search().fitness().validationRows(), streamed.search().fitness().validationRows());
        assertTrue(Files.exists(dir.resolve("streamed-evolved.onnx")));
        assertEquals(memory.outcome().figures().retrained().primaryValue(),
                streamed.outcome().figures().retrained().primaryValue(), 0.05);
        assertNoNewRowFiles(before);
    }

    private ModelBuilder.Built build(boolean streamed, Path train, List<String> details) {
        holdValues(streamed);
        RetrainOptions training = new RetrainOptions(train, RetrainSettings.builder().epochs(4).batchSize(32)
                .learningRate(0.01f).seed(0).validationShare(0.2).patience(0).distillation(Distillation.NONE).build());
        BuildOptions options = new BuildOptions(new BuildFiles(train, dir.resolve((streamed ? "streamed" : "memory")
                + "-general.onnx"), CsvReading.DEFAULT), null, 2, null, 16, org.odf2nna.network.Activation.RELU,
                training);
        return ModelBuilder.build(options, recording(details));
    }

    /**
     * build on streamed rows against build on the same rows in memory: the same task, classes, sizes and row counts;
     * the validation rows are another seeded draw of as many, so the two trainings are two draws of one experiment.
     */
    @Test
    void buildTrainsOnStreamedRowsAsOnRowsInMemory() throws IOException {
        List<Path> before = rowFiles();
        org.odf2nna.network.DenseNetwork network = network();
        Path train = rows(network, dir.resolve("train.csv"), 4000, 2);
        BothWays<ModelBuilder.Built> runs = bothWays((streamedRows, details) -> build(streamedRows, train, details));
        ModelBuilder.Built memory = runs.memory();
        ModelBuilder.Built streamed = runs.streamed();
        assertEquals(org.odf2nna.settings.Task.CLASSIFICATION, streamed.task());
        assertEquals(memory.network().architecture(), streamed.network().architecture(), "3 classes, 2 x 16 units");
        assertEquals(memory.split().trainRows(), streamed.split().trainRows());
        assertEquals(memory.split().validationRows(), streamed.split().validationRows());
        // 800 validation rows: two draws differ by about 2 points (sd) at 85%; 8 points is 4 sd.
        assertEquals(memory.training().validationAfter(), streamed.training().validationAfter(), 0.08);
        assertTrue(streamed.training().validationAfter() > 0.7, "learnt: " + streamed.training().validationAfter());
        assertTrue(Files.exists(dir.resolve("streamed-general.onnx")));
        assertNoNewRowFiles(before);
    }

    @Test
    void forwardInBlocksGivesTheOutputsOfOnePass() {
        org.odf2nna.network.DenseNetwork network = network();
        int n = 3 * TeacherOutputs.FORWARD_BLOCK + 17;
        java.util.Random random = new java.util.Random(8);
        float[] x = new float[n * WIDTH];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(network.forward(x, n),
                TeacherOutputs.forward(network, x, n));
    }
}

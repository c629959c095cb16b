package org.odf2nna.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.Device;
import org.odf2nna.Progress;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.Quantize;
import org.odf2nna.settings.Task;
import org.odf2nna.settings.TrainingOptions;

/**
 * The steps of the file workflows that {@code api} opens one at a time ({@link OnnxModel}, {@link OnnxSession},
 * {@link UnitScores}, {@link Training}, {@link Rows#check}): what the research harness's benchmarks use in place of the
 * internals.
 */
class ModelStepsTest {

    private static final Path DIGITS = Path.of("models/digits_8x8-128-64-10_relu.onnx");
    private static final Path DIGITS_TEST = Path.of("examples/digits/digits-test.csv.gz");
    private static final Path DIGITS_TRAIN = Path.of("examples/digits/digits-train.csv.gz");
    private static final Path IRIS = Path.of("models/iris_4-16-16-3_relu.onnx");
    private static final Path IRIS_TRAIN = Path.of("examples/iris/iris-train.csv");

    @TempDir
    Path dir;

    @Test
    void scoresUnitsAsOnePassAndAsAlgorithm3AndPrunesAtEpsilon() {
        OnnxModel model = OnnxModel.read(DIGITS);
        Rows rows = model.readRows(DIGITS_TEST, 200);
        assertEquals(200, rows.count());
        assertEquals(64, rows.width());
        assertTrue(rows.labelled());
        List<Rows> batches = List.of(Rows.of(java.util.Arrays.copyOf(rows.features(), 120 * 64), 64),
                Rows.of(java.util.Arrays.copyOfRange(rows.features(), 120 * 64, 200 * 64), 64));
        UnitScores scores = model.scoreUnits(batches, Device.CPU);
        assertEquals(200, scores.rows());
        assertArrayEquals(model.network().hiddenUnits(), scores.stds().stream().mapToInt(s -> s.length).toArray());
        UnitScores whole = model.scoreUnits(List.of(Rows.of(rows.features(), 64)), Device.CPU);
        assertArrayEquals(whole.stds().get(1), scores.stds().get(1), 1e-6, "batches do not change the scores");
        // Algorithm 3: one unit's subgraph over the same rows gives that unit's std.
        for (int unit : new int[] {0, 7}) {
            try (OnnxSession session = model.unitSession(0, unit, Device.CPU)) {
                float[] out = session.run(rows.features(), rows.count());
                assertEquals(scores.stds().get(0)[unit], std(out), 1e-4, "unit " + unit);
            }
        }
        double epsilon = scores.stds().get(0)[3];
        int[] kept = scores.keptAt(epsilon);
        OnnxModel pruned = model.prunedAt(scores, epsilon);
        assertArrayEquals(kept, pruned.network().hiddenUnits());
        assertTrue(pruned.network().parameterCount() < model.network().parameterCount());
        assertEquals(List.of(0.0), UnitScores.epsilonGrid(List.of(new double[] {0, 0, 0}), 3), "all constant: ε = 0");
        assertFalse(model.storesInt8());
    }

    @Test
    void streamsAFileThroughTheScoringPassAndChecksItsRows() {
        OnnxModel model = OnnxModel.read(DIGITS);
        long rows = Rows.check(DIGITS_TEST);
        assertEquals(model.readRows(DIGITS_TEST, 0).count(), rows);
        assertEquals(rows, model.scoreUnits(DIGITS_TEST, 64, Task.CLASSIFICATION, Device.CPU, Progress.NONE).rows());
        try (OnnxSession s = model.scoringSession(Device.CPU)) {
            assertEquals(64, s.valuesPerRow());
        }
    }

    @Test
    void opensTheModelAndItsInt8FormsAndTimesARun() {
        OnnxModel model = OnnxModel.read(DIGITS);
        Rows rows = model.readRows(DIGITS_TEST, 50);
        float[] reference;
        try (OnnxSession plain = model.session(Quantize.NONE, null, Device.CPU, 0)) {
            reference = plain.run(rows.features(), 50);
            assertEquals(500, reference.length);
            OnnxSession.Timing t = plain.timedRun(rows.features(), 10, 5);
            assertTrue(t.runNanos() > 0 && t.aroundNanos() >= 0, t.toString());
            assertThrows(IllegalArgumentException.class, () -> plain.timedRun(rows.features(), 48, 5));
        }
        for (Quantize form : new Quantize[] {Quantize.INT8_DYNAMIC, Quantize.INT8_STATIC, Quantize.INT8_WEIGHTS}) {
            try (OnnxSession s = model.session(form, DIGITS_TRAIN, Device.CPU, 1)) {
                assertEquals(agreement(reference, s.run(rows.features(), 50)), 1.0, 0.1, form.toString());
            }
        }
        assertThrows(IllegalArgumentException.class, () -> model.session(Quantize.INT8, DIGITS_TRAIN, Device.CPU, 0));
        try (OnnxSession any = OnnxSession.open(DIGITS, Device.CPU)) {
            assertEquals(64, any.valuesPerRow());
            assertTrue(any.parameters() >= model.network().parameterCount(), any.parameters() + "");
            assertEquals(rows, any.readRows(DIGITS_TEST, 50));
        }
        try (OnnxSession bytes = OnnxSession.open(model.onnx(), Device.CPU, 1)) {
            assertArrayEquals(reference, bytes.run(rows.features(), 50), 1e-5f);
        }
    }

    @Test
    void trainsAPreparedProblemEpochByEpoch() {
        OnnxModel model = OnnxModel.read(IRIS);
        Training.Problem problem = Training.problem(model, IRIS_TRAIN, 100, 0.2, 0);
        assertEquals(80, problem.training().count());
        assertEquals(20, problem.validation().count());
        assertEquals("SOFTMAX_CROSS_ENTROPY", problem.loss());
        List<Training.Epoch> heard = new ArrayList<>();
        Training.Trained trained = Training.train(problem.network(), problem.training(), problem.validation(),
                problem.task(), new TrainingOptions(2, 16, 1e-3f, 0, 0), (e, epochs) -> heard.add(e));
        assertEquals(heard, trained.history());
        assertEquals(3, heard.size(), "epoch 0 (the start) and two epochs");
        assertEquals(problem.network().architecture(), trained.network().architecture());

        Training.GraphParameters graph = Training.graphParameters(IRIS);
        assertEquals(4, graph.valuesPerRow());
        assertEquals(model.network().parameterCount(), graph.parameters());
        Rows rows;
        try (OnnxSession s = OnnxSession.open(IRIS, Device.CPU)) {
            rows = s.readRows(IRIS_TRAIN, 60);
        }
        Training.Trained graphTrained = Training.trainGraph(IRIS, rows, new LinkedHashSet<>(graph.trainable()),
                new TrainingOptions(1, 16, 1e-3f, 0, 0, Device.CPU), Distillation.DEFAULT, 0.2, null);
        assertEquals(2, graphTrained.history().size());
    }

    @Test
    void writesTheCallersFileThroughTheLedger() throws Exception {
        Path file = dir.resolve("figures.json");
        Writes.writeString(file, "{}");
        assertEquals("{}", Files.readString(file));
        assertTrue(Writes.finished().contains(file));
    }

    private static double std(float[] values) {
        double mean = 0;
        for (float v : values) {
            mean += v;
        }
        mean /= values.length;
        double m2 = 0;
        for (float v : values) {
            m2 += (v - mean) * (v - mean);
        }
        return Math.sqrt(m2 / values.length);
    }

    /** The share of rows whose largest output is the same. */
    private static double agreement(float[] a, float[] b) {
        int same = 0;
        int rows = a.length / 10;
        for (int r = 0; r < rows; r++) {
            same += argmax(a, r) == argmax(b, r) ? 1 : 0;
        }
        return (double) same / rows;
    }

    private static int argmax(float[] v, int row) {
        int best = 0;
        for (int k = 1; k < 10; k++) {
            if (v[row * 10 + k] > v[row * 10 + best]) {
                best = k;
            }
        }
        return best;
    }
}

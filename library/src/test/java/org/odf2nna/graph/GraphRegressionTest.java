package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.method.GraphSweeper;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.OutputClip;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.SweepReport;
import org.odf2nna.settings.SweepFiles;
import org.odf2nna.settings.SweepSettings;
import org.odf2nna.settings.Task;

/** A graph regressor swept under the bounded-regression promise, as dense chains are. */
class GraphRegressionTest {

    private static final int WIDTH = 24;

    @TempDir
    Path dir;

    /**
     * A regressor on [N, 4, 6]: a transformer FFN (MatMul, bias, exact GELU, MatMul, bias, residual Add) whose first
     * eight of sixteen hidden units are dead, a mean over the four positions and a linear head of one value per row.
     */
    static ModelProto regressor() {
        Graphs g = new Graphs(31);
        g.input("x", 4, 6).output("y", 1);
        String h = g.halfDeadFirstLayer("x", 5);
        String a = g.erfGelu(h, "act");
        String o = g.node("Add", "ffn", g.node("MatMul", "mm2", a, g.init("w2", 0.5, 16, 6)), g.init("b2", 0.2, 6));
        String y = g.node("Add", "res", "x", o);
        String pooled = g.node("ReduceMean", "pool", List.of(Graphs.ints("axes", 1), Graphs.integer("keepdims", 0)),
                y);
        g.node("MatMul", "y", pooled, g.init("head", 1.5, 6, 1));
        return g.model(14);
    }

    /**
     * The model's own outputs plus uniform noise of three times their spread: targets whose range is a few tens of
     * times the original's MSE, where the bound can certify a rise on a few thousand rows.
     */
    private static float[][] rowsAndTargets(ModelProto model, long seed, int count) {
        float[] x = Graphs.rows(seed, count, WIDTH);
        float[] f = GraphRegression.values(JudgedForm.FLOAT, model, BlockFinderTest.FILE,
                GraphFeed.of(model, BlockFinderTest.FILE), new GraphRows(x, WIDTH, null), Device.CPU);
        double sum = 0;
        double squares = 0;
        for (float v : f) {
            sum += v;
            squares += v * v;
        }
        double spread = Math.sqrt(Math.max(squares / count - sum * sum / count / count, 1e-12));
        Random r = new Random(seed + 100);
        float[] t = new float[count];
        for (int i = 0; i < count; i++) {
            t[i] = (float) (f[i] + 3 * spread * (2 * r.nextDouble() - 1));
        }
        return new float[][] {x, t};
    }

    private Path csv(String name, float[][] rows, int count) throws IOException {
        StringBuilder s = new StringBuilder();
        for (int k = 0; k < WIDTH; k++) {
            s.append('x').append(k + 1).append(',');
        }
        s.append("target\n");
        for (int i = 0; i < count; i++) {
            for (int k = 0; k < WIDTH; k++) {
                s.append(String.format(Locale.ROOT, "%.9g,", rows[0][i * WIDTH + k]));
            }
            s.append(String.format(Locale.ROOT, "%.9g%n", rows[1][i]));
        }
        Path p = dir.resolve(name);
        Files.writeString(p, s);
        return p;
    }

    /** Validation targets held within the training targets' range, as the rule asks of them. */
    private static void within(float[] targets, float[] training) {
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (float t : training) {
            lo = Math.min(lo, t);
            hi = Math.max(hi, t);
        }
        for (int i = 0; i < targets.length; i++) {
            targets[i] = Math.min(hi, Math.max(lo, targets[i]));
        }
    }

    @Test
    void oneOutputValuePerRowIsARegressorUnlessTheTaskSaysOtherwise() {
        ModelProto model = regressor();
        assertTrue(GraphRegression.regressor(model, null));
        assertFalse(GraphRegression.regressor(model, Task.CLASSIFICATION));
        assertFalse(GraphRegression.regressor(GraphSweepRetrainTest.classifier(false), null));
    }

    @Test
    void aGraphRegressorIsSweptUnderTheBoundAndWrittenWithTheClipAndTheRange() throws IOException {
        ModelProto model = regressor();
        Path file = dir.resolve("regressor.onnx");
        Files.write(file, model.toByteArray());
        float[][] train = rowsAndTargets(model, 1, 3000);
        float[][] validation = rowsAndTargets(model, 2, 3000);
        within(validation[1], train[1]);
        Path out = dir.resolve("small.onnx");
        SweepFiles files = SweepFiles.of(file, csv("train.csv", train, 3000), csv("report.csv",
                rowsAndTargets(model, 3, 1000), 1000), out).withValidation(csv("validation.csv", validation, 3000));
        // Rounds of 25%: the first two take the dead units alone; a rise of the MSE by 100% is allowed.
        SweepSettings settings = SweepSettings.builder().share(0.25).maxDrop(100)
                .graphRetraining(org.odf2nna.settings.GraphRetraining.SEQUENTIAL).build();
        SweepReport report = GraphSweeper.sweep(files, settings, Progress.NONE);
        assertNotNull(report.outcome().chosen(), report.outcome().choice());
        assertTrue(report.outcome().choice().contains("empirical-Bernstein"), report.outcome().choice());
        assertTrue(report.original().validation().regression() && report.original().validation().mse() > 0);
        assertTrue(report.outcome().rounds().stream()
                .allMatch(r -> r.validation().regression() && r.report().regression()));
        assertEquals(100, report.method().maxDrop(), 1e-9);
        ModelProto written = OnnxModelFile.read(out);
        String output = written.getGraph().getOutput(0).getName();
        assertTrue(written.getGraph().getNodeList().stream().anyMatch(n -> n.getOpType().equals("Clip")
                && n.getOutput(0).equals(output)), "the written model's output is clipped");
        float[] range = OutputClip.read(written);
        assertNotNull(range, "the range is recorded under " + OutputClip.METADATA_KEY);
        org.odf2nna.metrics.BoundedRegression.Range expected = org.odf2nna.metrics.BoundedRegression.trainingRange(
                train[1], 3000);
        assertEquals(expected.lo(), range[0], 1e-6 * Math.max(1, Math.abs(expected.lo())));
        assertEquals(expected.hi(), range[1], 1e-6 * Math.max(1, Math.abs(expected.hi())));
        float[] y = GraphRegression.values(JudgedForm.FLOAT, written, out, GraphFeed.of(written, out),
                new GraphRows(validation[0], WIDTH, null), Device.CPU);
        for (float v : y) {
            assertTrue(v >= range[0] && v <= range[1], v + " outside the recorded range");
        }
    }

    @Test
    void aValidationTargetOutsideTheTrainingRangeIsRefusedInOneLineNamingTheFileAndRow() throws IOException {
        ModelProto model = regressor();
        Path file = dir.resolve("regressor.onnx");
        Files.write(file, model.toByteArray());
        float[][] train = rowsAndTargets(model, 1, 500);
        float[][] validation = rowsAndTargets(model, 2, 500);
        within(validation[1], train[1]);
        float hi = Float.NEGATIVE_INFINITY;
        for (float t : train[1]) {
            hi = Math.max(hi, t);
        }
        validation[1][6] = hi + 1;
        Path out = dir.resolve("small.onnx");
        SweepFiles files = SweepFiles.of(file, csv("train.csv", train, 500), csv("report.csv", train, 100), out)
                .withValidation(csv("validation.csv", validation, 500));
        InputException e = assertThrows(InputException.class, () -> GraphSweeper.sweep(files, SweepSettings
                .defaults(), Progress.NONE));
        String message = e.getMessage();
        assertFalse(message.contains("\n"), message);
        assertTrue(message.contains("validation.csv") && message.contains("data row 7"), message);
        assertTrue(message.contains("lies outside the training targets' range"), message);
        assertFalse(Files.exists(out));
    }

    @Test
    void aClassifierTakenAsARegressorIsRefusedBeforeAnyRowIsRead() throws IOException {
        ModelProto model = GraphSweepRetrainTest.classifier(false);
        Path file = dir.resolve("classifier.onnx");
        Files.write(file, model.toByteArray());
        Path out = dir.resolve("small.onnx");
        SweepFiles files = SweepFiles.of(file, dir.resolve("absent-train.csv"), dir.resolve("absent-test.csv"), out)
                .withValidation(dir.resolve("absent-validation.csv"));
        InputException e = assertThrows(InputException.class, () -> GraphSweeper.sweep(files,
                SweepSettings.builder().task(Task.REGRESSION).build(), Progress.NONE));
        assertTrue(e.getMessage().contains("output 'logits' holds 3 values per row"), e.getMessage());
    }
}

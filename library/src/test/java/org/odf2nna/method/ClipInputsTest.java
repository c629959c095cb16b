package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.metrics.LossBound;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.InputPrefix;
import org.odf2nna.network.InputRange;
import org.odf2nna.network.OutputHead;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.InputClip;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.OnnxModelBuilder;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.TestModels;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.SweepReport;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.settings.ShrinkFiles;
import org.odf2nna.settings.ShrinkSettings;
import org.odf2nna.settings.SweepFiles;
import org.odf2nna.settings.SweepSettings;

/**
 * {@code --clip-inputs} end to end on a regression model built in code whose validation rows hold one value outside
 * the training rows' range: the written model clips, records the range, and the rounds were judged as it computes.
 */
class ClipInputsTest {

    @TempDir
    Path dir;

    private static final int WIDTH = 4;

    /**
     * 4 inputs (the last read by nothing) → 16 tanh units, four distinct ones each four times (so least squares makes
     * up exactly for removing copies) → 8 tanh → 1.
     */
    private static DenseNetwork network() {
        Random r = new Random(3);
        float[] distinct = new float[WIDTH * 4];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 4; j++) {
                distinct[i * 4 + j] = (float) (r.nextGaussian() * 0.8);
            }
        }
        float[] w1 = new float[WIDTH * 16];
        float[] b1 = new float[16];
        for (int i = 0; i < WIDTH; i++) {
            for (int j = 0; j < 16; j++) {
                w1[i * 16 + j] = distinct[i * 4 + j % 4];
            }
        }
        float[] w2 = new float[16 * 8];
        for (int k = 0; k < w2.length; k++) {
            w2[k] = (float) (r.nextGaussian() * 0.5);
        }
        float[] w3 = new float[8];
        for (int k = 0; k < 8; k++) {
            w3[k] = (float) (r.nextGaussian());
        }
        return new DenseNetwork(InputPrefix.NONE, List.of(new DenseLayer(WIDTH, 16, w1, b1, Activation.TANH),
                new DenseLayer(16, 8, w2, new float[8], Activation.TANH),
                new DenseLayer(8, 1, w3, new float[1], Activation.IDENTITY)), OutputHead.NONE);
    }

    /** Rows uniform in [-1, 1], targets the network's outputs on {@code held} plus noise. */
    private static Path csv(Path file, float[] x, float[] targets) throws IOException {
        StringBuilder s = new StringBuilder("a,b,c,d,y\n");
        for (int row = 0; row < targets.length; row++) {
            for (int c = 0; c < WIDTH; c++) {
                s.append(x[row * WIDTH + c]).append(',');
            }
            s.append(String.format(Locale.ROOT, "%.9g%n", targets[row]));
        }
        Files.writeString(file, s);
        return file;
    }

    private static float[] rows(long seed, int n) {
        Random r = new Random(seed);
        float[] x = new float[n * WIDTH];
        for (int k = 0; k < x.length; k++) {
            x[k] = (float) (r.nextDouble() * 2 - 1);
        }
        return x;
    }

    private static float[] targets(DenseNetwork network, float[] x, int n, long seed) {
        float[] y = network.forward(x, n);
        Random r = new Random(seed);
        for (int k = 0; k < n; k++) {
            y[k] += (float) (r.nextGaussian() * 0.05);
        }
        return y;
    }

    private static double mse(float[] out, float[] y) {
        double sum = 0;
        for (int k = 0; k < y.length; k++) {
            sum += (out[k] - y[k]) * (double) (out[k] - y[k]);
        }
        return sum / y.length;
    }

    private static SweepSettings.Builder settings() {
        RetrainSettings retrain = RetrainSettings.builder().epochs(1).batchSize(64).learningRate(0.001f).seed(0)
                .patience(0).build();
        return SweepSettings.builder().retraining(retrain).maxRounds(2);
    }

    /** {@code network} written as {@code m.onnx}. */
    private Path write(DenseNetwork network) throws IOException {
        Path model = dir.resolve("m.onnx");
        Files.write(model, OnnxModelBuilder.build(network, "input", "output", Map.of()).toByteArray());
        return model;
    }

    /** 1,500 training and 3,000 validation rows with targets of ±1 at random, as train.csv and validation.csv. */
    private void writeCoinRows() throws IOException {
        csv(dir.resolve("train.csv"), rows(1, 1500), coinTargets(1500, 11));
        csv(dir.resolve("validation.csv"), rows(2, 3000), coinTargets(3000, 12));
    }

    /** A sweep of {@code model} that trains on train.csv and is judged on validation.csv, writing {@code out}. */
    private SweepFiles sweepFiles(Path model, Path out) {
        return SweepFiles.of(model, dir.resolve("train.csv"), dir.resolve("validation.csv"), out)
                .withValidation(dir.resolve("validation.csv"));
    }

    @Test
    void theWrittenModelClipsAndTheRoundsWereJudgedAsItComputes() throws IOException {
        DenseNetwork network = network();
        Path model = write(network);
        // Regression is judged on a bounded loss (BoundedRegression): targets of ±1 keep the range small against the
        // MSE, so 3,000 validation rows can certify a rise of 50%.
        float[] train = rows(1, 1500);
        csv(dir.resolve("train.csv"), train, coinTargets(1500, 11));
        int n = 3000;
        float[] validation = rows(2, n);
        float[] y = coinTargets(n, 12);
        // 600 validation rows hold values from 1.5 to 4 in their first column, which no training row comes near; their
        // targets are the sign of what the network gives at the edge of the range, so that a model that clips does
        // better on them than the original.
        Random r = new Random(13);
        for (int row = 0; row < 600; row++) {
            validation[row * WIDTH] = (float) (1.5 + 2.5 * r.nextDouble());
            float[] edge = java.util.Arrays.copyOfRange(validation, row * WIDTH, row * WIDTH + WIDTH);
            edge[0] = 1;
            y[row] = network.forward(edge, 1)[0] >= 0 ? 1 : -1;
        }
        csv(dir.resolve("validation.csv"), validation, y);
        Path out = dir.resolve("small.onnx");
        SweepFiles files = sweepFiles(model, out).withReport(dir.resolve("r.json"));

        SweepReport report = Sweeper.run(files, settings().clipInputs(true).maxDrop(50).build(), Progress.NONE);

        assertNotNull(report.chosen(), report.choice());
        assertTrue(report.inputsClipped());
        InputRange expected = InputRange.of(train, 1500, WIDTH);
        assertEquals(expected, report.inputRange());
        assertTrue(report.choice().contains("Inputs clipped to the range of the 1500 training rows"),
                report.choice());
        assertTrue(Files.readString(dir.resolve("r.json")).contains("\"inputsClipped\": true"));
        ModelProto written = OnnxModelFile.read(out);
        InputClip.Recorded recorded = InputClip.read(written);
        assertTrue(recorded.clipped());
        assertEquals("input", recorded.tensor());
        assertEquals(expected, recorded.range());
        // The written model on the out-of-range row gives what it gives on that row held to the range.
        OnnxDenseModel read = DenseChainReader.read(written, out);
        float[] far = TestModels.runOrt(written, read.input(), java.util.Arrays.copyOf(validation, WIDTH), 1, WIDTH,
                read.outputName());
        float[] held = TestModels.runOrt(written, read.input(), expected.clip(java.util.Arrays.copyOf(validation,
                WIDTH), 1), 1, WIDTH, read.outputName());
        assertEquals(held[0], far[0]);

        // The judged figure is the written model's (inputs clipped, and its output to the training targets' range)
        // against the original's (its output clipped to that range too) on the validation rows, computed here in ONNX
        // Runtime from the files.
        ModelProto originalProto = OnnxModelFile.read(model);
        OnnxDenseModel original = DenseChainReader.read(originalProto, model);
        float[] pa = unitClip(TestModels.runOrt(originalProto, original.input(), validation, n, WIDTH,
                original.outputName()));
        float[] pb = TestModels.runOrt(written, read.input(), validation, n, WIDTH, read.outputName());
        double rise = mse(pb, y) / mse(pa, y) - 1;
        LossBound judged = report.table().outcomes().get(report.chosen()).bound();
        assertEquals(rise, judged.estimate(), 1e-4);
        // Without the clip the same network's figure would be far from it: the test can tell them apart.
        DenseNetwork chosen = read.network();
        float[] unclipped = TestModels.runOrt(originalProto, original.input(), validation, n, WIDTH,
                original.outputName());
        double plain = mse(chosen.forward(keep(validation, n, read), n), y) / mse(unitClip(unclipped), y) - 1;
        assertTrue(Math.abs(plain - judged.estimate()) > 0.03, plain + " against " + judged.estimate());
    }

    /** Outputs clipped to [-1, 1], the range of the ±1 training targets. */
    private static float[] unitClip(float[] v) {
        float[] c = new float[v.length];
        for (int k = 0; k < v.length; k++) {
            c[k] = Math.max(-1, Math.min(1, v[k]));
        }
        return c;
    }

    /** The rows' columns a written chain reads: those its input selection's Gather keeps, when it has one. */
    private static float[] keep(float[] x, int n, OnnxDenseModel read) {
        int width = read.network().inputs();
        if (width == WIDTH) {
            return x;
        }
        long[] kept = read.model().getGraph().getInitializerList().stream()
                .filter(t -> t.getName().equals("odf2nna_kept_inputs")).findFirst().orElseThrow()
                .getInt64DataList().stream().mapToLong(Long::longValue).toArray();
        assertEquals(width, kept.length);
        float[] narrowed = new float[n * width];
        for (int r = 0; r < n; r++) {
            for (int k = 0; k < width; k++) {
                narrowed[r * width + k] = x[r * WIDTH + (int) kept[k]];
            }
        }
        return narrowed;
    }

    @Test
    void withInt8WeightsTheClipStaysInFront() throws IOException {
        DenseNetwork network = network();
        Path model = write(network);
        writeCoinRows();
        Path out = dir.resolve("int8.onnx");
        SweepFiles files = sweepFiles(model, out);
        // Not timed: where the clip sits is what is checked, and this tiny network's int8 form is slower than its float.
        SweepReport report = Sweeper.run(files, settings().clipInputs(true).maxDrop(50)
                .quantize(org.odf2nna.settings.Quantize.INT8).latency(org.odf2nna.settings.LatencyCheck.OFF).build(),
                Progress.NONE);
        assertNotNull(report.chosen(), report.choice());
        ModelProto written = OnnxModelFile.read(out);
        // The clip's Max is the only node that reads the graph input (the int8 form's nodes read what follows it).
        assertEquals(List.of("Max"), written.getGraph().getNodeList().stream()
                .filter(n -> n.getInputList().contains("input")).map(n -> n.getOpType()).toList());
        assertTrue(written.getGraph().getNodeList().stream().anyMatch(n -> n.getOpType().equals("MatMulInteger")
                || n.getOpType().equals("DequantizeLinear")));
        OnnxDenseModel read = DenseChainReader.read(written, out);
        float[] far = {9, -9, 9, -9};
        InputRange range = InputClip.read(written).range();
        assertEquals(TestModels.runOrt(written, read.input(), range.clip(far, 1), 1, WIDTH, read.outputName())[0],
                TestModels.runOrt(written, read.input(), far, 1, WIDTH, read.outputName())[0]);
    }

    /** Targets of ±1 at random: the clipped squared error is at most 4 and the original's MSE about 1 or more. */
    private static float[] coinTargets(int n, long seed) {
        Random r = new Random(seed);
        float[] y = new float[n];
        for (int k = 0; k < n; k++) {
            y[k] = r.nextBoolean() ? 1 : -1;
        }
        return y;
    }

    @Test
    void aRegressionSweepWritesTheOutputClipAndRecordsTheTargetsRange() throws IOException {
        DenseNetwork network = network();
        Path model = write(network);
        writeCoinRows();
        Path out = dir.resolve("clipped.onnx");
        SweepFiles files = sweepFiles(model, out);
        SweepReport report = Sweeper.run(files, settings().maxDrop(50).build(), Progress.NONE);
        assertNotNull(report.chosen(), report.choice());
        assertTrue(report.choice().contains("Outputs clipped to the training targets' range [-1, 1]"),
                report.choice());
        LossBound bound = report.table().outcomes().get(report.chosen()).bound();
        assertTrue(bound.rule().contains("outputs clipped to the training targets' range [-1, 1]"), bound.rule());
        ModelProto written = OnnxModelFile.read(out);
        assertEquals("Clip", written.getGraph().getNode(written.getGraph().getNodeCount() - 1).getOpType());
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {-1, 1},
                org.odf2nna.onnx.OutputClip.read(written));
        OnnxDenseModel read = DenseChainReader.read(written, out);
        assertEquals(Activation.clip(-1, 1), read.network().layer(read.network().layers().size() - 1).activation());
        // Far inputs: the unclipped network leaves the range somewhere, the written model never does.
        float[] far = rows(5, 200);
        for (int k = 0; k < far.length; k++) {
            far[k] *= 40;
        }
        float[] outputs = TestModels.runOrt(written, read.input(), far, 200, WIDTH, read.outputName());
        assertTrue(java.util.Arrays.stream(toDoubles(outputs)).allMatch(v -> v >= -1 && v <= 1));
        List<DenseLayer> layers = new java.util.ArrayList<>(read.network().layers());
        DenseLayer last = layers.get(layers.size() - 1);
        layers.set(layers.size() - 1, new DenseLayer(last.inputs(), last.units(), last.weights(), last.bias(),
                Activation.IDENTITY));
        float[] plain = read.network().withLayers(layers).forward(keep(far, 200, read), 200);
        assertTrue(java.util.Arrays.stream(toDoubles(plain)).anyMatch(v -> v < -1 || v > 1), "the clip does work");
    }

    private static double[] toDoubles(float[] v) {
        double[] d = new double[v.length];
        for (int k = 0; k < v.length; k++) {
            d[k] = v[k];
        }
        return d;
    }

    @Test
    void aValidationTargetOutsideTheTrainingTargetsRangeIsRefusedByRow() throws IOException {
        DenseNetwork network = network();
        Path model = write(network);
        float[] train = rows(1, 300);
        csv(dir.resolve("train.csv"), train, coinTargets(300, 11));
        float[] validation = rows(2, 300);
        float[] y = coinTargets(300, 12);
        y[41] = 3;
        csv(dir.resolve("validation.csv"), validation, y);
        Path out = dir.resolve("refused.onnx");
        SweepFiles files = sweepFiles(model, out);
        InputException e = assertThrows(InputException.class, () -> Sweeper.run(files, settings().build(),
                Progress.NONE));
        assertEquals(InputException.Kind.UNCERTIFIABLE, e.kind());
        assertEquals(dir.resolve("validation.csv"), e.file());
        assertEquals("data row 42", e.place());
        assertTrue(e.getMessage().contains("target 3 lies outside the training targets' range [-1, 1]"),
                e.getMessage());
        assertTrue(!Files.exists(out));
    }

    @Test
    void oneShotShrinkWithTrainingRowsRecordsTheRangeWithoutAClip() throws IOException {
        DenseNetwork network = network();
        Path model = write(network);
        float[] train = rows(1, 300);
        Path trainCsv = csv(dir.resolve("train.csv"), train, targets(network, train, 300, 11));
        float[] kept = rows(2, 300);
        Path validationCsv = csv(dir.resolve("validation.csv"), kept, targets(network, kept, 300, 12));
        Path out = dir.resolve("once.onnx");
        ShrinkFiles files = new ShrinkFiles(model, trainCsv, trainCsv, validationCsv, out, null,
                org.odf2nna.settings.CsvReading.DEFAULT);
        Shrinker.run(files, ShrinkSettings.builder().epsilon(0.1).retraining(RetrainSettings.builder().epochs(1)
                .seed(0).build()).build(), Progress.NONE);
        InputClip.Recorded recorded = InputClip.read(OnnxModelFile.read(out));
        assertNotNull(recorded);
        assertTrue(!recorded.clipped());
        // With validation rows of their own, every training row is a training row.
        assertEquals(InputRange.of(train, 300, WIDTH), recorded.range());
    }

    @Test
    void refusedWithoutTrainingRowsAndOutsideTheProgressiveSchedule() throws IOException {
        Path model = write(network());
        float[] x = rows(1, 20);
        Path eval = csv(dir.resolve("eval.csv"), x, targets(network(), x, 20, 1));
        InputException e = assertThrows(InputException.class, () -> Shrinker.run(ShrinkFiles.of(model, eval),
                ShrinkSettings.builder().clipInputs(true).build(), Progress.NONE));
        assertTrue(e.getMessage().contains("clipping of the inputs") && e.getMessage().contains("training rows"),
                e.getMessage());
        assertThrows(org.odf2nna.settings.InvalidSetting.class, () -> settings().clipInputs(true)
                .schedule(org.odf2nna.settings.Schedule.Kind.EPSILON).build());
        assertThrows(org.odf2nna.settings.InvalidSetting.class, () -> ShrinkSettings.builder().clipInputs(true)
                .epsilon(0.1).retraining(RetrainSettings.DEFAULT).build());
    }
}

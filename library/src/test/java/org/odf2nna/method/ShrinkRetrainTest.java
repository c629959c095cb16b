package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.Device;
import org.odf2nna.Progress;
import org.odf2nna.data.Batch;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.data.CsvReader;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.report.EpsilonOutcome;
import org.odf2nna.report.ShrinkReport;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.settings.Task;
import org.odf2nna.tf.DenseTrainer;
import org.odf2nna.tf.TrainingData;

/** Retraining inside shrink, on the repository's example models. */
class ShrinkRetrainTest {

    static final Path IRIS = Path.of("models/iris_4-16-16-3_relu.onnx");
    static final Path DIABETES = Path.of("models/diabetes_10-32-32-1_tanh_norm.onnx");

    @TempDir
    Path dir;

    static ShrinkOptions options(Path model, Path test, Path train, double epsilon, Path out, int epochs, long seed) {
        EvalData eval = new EvalData(test, ColumnRequest.of(-1, null, ColumnRequest.Target.OPTIONAL), 256);
        RetrainOptions retrain = new RetrainOptions(train, RetrainSettings.builder().epochs(epochs).batchSize(16)
                .learningRate(0.005f).seed(seed).validationShare(0.25).patience(0).distillation(Distillation.NONE)
                .build());
        return MethodTestData.shrink(model, eval, epsilon, out, retrain);
    }

    @Test
    void retrainingReportsThePrStageAndTheFileMatchesTensorFlow() throws IOException {
        Path out = dir.resolve("iris.onnx");
        ShrinkReport report = Shrinker.run(options(IRIS, Path.of("examples/iris/iris-test.csv"),
                Path.of("examples/iris/iris-train.csv"), 0.5, out, 8, 1), Progress.NONE);
        EpsilonOutcome o = report.outcomes().get(0);
        assertNotNull(o.pruned());
        assertNotNull(o.retrained(), "PR stage");
        assertNotNull(o.training());
        assertNotNull(report.retraining());
        long fileRows = Files.readAllLines(Path.of("examples/iris/iris-train.csv")).size() - 1;
        assertEquals(fileRows, report.retraining().rows().trainRows() + report.retraining().rows().validationRows());
        assertEquals(Math.round(fileRows * 0.25), report.retraining().rows().validationRows());
        assertTrue(o.training().epochsRun() <= 8);
        // The file's outputs equal TensorFlow's for the same weights.
        OnnxDenseModel written = DenseChainReader.read(out);
        float[] x = new float[30 * 4];
        java.util.Random random = new java.util.Random(5);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (4 + 2 * random.nextGaussian());
        }
        float[] tensorflow = DenseTrainer.predict(written.network(), x, 30);
        try (OnnxRunner runner = OnnxRunner.open(written.model(), written.input(), Device.CPU, out)) {
            float[] onnx = runner.run(x, 30, 4, List.of(written.outputName())).get(written.outputName());
            for (int i = 0; i < onnx.length; i++) {
                assertEquals(tensorflow[i], onnx[i], 1e-4, "output " + i);
            }
        }
    }

    @Test
    void sameSeedWritesTheSameBytes() throws IOException {
        Path a = dir.resolve("a.onnx");
        Path b = dir.resolve("b.onnx");
        Path train = Path.of("examples/iris/iris-train.csv");
        Path test = Path.of("examples/iris/iris-test.csv");
        Shrinker.run(options(IRIS, test, train, 0.2, a, 5, 7), Progress.NONE);
        Shrinker.run(options(IRIS, test, train, 0.2, b, 5, 7), Progress.NONE);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    }

    @Test
    void trainingRowsGoThroughTheModelsOwnPrefix() {
        // diabetes normalises its inputs with Sub and Div nodes: training must see (x - mean) / std.
        OnnxDenseModel model = DenseChainReader.read(DIABETES);
        Path train = Path.of("examples/diabetes/diabetes-train.csv");
        TrainingData rows = TrainingRows.load(model, new EvalData(train,
                ColumnRequest.of(10, null, ColumnRequest.Target.REQUIRED), 100), Task.REGRESSION, Device.CPU,
                Progress.NONE);
        float[] mean = initializer(model, "prefix.mean");
        float[] std = initializer(model, "prefix.std");
        try (CsvReader reader = CsvReader.open(train, ColumnRequest.of(10, null, ColumnRequest.Target.REQUIRED))) {
            Batch batch = reader.next(1000);
            assertEquals(batch.rows(), rows.rows());
            for (int r = 0; r < batch.rows(); r++) {
                assertEquals(batch.targets()[r], rows.targets()[r], 1e-3);
                for (int c = 0; c < 10; c++) {
                    float expected = (batch.features()[r * 10 + c] - mean[c]) / std[c];
                    assertEquals(expected, rows.inputs()[r * 10 + c], 1e-5);
                }
            }
        }
    }

    @Test
    void withoutTrainingDataThereIsNoPrStage() {
        Path out = dir.resolve("plain.onnx");
        EvalData eval = new EvalData(Path.of("examples/iris/iris-test.csv"),
                ColumnRequest.of(-1, null, ColumnRequest.Target.OPTIONAL), 256);
        ShrinkReport report = Shrinker.run(MethodTestData.shrink(IRIS, eval, 0.3, out, null),
                Progress.NONE);
        assertNull(report.retraining());
        assertNull(report.outcomes().get(0).retrained());
        assertNull(report.outcomes().get(0).training());
    }

    static float[] initializer(OnnxDenseModel model, String name) {
        for (TensorProto t : model.model().getGraph().getInitializerList()) {
            if (t.getName().equals(name)) {
                ByteBuffer buffer = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                float[] values = new float[buffer.remaining() / 4];
                buffer.asFloatBuffer().get(values);
                return values;
            }
        }
        throw new AssertionError("no initializer " + name);
    }
}

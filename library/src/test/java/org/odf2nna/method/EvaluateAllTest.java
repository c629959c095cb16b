package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.Device;
import org.odf2nna.Progress;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.metrics.Evaluator;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.InputPrefix;
import org.odf2nna.network.OutputHead;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.OnnxModelBuilder;
import org.odf2nna.settings.Task;

/** A sweep's table: many models evaluated over one reading of the rows give what each evaluated alone gives. */
class EvaluateAllTest {

    @TempDir
    Path dir;

    @Test
    void manyModelsOverOneReadingOfTheRowsScoreAsEachAlone() throws IOException {
        Random random = new Random(7);
        int rows = 300;
        Rows made = rows(random, rows, 64);
        EvalData data = made.data();
        // More than one group of models side by side.
        int count = ModelScan.MODELS_PER_PASS + 3;
        List<ModelScan.Evaluated> models = models(random, count);
        List<Metrics> together = ModelScan.evaluateAll(count, models::get, data, Task.CLASSIFICATION, Device.CPU,
                Progress.NONE);
        assertEquals(count, together.size());
        for (int m = 0; m < count; m++) {
            assertEquals(ModelScan.evaluate(models.get(m), data, Task.CLASSIFICATION, Device.CPU, Progress.NONE),
                    together.get(m), "model " + m);
            assertEquals(rows, together.get(m).rows());
        }
        assertNotEquals(together.get(0), together.get(count - 1), "different models score differently");
    }

    /**
     * The table's figures as before input staging ({@code onnx.InputStaging}): each model run in a session of its own,
     * fed tensors that ONNX Runtime copies from the Java arrays itself, its outputs scored batch by batch.
     */
    @Test
    void figuresAreThoseOfOnnxRuntimesOwnCopyOfTheRows() throws IOException, OrtException {
        Random random = new Random(11);
        int rows = 1000;
        int batch = 64;
        Rows made = rows(random, rows, batch);
        float[] x = made.x();
        double[] labels = made.labels();
        Path csv = made.csv();
        EvalData data = made.data();
        int count = 3;
        List<ModelScan.Evaluated> models = models(random, count);
        List<Metrics> together = ModelScan.evaluateAll(count, models::get, data, Task.CLASSIFICATION, Device.CPU,
                Progress.NONE);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        for (int m = 0; m < count; m++) {
            DenseNetwork network = models.get(m).network();
            Evaluator plain = new Evaluator(Task.CLASSIFICATION, network.outputs(), network.head(), csv, "label");
            try (OrtSession session = env.createSession(models.get(m).model().toByteArray())) {
                for (int start = 0; start < rows; start += batch) {
                    int n = Math.min(batch, rows - start);
                    try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(x, start * 4, n * 4),
                            new long[] {n, 4});
                         OrtSession.Result result = session.run(Map.of("x", tensor))) {
                        long[] lines = new long[n];
                        for (int r = 0; r < n; r++) {
                            lines[r] = start + r + 2;
                        }
                        plain.add(((OnnxTensor) result.get(0)).getFloatBuffer().array(), n,
                                Arrays.copyOfRange(labels, start, start + n), lines);
                    }
                }
            }
            assertEquals(plain.metrics(), together.get(m), "model " + m);
        }
    }

    /** Rows of 4 Gaussian inputs and a class of 3, as a CSV file and as the arrays written to it. */
    private record Rows(float[] x, double[] labels, Path csv, EvalData data) {
    }

    private Rows rows(Random random, int rows, int batch) throws IOException {
        float[] x = new float[rows * 4];
        double[] labels = new double[rows];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        for (int r = 0; r < rows; r++) {
            labels[r] = random.nextInt(3);
        }
        Path csv = MethodTestData.csv(dir.resolve("rows.csv"), MethodTestData.names("x", 4), x, labels);
        EvalData data = new EvalData(csv, ColumnRequest.of(-1, null, ColumnRequest.Target.REQUIRED), batch);
        return new Rows(x, labels, csv, data);
    }

    /** {@code count} random 4-5-3 networks as the table evaluates them. */
    private List<ModelScan.Evaluated> models(Random random, int count) {
        InputSignature input = new InputSignature("x", org.odf2nna.onnx.proto.OnnxProto.TensorProto.DataType
                .FLOAT_VALUE, new long[] {-1, 4});
        List<ModelScan.Evaluated> models = new ArrayList<>();
        for (int m = 0; m < count; m++) {
            DenseNetwork network = network(random);
            models.add(new ModelScan.Evaluated(OnnxModelBuilder.build(network, "x", "y", Map.of()), input, network,
                    dir.resolve("m" + m + ".onnx"), "y"));
        }
        return models;
    }

    private static DenseNetwork network(Random random) {
        float[] w1 = new float[4 * 5];
        float[] b1 = new float[5];
        float[] w2 = new float[5 * 3];
        float[] b2 = new float[3];
        for (float[] a : List.of(w1, b1, w2, b2)) {
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) random.nextGaussian();
            }
        }
        return new DenseNetwork(InputPrefix.NONE, List.of(new DenseLayer(4, 5, w1, b1, Activation.RELU),
                new DenseLayer(5, 3, w2, b2, Activation.IDENTITY)), OutputHead.SOFTMAX);
    }
}

package org.odf2nna.tf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.odf2nna.Device;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.TrainingOptions;
import org.odf2nna.tf.ops.OnnxTensorValues;
import org.tensorflow.Session;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * End-to-end retraining of the ../shared graph models: every float initializer damaged by noise, then distilled back
 * from the original with TensorFlow's gradients through every operator of the graph (attention, LayerNorm, GELU,
 * depthwise convolutions, squeeze-excite). The retrained graph agrees with the original on more held-out rows than the
 * damaged one did, and only the trained initializers changed. Skips without ../shared.
 */
class GraphRetrainerSharedTest {

    static Stream<String> models() throws IOException {
        return OnnxTfGraphSharedTest.models();
    }

    @ParameterizedTest
    @MethodSource("models")
    void distillsADamagedGraphBackTowardsTheOriginal(String name) throws IOException {
        Path model = TfTestSupport.sharedRoot().resolve("models/graphs").resolve(name);
        Path data = TfTestSupport.sharedRoot().resolve("data/mnist-test.csv.gz");
        boolean present = Files.isRegularFile(model) && Files.isRegularFile(data);
        assumeTrue(present, "skipped: ../shared/models/graphs or ../shared/data/mnist-test.csv.gz not found");
        ModelProto original = ModelProto.parseFrom(Files.readAllBytes(model));
        int rows = 1500;
        float[][] xy = OnnxTfGraphSharedTest.mnist(data, rows + 500);
        float[] train = java.util.Arrays.copyOf(xy[0], rows * 784);
        float[] test = java.util.Arrays.copyOfRange(xy[0], rows * 784, (rows + 500) * 784);
        Set<String> trainable = new LinkedHashSet<>();
        GraphProto.Builder g = original.getGraph().toBuilder();
        Random random = new Random(7);
        for (int i = 0; i < g.getInitializerCount(); i++) {
            TensorProto t = g.getInitializer(i);
            if (t.getDataType() == TensorProto.DataType.FLOAT_VALUE && t.getDimsCount() >= 2) {
                trainable.add(t.getName());
                float[] v = OnnxTensorValues.floats(t);
                for (int j = 0; j < v.length; j++) {
                    v[j] *= (float) (1 + 0.5 * random.nextGaussian());
                }
                g.setInitializer(i, OnnxTensorValues.withFloats(t, v));
            }
        }
        ModelProto damaged = original.toBuilder().setGraph(g).build();
        GraphRetrainer.Settings settings = new GraphRetrainer.Settings(Loss.SOFTMAX_CROSS_ENTROPY,
                new TrainingOptions(2, 32, 1e-3f, 0, 2), Distillation.DEFAULT, 0.2, 200, 1e-4);
        long t0 = System.nanoTime();
        GraphRetrainer.Retrained r = GraphRetrainer.retrain(original, damaged, trainable, train, null, rows, settings,
                (e, n) -> System.out.println(name + " epoch " + e));
        System.out.printf("%s: %d initializers trained, %.1f s, best epoch %d, check %s%n", name, trainable.size(),
                (System.nanoTime() - t0) / 1e9, r.bestEpoch(), r.check().describe());
        double before = agreement(original, damaged, test, 500);
        double after = agreement(original, r.model(), test, 500);
        System.out.printf("%s: agreement with the original on 500 unseen rows %.3f -> %.3f%n", name, before, after);
        assertTrue(r.bestEpoch() > 0 && after > before, name + ": " + before + " -> " + after);
        // Everything but the trained initializers is as it was, byte for byte.
        GraphProto.Builder restored = r.model().getGraph().toBuilder();
        for (int i = 0; i < restored.getInitializerCount(); i++) {
            if (trainable.contains(restored.getInitializer(i).getName())) {
                restored.setInitializer(i, damaged.getGraph().getInitializer(i));
            }
        }
        assertEquals(damaged.toByteString(), r.model().toBuilder().setGraph(restored).build().toByteString());
    }

    /** Share of rows where the two models' argmax agree, computed by the TensorFlow translation. */
    static double agreement(ModelProto a, ModelProto b, float[] rows, int n) {
        float[] x = predict(a, rows, n);
        float[] y = predict(b, rows, n);
        int width = x.length / n;
        int same = 0;
        for (int r = 0; r < n; r++) {
            same += argmax(x, r * width, width) == argmax(y, r * width, width) ? 1 : 0;
        }
        return same / (double) n;
    }

    static float[] predict(ModelProto m, float[] rows, int n) {
        try (OnnxTfGraph g = OnnxTfGraph.translate(m, Set.of()); Session s = g.open(Device.CPU)) {
            return g.run(s, rows, n, 500, false)[0];
        }
    }

    static int argmax(float[] v, int from, int width) {
        int best = 0;
        for (int j = 1; j < width; j++) {
            if (v[from + j] > v[from + best]) {
                best = j;
            }
        }
        return best;
    }
}

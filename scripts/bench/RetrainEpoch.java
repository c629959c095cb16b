// Seconds TensorFlow Java takes for an epoch of the tool's end-to-end retraining of an ONNX graph: every float
// initializer trained, on random rows of the graph's flat input (784 values by default), batches of 128, the
// retraining's distillation against given teacher outputs, 20% held out and scored after each epoch as the sweep does.
// Compared with scripts/bench/keras_resnet18_epoch.py in docs/research/PERFORMANCE.md (the ResNet-18 section).
//
// Usage (after ./mvnw -q -B package -DskipTests): java -cp "cli/target/odf2nna-onnx-cli.jar:cli/target/lib/*" \
//     scripts/bench/RetrainEpoch.java MODEL.onnx [ROWS=2560] [WIDTH=784] [CLASSES=10]

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.odf2nna.Device;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.TrainingOptions;
import org.odf2nna.tf.GraphRetrainer;
import org.odf2nna.tf.Loss;

public class RetrainEpoch {
    public static void main(String[] args) throws Exception {
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(Path.of(args[0])));
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : 2560;
        int width = args.length > 2 ? Integer.parseInt(args[2]) : 784;
        int classes = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        Set<String> trainable = new HashSet<>();
        for (TensorProto t : m.getGraph().getInitializerList()) {
            if (t.getDataType() == TensorProto.DataType.FLOAT_VALUE && t.getDimsCount() > 0) {
                trainable.add(t.getName());
            }
        }
        Random r = new Random(1);
        float[] x = new float[rows * width];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat();
        }
        float[] labels = new float[rows];
        for (int i = 0; i < rows; i++) {
            labels[i] = r.nextInt(classes);
        }
        float[] teacher = new float[rows * classes];
        for (int i = 0; i < teacher.length; i++) {
            teacher[i] = (float) r.nextGaussian();
        }
        GraphRetrainer.Settings s = new GraphRetrainer.Settings(Loss.SOFTMAX_CROSS_ENTROPY,
                new TrainingOptions(2, 128, 0.001f, 1, 0, Device.CPU), Distillation.DEFAULT, 0.2, 0, 1e-3);
        long[] marks = new long[4];
        int[] k = {0};
        marks[k[0]++] = System.nanoTime();
        GraphRetrainer.retrain(m, m, trainable, new GraphRetrainer.Rows(x, labels, rows, null, teacher), s,
                (epoch, epochs) -> marks[k[0]++] = System.nanoTime());
        System.out.printf("tensorflow java: %.2f s an epoch of %d rows (%d held out), after %.2f s to build and score "
                + "epoch 0%n", (marks[3] - marks[1]) / 2e9, rows * 4 / 5, rows / 5, (marks[1] - marks[0]) / 1e9);
    }
}

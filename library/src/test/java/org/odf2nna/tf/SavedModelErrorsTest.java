package org.odf2nna.tf;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.odf2nna.tf.TfTestSupport.fakeKeras;
import static org.odf2nna.tf.TfTestSupport.functional;
import static org.odf2nna.tf.TfTestSupport.inbound;
import static org.odf2nna.tf.TfTestSupport.kerasLayer;
import static org.odf2nna.tf.TfTestSupport.matrix;
import static org.odf2nna.tf.TfTestSupport.messageNaming;
import static org.odf2nna.tf.TfTestSupport.network;
import static org.odf2nna.tf.TfTestSupport.sequential;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.InputException;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.OutputHead;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;

/** Every way a SavedModel can be wrong gives an InputException that names the directory and the problem. */
class SavedModelErrorsTest {

    @TempDir
    Path temp;

    private static String fails(Path dir) {
        InputException e = assertThrows(InputException.class, () -> SavedModelReader.read(dir));
        return messageNaming(dir, e);
    }

    private static void assertContains(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), "'" + part + "' in: " + message);
        }
    }

    private static DenseNetwork small() {
        return network(31, new int[] {3, 5, 2}, List.of(Activation.RELU, Activation.IDENTITY), OutputHead.SOFTMAX);
    }

    // ---- files ---------------------------------------------------------------------------------------

    @Test
    void missingDirectory() {
        assertContains(fails(temp.resolve("nope")), "no such directory");
    }

    @Test
    void notADirectory() throws IOException {
        Path file = Files.writeString(temp.resolve("model.pb"), "not a directory");
        assertContains(fails(file), "is not a directory");
        InputException e = assertThrows(InputException.class, () -> SavedModelRunner.open(file));
        assertContains(messageNaming(file, e), "is not a directory");
    }

    @Test
    void emptyDirectory() throws IOException {
        Path dir = Files.createDirectories(temp.resolve("empty"));
        assertContains(fails(dir), "not a SavedModel", "no saved_model.pb");
    }

    @Test
    void randomBytesNamedSavedModelPb() throws IOException {
        Path dir = Files.createDirectories(temp.resolve("random"));
        byte[] bytes = new byte[4096];
        new Random(3).nextBytes(bytes);
        Files.write(dir.resolve("saved_model.pb"), bytes);
        assertContains(fails(dir), "saved_model.pb is not a valid SavedModel");

        Path text = Files.createDirectories(temp.resolve("text"));
        Files.writeString(text.resolve("saved_model.pb"), "hello, I am not a protocol buffer\n", StandardCharsets.UTF_8);
        assertContains(fails(text), "saved_model.pb is not a valid SavedModel");
    }

    @Test
    void variablesDeletedOrIncomplete() throws IOException {
        Path dir = temp.resolve("written");
        SavedModelWriter.write(small(), dir, "input");
        Files.delete(dir.resolve("variables/variables.index"));
        assertContains(fails(dir), "SavedModel without variables", "variables.index");

        try (var files = Files.list(dir.resolve("variables"))) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.delete(p);
            }
        }
        Files.delete(dir.resolve("variables"));
        assertContains(fails(dir), "SavedModel without variables", "variables/ folder is missing");
    }

    @Test
    void noServingDefaultSignature() throws IOException {
        Path dir = temp.resolve("predict-only");
        TfTestSupport.handWritten(dir, 2, "predict", (tf, x) -> tf.math.tanh(x));
        assertContains(fails(dir), "no serving_default signature", "predict");
    }

    // ---- graphs that are not dense chains ------------------------------------------------------------

    @Test
    void sinBetweenLayers() throws IOException {
        Path dir = temp.resolve("sin");
        TfTestSupport.handWritten(dir, 3, "serving_default", (tf, x) -> {
            Ops l1 = tf.withSubScope("layer1");
            Operand<TFloat32> h = l1.nn.biasAdd(l1.linalg.matMul(x, l1.constant(matrix(1, 3, 4))),
                    l1.constant(new float[4]));
            Operand<TFloat32> s = l1.withName("Sin").math.sin(h);
            Ops l2 = tf.withSubScope("layer2");
            return l2.linalg.matMul(s, l2.constant(matrix(2, 4, 2)));
        });
        assertContains(fails(dir), "operation 'layer1/Sin' (Sin)", "not part of a dense chain",
                "only dense chains are supported");
    }

    @Test
    void handWrittenDenseChainWithConstantsReads() throws IOException {
        // The counterpart of the Sin graph, without the Sin: a plain TF1-style graph with constant weights
        // (and so no variables at all) reads, and MatMul without a bias gets a zero bias.
        Path dir = temp.resolve("plain");
        TfTestSupport.handWritten(dir, 3, "serving_default", (tf, x) -> {
            Ops l1 = tf.withSubScope("layer1");
            Operand<TFloat32> h = l1.nn.relu(l1.math.add(l1.linalg.matMul(x, l1.constant(matrix(1, 3, 4))),
                    l1.constant(new float[] {0.1f, -0.2f, 0.3f, 0f})));
            Ops l2 = tf.withSubScope("layer2");
            return tf.nn.softmax(l2.linalg.matMul(h, l2.constant(matrix(2, 4, 2))));
        });
        SavedModelDense read = SavedModelReader.read(dir);
        assertTrue(read.network().architecture().equals("3-4-2"), read.network().architecture());
        assertTrue(read.network().head() == OutputHead.SOFTMAX);
        assertTrue(read.layerNames().equals(List.of("layer1", "layer2")), read.layerNames().toString());
    }

    @Test
    void kerasConv2DAndBatchNormalizationLayers() throws IOException {
        Path conv = temp.resolve("conv");
        fakeKeras(conv, small(), List.of("d1", "d2"), sequential(
                kerasLayer("Conv2D", "conv2d", "filters", 8),
                kerasLayer("Dense", "d1", "units", 5, "activation", "relu"),
                kerasLayer("Dense", "d2", "units", 2, "activation", "softmax")), false, DataType.DT_FLOAT);
        assertContains(fails(conv), "layer 'conv2d'", "Conv2D", "only dense chains are supported");

        Path bn = temp.resolve("bn");
        fakeKeras(bn, small(), List.of("d1", "d2"), sequential(
                kerasLayer("Dense", "d1", "units", 5, "activation", "relu"),
                kerasLayer("BatchNormalization", "batch_normalization", "epsilon", 0.001),
                kerasLayer("Dense", "d2", "units", 2, "activation", "softmax")), true, DataType.DT_FLOAT);
        assertContains(fails(bn), "layer 'batch_normalization'", "BatchNormalization", "only dense chains");
    }

    @Test
    void kerasUnsupportedActivation() throws IOException {
        Path dir = temp.resolve("swish");
        fakeKeras(dir, small(), List.of("d1", "d2"), sequential(
                kerasLayer("Dense", "d1", "units", 5, "activation", "swish"),
                kerasLayer("Dense", "d2", "units", 2, "activation", "softmax")), false, DataType.DT_FLOAT);
        assertContains(fails(dir), "layer 'd1'", "activation 'swish'", "not supported");
    }

    @Test
    void kerasSoftmaxOnAHiddenLayer() throws IOException {
        Path dir = temp.resolve("hidden-softmax");
        fakeKeras(dir, small(), List.of("d1", "d2"), sequential(
                kerasLayer("Dense", "d1", "units", 5, "activation", "softmax"),
                kerasLayer("Dense", "d2", "units", 2, "activation", "softmax")), false, DataType.DT_FLOAT);
        assertContains(fails(dir), "layer 'd1'", "softmax on a hidden layer");
    }

    @Test
    void kerasFloat64Weights() throws IOException {
        Path dir = temp.resolve("float64");
        fakeKeras(dir, small(), List.of("d1", "d2"), sequential(
                kerasLayer("Dense", "d1", "units", 5, "activation", "relu"),
                kerasLayer("Dense", "d2", "units", 2, "activation", "softmax")), false, DataType.DT_DOUBLE);
        assertContains(fails(dir), "layer 'd1'", "float64 kernel weights", "only float32");
    }

    @Test
    void kerasFunctionalModelThatIsNotAChain() throws IOException {
        Path dir = temp.resolve("branches");
        JsonObject model = functional("in", "d2",
                inbound(kerasLayer("InputLayer", "in"), new String[0]),
                inbound(kerasLayer("Dense", "d1", "units", 5, "activation", "relu"), "in"),
                inbound(kerasLayer("Dense", "side", "units", 5, "activation", "relu"), "in"),
                inbound(kerasLayer("Add", "add"), "d1", "side"),
                inbound(kerasLayer("Dense", "d2", "units", 2, "activation", "softmax"), "add"));
        fakeKeras(dir, small(), List.of("d1", "d2"), model, true, DataType.DT_FLOAT);
        assertContains(fails(dir), "layer 'add'", "takes 2 inputs", "not a simple chain");
    }

    @Test
    void kerasMetadataThatDoesNotMatchTheServingGraph() throws IOException {
        Path dir = temp.resolve("mismatch");
        DenseNetwork tanh = network(32, new int[] {3, 5, 2}, List.of(Activation.TANH, Activation.IDENTITY),
                OutputHead.SOFTMAX);
        fakeKeras(dir, tanh, List.of("d1", "d2"), sequential(
                kerasLayer("Dense", "d1", "units", 5, "activation", "relu"),
                kerasLayer("Dense", "d2", "units", 2, "activation", "softmax")), false, DataType.DT_FLOAT);
        assertContains(fails(dir), "serving signature does not compute the dense chain read from the Keras layer "
                + "metadata");
    }
}

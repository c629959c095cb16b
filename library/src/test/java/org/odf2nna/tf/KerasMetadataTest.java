package org.odf2nna.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.odf2nna.tf.TfTestSupport.fakeKeras;
import static org.odf2nna.tf.TfTestSupport.functional;
import static org.odf2nna.tf.TfTestSupport.inbound;
import static org.odf2nna.tf.TfTestSupport.kerasLayer;
import static org.odf2nna.tf.TfTestSupport.network;
import static org.odf2nna.tf.TfTestSupport.sequential;

import com.google.gson.JsonNull;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.OutputHead;
import org.tensorflow.proto.DataType;

/**
 * The Keras route of {@link SavedModelReader} on Keras-like SavedModels built in code (see
 * {@link TfTestSupport#fakeKeras}): layer JSON in the object graph or in keras_metadata.pb, Sequential
 * and functional models, activation layers and no-op layers.
 */
class KerasMetadataTest {

    @TempDir
    Path temp;

    @Test
    void sequentialWithDropoutAndActivationLayers() throws IOException {
        DenseNetwork network = network(21, new int[] {4, 6, 5, 3},
                List.of(Activation.RELU, Activation.leakyRelu(0.3f), Activation.IDENTITY), OutputHead.SOFTMAX);
        Path dir = temp.resolve("sequential");
        fakeKeras(dir, network, List.of("d1", "d2", "d3"), sequential(
                kerasLayer("InputLayer", "d1_input"),
                kerasLayer("Dense", "d1", "units", 6, "activation", "relu"),
                kerasLayer("Dropout", "drop", "rate", 0.5),
                kerasLayer("Dense", "d2", "units", 5, "activation", "linear"),
                kerasLayer("LeakyReLU", "leaky", "alpha", 0.3),
                kerasLayer("Dense", "d3", "units", 3, "activation", "linear", "use_bias", true),
                kerasLayer("Activation", "probabilities", "activation", "softmax")), false, DataType.DT_FLOAT);

        SavedModelDense read = SavedModelReader.read(dir);
        assertEquals(network, read.network());
        assertEquals(List.of("d1", "d2", "d3"), read.layerNames());
        assertEquals("dense_input:0", read.servingInput());
        assertEquals("output:0", read.servingOutput());
    }

    @Test
    void functionalChainFromKerasMetadataPb() throws IOException {
        DenseNetwork network = network(22, new int[] {3, 7, 2},
                List.of(Activation.elu(1.0f), Activation.IDENTITY), OutputHead.SIGMOID);
        Path dir = temp.resolve("functional");
        fakeKeras(dir, network, List.of("hidden", "out"), functional("in", "out",
                inbound(kerasLayer("InputLayer", "in"), new String[0]),
                inbound(kerasLayer("Dense", "hidden", "units", 7, "activation", "elu"), "in"),
                inbound(kerasLayer("Dense", "out", "units", 2, "activation", "sigmoid"), "hidden")),
                true, DataType.DT_FLOAT);

        SavedModelDense read = SavedModelReader.read(dir);
        assertEquals(network, read.network());
        assertEquals(List.of("hidden", "out"), read.layerNames());
    }

    @Test
    void namedActivationsMapToTheNetworkKinds() throws IOException {
        DenseNetwork network = network(23, new int[] {2, 4, 4, 4, 4, 4, 3},
                List.of(Activation.selu(Activation.SELU_ALPHA, Activation.SELU_GAMMA), Activation.SOFTPLUS,
                        Activation.hardSigmoid(0.2f, 0.5f), Activation.clip(0, 6), Activation.TANH,
                        Activation.RELU), OutputHead.LOG_SOFTMAX);
        Path dir = temp.resolve("activations");
        fakeKeras(dir, network, List.of("a", "b", "c", "d", "e", "f"), sequential(
                kerasLayer("Dense", "a", "units", 4, "activation", "selu"),
                kerasLayer("Dense", "b", "units", 4, "activation", "softplus"),
                kerasLayer("Dense", "c", "units", 4, "activation", "hard_sigmoid"),
                kerasLayer("Dense", "d", "units", 4, "activation", JsonNull.INSTANCE),
                kerasLayer("ReLU", "relu6", "max_value", 6.0),
                kerasLayer("Dense", "e", "units", 4, "activation", "tanh"),
                kerasLayer("Flatten", "flat"),
                kerasLayer("Dense", "f", "units", 3, "activation", "relu"),
                kerasLayer("Activation", "logp", "activation", "log_softmax")), false, DataType.DT_FLOAT);

        assertEquals(network, SavedModelReader.read(dir).network());
    }
}

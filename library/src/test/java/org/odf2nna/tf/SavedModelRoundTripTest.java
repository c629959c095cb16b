package org.odf2nna.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.odf2nna.tf.TfTestSupport.assertClose;
import static org.odf2nna.tf.TfTestSupport.network;
import static org.odf2nna.tf.TfTestSupport.randomRows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.odf2nna.InputException;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.InputPrefix;
import org.odf2nna.network.OutputHead;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.proto.NodeDef;

/** SavedModels written by {@link SavedModelWriter} read back as the same network and compute the same. */
class SavedModelRoundTripTest {

    @TempDir
    Path temp;

    static Stream<Arguments> networks() {
        return Stream.of(
                Arguments.of("relu-tanh-softmax", network(1, new int[] {5, 7, 6, 3},
                        List.of(Activation.RELU, Activation.TANH, Activation.IDENTITY), OutputHead.SOFTMAX)),
                Arguments.of("leaky-elu-selu-sigmoid-head", network(2, new int[] {4, 8, 8, 8, 8, 2},
                        List.of(Activation.leakyRelu(0.1f), Activation.elu(1.0f), Activation.elu(0.5f),
                                Activation.selu(Activation.SELU_ALPHA, Activation.SELU_GAMMA), Activation.IDENTITY),
                        OutputHead.SIGMOID)),
                Arguments.of("softplus-hardsigmoid-clip-no-head", network(3, new int[] {3, 6, 6, 6, 2},
                        List.of(Activation.SOFTPLUS, Activation.hardSigmoid(0.2f, 0.5f), Activation.clip(-1f, 2f),
                                Activation.IDENTITY), OutputHead.NONE)),
                Arguments.of("selu-params-sigmoid-hidden-logsoftmax", network(4, new int[] {6, 5, 5, 4},
                        List.of(Activation.selu(1.5f, 1.1f), Activation.SIGMOID, Activation.RELU),
                        OutputHead.LOG_SOFTMAX)),
                Arguments.of("single-layer", network(5, new int[] {4, 3}, List.of(Activation.IDENTITY),
                        OutputHead.NONE)),
                Arguments.of("relu-last-with-softmax-head", network(6, new int[] {4, 10, 10, 3},
                        List.of(Activation.RELU, Activation.RELU, Activation.RELU), OutputHead.SOFTMAX)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void writtenSavedModelReadsBackAsTheSameNetwork(String name, DenseNetwork network) {
        Path dir = temp.resolve(name);
        SavedModelWriter.write(network, dir, "features");

        SavedModelDense read = SavedModelReader.read(dir);
        assertEquals(network, read.network(), "same layers, weights (exactly), activations and head");
        assertEquals(InputPrefix.NONE, read.network().prefix());
        assertEquals("features:0", read.servingInput());
        assertEquals("output:0", read.servingOutput());
        assertEquals(network.layers().size(), read.layerNames().size());
        assertEquals("dense", read.layerNames().get(0));
        assertEquals(List.of(), read.featureNamesOrEmpty());

        float[] x = randomRows(11, 40, network.inputs());
        float[] served = SavedModelRunner.run(dir, x, 40, network.inputs());
        assertClose(network.forward(x, 40), served, 1e-5, name + ": serving output vs forward");
    }

    @Test
    void layerAndFeatureNamesAreKept() {
        DenseNetwork network = network(7, new int[] {3, 4, 2}, List.of(Activation.RELU, Activation.IDENTITY),
                OutputHead.SOFTMAX);
        Path dir = temp.resolve("named");
        SavedModelWriter.write(network, dir, "x", List.of("hidden", "logits out"), List.of("a", "b", "c"));
        SavedModelDense read = SavedModelReader.read(dir);
        assertEquals(List.of("hidden", "logits_out"), read.layerNames());
        assertEquals(List.of("a", "b", "c"), read.featureNamesOrEmpty());
        assertEquals(network, read.network());
    }

    @Test
    void lastLayerSigmoidReadsBackAsTheSigmoidHead() {
        DenseNetwork network = network(8, new int[] {4, 5, 1}, List.of(Activation.TANH, Activation.SIGMOID),
                OutputHead.NONE);
        Path dir = temp.resolve("sigmoid");
        SavedModelWriter.write(network, dir, SavedModelWriter.DEFAULT_INPUT_NAME);
        DenseNetwork read = SavedModelReader.read(dir).network();
        assertEquals(OutputHead.SIGMOID, read.head());
        assertEquals(Activation.IDENTITY, read.outputLayer().activation());
        float[] x = randomRows(12, 20, 4);
        assertClose(network.forward(x, 20), read.forward(x, 20), 0, "same function");
    }

    @Test
    void writtenGraphIsAnInferenceGraph() {
        DenseNetwork network = network(9, new int[] {4, 6, 3}, List.of(Activation.RELU, Activation.IDENTITY),
                OutputHead.SOFTMAX);
        Path dir = temp.resolve("clean");
        SavedModelWriter.write(network, dir, "input");
        try (SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), "serve")) {
            List<String> ops = bundle.metaGraphDef().getGraphDef().getNodeList().stream()
                    .map(NodeDef::getOp).distinct().sorted().toList();
            // The model's ops, plus the saver's (SaveV2/RestoreV2 and the Assigns that restore variables).
            List<String> allowed = List.of("Assign", "BiasAdd", "Const", "Identity", "MatMul", "NoOp", "Placeholder",
                    "Relu", "RestoreV2", "SaveV2", "Softmax", "VariableV2", "ZerosLike");
            assertTrue(allowed.containsAll(ops), "only inference and saver ops: " + ops);
            assertFalse(bundle.metaGraphDef().getGraphDef().getNodeList().stream()
                    .anyMatch(n -> n.getName().startsWith("odf2nna_assign/")), "the assign ops are removed");
            assertEquals(List.of("serving_default"), bundle.signatures().stream().map(s -> s.key()).toList());
            assertEquals(List.of("input"), List.copyOf(bundle.signatures().get(0).inputNames()));
            assertEquals(List.of("output"), List.copyOf(bundle.signatures().get(0).outputNames()));
        }
        assertTrue(Files.isRegularFile(dir.resolve("variables/variables.index")));
    }

    @Test
    void sameNetworkSameBytes() throws IOException {
        DenseNetwork network = network(13, new int[] {5, 7, 3}, List.of(Activation.elu(0.7f), Activation.IDENTITY),
                OutputHead.SOFTMAX);
        Path a = temp.resolve("a");
        Path b = temp.resolve("b");
        SavedModelWriter.write(network, a, "input");
        SavedModelWriter.write(network, b, "input");
        try (Stream<Path> files = Files.walk(a)) {
            for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                Path other = b.resolve(a.relativize(file).toString());
                assertEquals(-1L, Files.mismatch(file, other), "identical " + a.relativize(file));
            }
        }
    }

    @Test
    void theWrittenFolderFollowsTheUmaskLikeAnyNewFolder() throws IOException {
        DenseNetwork network = network(14, new int[] {3, 4, 2}, List.of(Activation.RELU, Activation.IDENTITY),
                OutputHead.NONE);
        Path written = temp.resolve("model");
        SavedModelWriter.write(network, written, "input");
        // What a folder made the ordinary way gets here (0777 less the umask): a private temporary folder renamed
        // into place would be rwx------ instead.
        Path plain = Files.createDirectory(temp.resolve("plain"));
        assertEquals(PosixFilePermissions.toString(Files.getPosixFilePermissions(plain)),
                PosixFilePermissions.toString(Files.getPosixFilePermissions(written)));
        try (Stream<Path> left = Files.list(temp)) {
            assertEquals(List.of("model", "plain"), left.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no hidden folder is left beside it");
        }
    }

    @Test
    void refusesAPrefixANonEmptyTargetAndABadInputName() throws IOException {
        DenseNetwork plain = network(10, new int[] {2, 3, 2}, List.of(Activation.RELU, Activation.IDENTITY),
                OutputHead.NONE);
        DenseNetwork prefixed = new DenseNetwork(new InputPrefix(InputPrefix.Kind.PREPROCESSING, List.of("Sub", "Div")),
                plain.layers(), plain.head());
        Path dir = temp.resolve("prefixed");
        InputException e = assertThrows(InputException.class, () -> SavedModelWriter.write(prefixed, dir, "input"));
        assertTrue(e.getMessage().contains("input prefix"), e.getMessage());
        assertFalse(Files.exists(dir));

        Path full = Files.createDirectories(temp.resolve("full"));
        Files.writeString(full.resolve("keep.txt"), "mine");
        e = assertThrows(InputException.class, () -> SavedModelWriter.write(plain, full, "input"));
        assertTrue(e.getMessage().contains(full.toString()) && e.getMessage().contains("not empty"), e.getMessage());
        assertEquals("mine", Files.readString(full.resolve("keep.txt")));

        e = assertThrows(InputException.class, () -> SavedModelWriter.write(plain, temp.resolve("bad"), "a/b"));
        assertTrue(e.getMessage().contains("input name"), e.getMessage());

        Path empty = Files.createDirectories(temp.resolve("empty"));
        SavedModelWriter.write(plain, empty, "input");
        assertEquals(plain, SavedModelReader.read(empty).network());

        try (Stream<Path> left = Files.list(temp)) {
            List<String> hidden = left.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList();
            assertEquals(List.of(), hidden, "no temporary directory is left behind");
        }
    }
}

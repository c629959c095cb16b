package org.odf2nna.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.odf2nna.tf.TfTestSupport.assertClose;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.odf2nna.InputException;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.InputPrefix;
import org.odf2nna.network.OutputHead;

/**
 * The real Keras exports in ../shared/models/savedmodel (TF 2.1/2.3 with metadata in the object graph,
 * TF 2.15 with keras_metadata.pb): read them, and check the network against the SavedModel's own serving
 * signature on the iris rows and against what each export's inspect.json records. Skipped, saying so,
 * when ../shared is absent.
 */
class KerasSharedSavedModelTest {

    @TempDir
    Path temp;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"aegerita_iris_4-10-10-3", "forxren_iris_4-2-8-4-3"})
    void readsTheKerasExportAsItsServingSignatureComputesIt(String name) throws IOException {
        Path dir = TfTestSupport.requireSharedSavedModels().resolve(name);
        JsonObject inspect = JsonParser.parseString(Files.readString(dir.resolve("inspect.json"))).getAsJsonObject();

        SavedModelDense model = SavedModelReader.read(dir);
        DenseNetwork network = model.network();

        assertEquals(InputPrefix.NONE, network.prefix());
        List<String> sizes = new ArrayList<>();
        inspect.getAsJsonArray("layer_sizes").forEach(e -> sizes.add(e.getAsString()));
        assertEquals(String.join("-", sizes), network.architecture());
        assertEquals(name.substring(name.lastIndexOf('_') + 1), network.architecture());

        JsonArray dense = inspect.getAsJsonArray("dense_layers");
        assertEquals(dense.size(), network.layers().size());
        OutputHead expectedHead = OutputHead.NONE;
        for (int l = 0; l < dense.size(); l++) {
            String keras = dense.get(l).getAsJsonObject().get("activation").getAsString();
            boolean last = l == dense.size() - 1;
            Activation expected = switch (keras) {
                case "relu" -> Activation.RELU;
                case "linear", "softmax" -> Activation.IDENTITY;
                default -> throw new AssertionError("inspect.json activation not covered by this test: " + keras);
            };
            if (last && keras.equals("softmax")) {
                expectedHead = OutputHead.SOFTMAX;
            }
            assertEquals(expected, network.layer(l).activation(), "layer " + l);
            JsonArray kernel = dense.get(l).getAsJsonObject().getAsJsonArray("kernel_shape");
            assertEquals(kernel.get(0).getAsInt(), network.layer(l).inputs());
            assertEquals(kernel.get(1).getAsInt(), network.layer(l).units());
        }
        assertEquals(expectedHead, network.head());

        List<String> names = new ArrayList<>();
        inspect.getAsJsonArray("keras_layer_names").forEach(e -> names.add(e.getAsString()));
        assertEquals(names, model.layerNames());
        assertTrue(model.servingInput().startsWith("serving_default_") && model.servingInput().endsWith(":0"),
                model.servingInput());
        assertEquals("StatefulPartitionedCall:0", model.servingOutput());
        assertEquals(List.of(), model.featureNamesOrEmpty());

        TfTestSupport.Iris iris = TfTestSupport.iris();
        float[] served = SavedModelRunner.run(dir, iris.features(), iris.rows(), 4);
        float[] ours = network.forward(iris.features(), iris.rows());
        assertClose(served, ours, 1e-5, name + ": forward vs the SavedModel's serving signature on iris");

        // The numpy re-implementation's accuracy recorded when the export was collected.
        int outputs = network.outputs();
        int correct = 0;
        for (int r = 0; r < iris.rows(); r++) {
            int best = 0;
            for (int j = 1; j < outputs; j++) {
                if (ours[r * outputs + j] > ours[r * outputs + best]) {
                    best = j;
                }
            }
            correct += best == iris.labels()[r] ? 1 : 0;
        }
        JsonElement accuracy = inspect.get("numpy_reimplementation_accuracy_on_full_dataset");
        assertEquals(accuracy.getAsDouble(), correct / (double) iris.rows(), 1e-9);
    }

    @Test
    void copyWithoutVariablesIsRefused() throws IOException {
        Path source = TfTestSupport.requireSharedSavedModels().resolve("forxren_iris_4-2-8-4-3");
        Path copy = temp.resolve("no-variables");
        try (Stream<Path> files = Files.walk(source)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path to = copy.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        assertEquals("4-2-8-4-3", SavedModelReader.read(copy).network().architecture(), "the copy reads");
        try (Stream<Path> files = Files.list(copy.resolve("variables"))) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.delete(p);
            }
        }
        Files.delete(copy.resolve("variables"));
        InputException e = assertThrows(InputException.class, () -> SavedModelReader.read(copy));
        String message = TfTestSupport.messageNaming(copy, e);
        assertTrue(message.contains("SavedModel without variables"), message);
    }
}

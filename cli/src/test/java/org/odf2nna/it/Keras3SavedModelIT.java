package org.odf2nna.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 55's SavedModels as Keras 3 writes them ({@code model.export(dir)}: {@code *_export};
 * {@code tf.saved_model.save(model, dir)}: {@code *_saved}), from scripts/corpus/export_keras3_savedmodel.py: each is
 * inspected (the MLP as the same dense chain its {@code .keras} gives, BatchNormalization folded; the CNN as a kept
 * convolution prefix and a dense head; the two-convolution backbone as a dense block), evaluated at the accuracy Keras measured on the same rows, and shrunk to an
 * ONNX file (the MLP and CNN). The corpus is committed under {@code cli/src/test/resources/corpus/keras3-savedmodel}
 * (its README.md names the versions that wrote it; the MLP's test rows are examples/digits' own);
 * {@code -Dodf2nna.keras3.corpus=DIR} reads another folder the script wrote.
 */
class Keras3SavedModelIT {

    @TempDir
    Path dir;

    private static Path corpus() {
        // Absolute: the launcher runs in a folder of its own.
        Path root = Path.of(System.getProperty("odf2nna.keras3.corpus",
                "cli/src/test/resources/corpus/keras3-savedmodel")).toAbsolutePath();
        assertTrue(Files.isRegularFile(root.resolve("expected.json")), "the Keras 3 SavedModel corpus "
                + root.toAbsolutePath() + " (scripts/corpus/export_keras3_savedmodel.py writes it)");
        return root;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mlp_export", "mlp_saved", "cnn_export", "cnn_saved", "convs_export", "convs_saved"})
    void inspectsEvaluatesAndShrinksAsTheKerasModel(String form) throws Exception {
        Path root = corpus();
        Path model = root.resolve(form);
        String name = form.substring(0, form.indexOf('_'));
        boolean image = !name.equals("mlp");
        Path test = image ? root.resolve("digits-test-cnn255.csv.gz")
                : Path.of("examples/digits/digits-test.csv.gz").toAbsolutePath();

        Shared.Result inspect = Shared.launch(dir, "inspect", model.toString());
        assertEquals(0, inspect.exitCode(), inspect.toString());
        if (name.equals("cnn")) {
            assertTrue(inspect.out().contains("Dense chain 128-32-10, 4458 parameters"), inspect.toString());
            assertTrue(inspect.out().matches("(?s).*Prefix +backbone: .*Conv.*MaxPool.*Reshape.*"), inspect.toString());
        } else if (name.equals("convs")) {
            // Two convolutions read as one dense block (conv, relu, conv), the transposes between them gone; the
            // layout pass takes the last one too (the pooling reads the Conv's NCHW output), so the second
            // convolution and the classifier are a block as well.
            assertTrue(inspect.out().contains("Prefix      backbone: Mul, Transpose, Conv, Relu, Conv, Relu, "
                    + "ReduceMean"), inspect.toString());
            assertTrue(inspect.out().contains("Cleaned     1 layout Transpose removed"), inspect.toString());
            assertTrue(inspect.out().matches("(?s).*Dense blocks 2, .*1-16-24 +relu.*16-24-10 +relu.*"),
                    inspect.toString());
        } else {
            // The same network as the .keras of the same model: three Dense layers, BatchNormalization folded.
            assertTrue(inspect.out().contains("Dense chain 64-48-32-10, 5018 parameters"), inspect.toString());
            Shared.Result keras = Shared.launch(dir, "inspect", root.resolve("mlp.keras").toString());
            assertEquals(0, keras.exitCode(), keras.toString());
            assertTrue(keras.out().contains("Dense chain 64-48-32-10, 5018 parameters"), keras.toString());
        }

        Shared.Result eval = Shared.launch(dir, "eval", model.toString(), test.toString());
        assertEquals(0, eval.exitCode(), eval.toString());
        Matcher accuracy = Pattern.compile("accuracy ([0-9.]+)%").matcher(eval.out());
        assertTrue(accuracy.find(), eval.toString());
        JsonObject expected = JsonParser.parseString(Files.readString(root.resolve("expected.json")))
                .getAsJsonObject().getAsJsonObject(name);
        assertEquals(100 * expected.get("test_accuracy").getAsDouble(), Double.parseDouble(accuracy.group(1)), 0.3,
                "the accuracy Keras measured on the same rows: " + eval);

        if (name.equals("convs")) {
            return; // its blocks are pruned by the graph path's sweep (minutes on two cores), not by shrink's ε
        }
        Path out = dir.resolve(form + ".small.onnx");
        Shared.Result shrink = Shared.launch(dir, "shrink", model.toString(), "--eval", test.toString(),
                "--epsilon", "0.3", "-o", out.toString());
        assertEquals(0, shrink.exitCode(), shrink.toString());
        assertTrue(Files.isRegularFile(out), shrink.toString());
        Shared.Result small = Shared.launch(dir, "inspect", out.toString());
        assertEquals(0, small.exitCode(), small.toString());
        assertTrue(small.out().contains(image ? "Dense chain 128-" : "Dense chain 64-"), small.toString());
    }
}

package org.odf2nna.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.odf2nna.Device;
import org.odf2nna.data.Batch;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.data.CsvReader;
import org.odf2nna.method.ModelFiles;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.tf.SavedModelRunner;

/**
 * Issue 3's acceptance for SavedModels: the real Keras exports in ../shared load, shrink, retrain and
 * export to ONNX, and before pruning the ONNX graph's outputs equal the SavedModel's own outputs as
 * TensorFlow Java computes them.
 */
class SharedSavedModelsIT {

    @TempDir
    Path dir;

    static Stream<String> savedModels() throws IOException {
        Path folder = Shared.root().resolve("models/savedmodel");
        if (!Files.isDirectory(folder)) {
            return Stream.of("(../shared absent)");
        }
        try (Stream<Path> dirs = Files.list(folder)) {
            return dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("savedModels")
    void kerasSavedModelsShrinkRetrainAndExport(String name) throws Exception {
        Path root = Shared.require();
        Path savedModel = root.resolve("models/savedmodel/" + name);
        Path iris = root.resolve("data/iris.csv");

        // Before pruning: the ONNX graph built from the SavedModel computes what the SavedModel computes.
        OnnxDenseModel model = ModelFiles.read(savedModel);
        try (CsvReader reader = CsvReader.open(iris, ColumnRequest.of(4, null, ColumnRequest.Target.REQUIRED));
             OnnxRunner runner = OnnxRunner.open(model.model(), model.input(), Device.CPU, savedModel)) {
            Batch batch = reader.next(1000);
            float[] tensorflow = SavedModelRunner.run(savedModel, batch.features(), batch.rows(), 4);
            float[] onnx = runner.run(batch.features(), batch.rows(), 4, List.of(model.outputName()))
                    .get(model.outputName());
            assertEquals(tensorflow.length, onnx.length);
            for (int i = 0; i < onnx.length; i++) {
                assertEquals(tensorflow[i], onnx[i], 1e-5 + 1e-5 * Math.abs(tensorflow[i]), "output " + i);
            }
        }

        Path out = dir.resolve("small.onnx");
        Path report = dir.resolve("report.json");
        Shared.Result run = Shared.launch(dir, "-q", "shrink", savedModel.toString(),
                "--eval", root.resolve("data/splits/iris-test.csv").toString(),
                "--train", root.resolve("data/splits/iris-train.csv").toString(), "--retrain-epochs", "20",
                "--epsilon", "0.3", "-o", out.toString(), "--report", report.toString());
        assertEquals(0, run.exitCode(), run.toString());
        JsonObject outcome = JsonParser.parseString(Files.readString(report)).getAsJsonObject()
                .getAsJsonArray("outcomes").get(0).getAsJsonObject();
        assertNotNull(outcome.get("retrained"), "PR stage");
        OnnxDenseModel written = DenseChainReader.read(out);
        assertEquals(model.network().layers().size(), written.network().layers().size());
        assertTrue(written.network().parameterCount() <= model.network().parameterCount());

        Path asSavedModel = dir.resolve("small_savedmodel");
        Shared.Result tf = Shared.launch(dir, "-q", "shrink", savedModel.toString(),
                "--eval", root.resolve("data/splits/iris-test.csv").toString(), "--epsilon", "0.3",
                "-o", asSavedModel.toString(), "--format", "savedmodel");
        assertEquals(0, tf.exitCode(), tf.toString());
        assertTrue(Files.exists(asSavedModel.resolve("saved_model.pb")));
    }
}

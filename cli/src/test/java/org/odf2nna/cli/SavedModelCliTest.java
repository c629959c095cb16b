package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.Device;
import org.odf2nna.method.ModelFiles;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.OutputHead;
import org.odf2nna.network.TestNetworks;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.tf.SavedModelReader;
import org.odf2nna.tf.SavedModelRunner;
import org.odf2nna.tf.SavedModelWriter;

/** SavedModel in, ONNX or SavedModel out, on SavedModels the test writes itself. */
class SavedModelCliTest {

    @TempDir
    Path dir;

    Path savedModel;
    Path csv;
    DenseNetwork network;

    /** A 3-6-5-2 softmax classifier whose first hidden layer has two ReLU units that never fire. */
    @BeforeEach
    void writeModelAndData() throws IOException {
        Random random = new Random(21);
        DenseNetwork base = TestNetworks.random(random, new int[] {3, 6, 5, 2}, Activation.RELU, OutputHead.SOFTMAX);
        float[] b = base.layer(0).bias();
        b[1] = -100;
        b[4] = -100;
        DenseLayer first = base.layer(0).withBias(b);
        network = base.withLayers(List.of(first, base.layer(1), base.layer(2)));
        savedModel = dir.resolve("keras_like");
        SavedModelWriter.write(network, savedModel, "features");
        StringBuilder rows = new StringBuilder("a,b,c,label\n");
        float[] x = TestNetworks.gaussian(random, 200 * 3, 1);
        float[] out = network.forward(x, 200);
        for (int r = 0; r < 200; r++) {
            rows.append(x[3 * r]).append(',').append(x[3 * r + 1]).append(',').append(x[3 * r + 2]).append(',')
                    .append(out[2 * r + 1] > out[2 * r] ? 1 : 0).append('\n');
        }
        csv = dir.resolve("rows.csv");
        Files.writeString(csv, rows);
    }

    @Test
    void theOnnxGraphBuiltFromASavedModelComputesWhatTheSavedModelComputes() {
        OnnxDenseModel model = ModelFiles.read(savedModel);
        float[] x = TestNetworks.gaussian(new Random(3), 50 * 3, 2);
        float[] tensorflow = SavedModelRunner.run(savedModel, x, 50, 3);
        try (OnnxRunner runner = OnnxRunner.open(model.model(), model.input(), Device.CPU, savedModel)) {
            float[] onnx = runner.run(x, 50, 3, List.of(model.outputName())).get(model.outputName());
            for (int i = 0; i < onnx.length; i++) {
                assertEquals(tensorflow[i], onnx[i], 1e-5);
            }
        }
        assertEquals("features", model.input().name());
    }

    @Test
    void shrinkASavedModelToOnnx() throws IOException {
        Path out = dir.resolve("small.onnx");
        Path report = dir.resolve("r.json");
        CliRun run = CliRun.of("-q", "shrink", savedModel.toString(), "--eval", csv.toString(), "-e", "0", "-o",
                out.toString(), "--report", report.toString());
        assertEquals(0, run.exitCode(), run.toString());
        OnnxDenseModel written = DenseChainReader.read(out);
        assertEquals(4, written.network().layer(0).units(), "the two dead units are gone");
        JsonObject json = JsonParser.parseString(Files.readString(report)).getAsJsonObject();
        assertEquals(1.0, json.getAsJsonObject("originalMetrics").get("accuracy").getAsDouble(), 1e-12,
                "labels are the model's own predictions");
        CliRun inspect = CliRun.of("inspect", savedModel.toString());
        assertTrue(inspect.out().contains("TensorFlow SavedModel"), inspect.out());
    }

    @Test
    void shrinkASavedModelToASavedModel() {
        Path out = dir.resolve("small_savedmodel");
        CliRun run = CliRun.of("-q", "shrink", savedModel.toString(), "--eval", csv.toString(), "-e", "0", "-o",
                out.toString(), "--format", "savedmodel");
        assertEquals(0, run.exitCode(), run.toString());
        DenseNetwork read = SavedModelReader.read(out).network();
        assertEquals(4, read.layer(0).units(), "the two planted dead units are gone");
        float[] x = TestNetworks.gaussian(new Random(4), 40 * 3, 1);
        float[] before = network.forward(x, 40);
        float[] after = SavedModelRunner.run(out, x, 40, 3);
        for (int i = 0; i < before.length; i++) {
            assertEquals(before[i], after[i], 1e-5, "dead units removed without changing outputs");
        }
    }

    @Test
    void badSavedModelDirectoriesAreClearErrors() throws IOException {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        CliRun run = CliRun.of("inspect", empty.toString());
        assertEquals(1, run.exitCode(), run.toString());
        assertTrue(run.err().contains("empty: is a directory but not a TensorFlow SavedModel"), run.err());

        Path noVariables = dir.resolve("no_variables");
        SavedModelWriter.write(network, noVariables, "features");
        try (var files = Files.walk(noVariables.resolve("variables"))) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        Path out = dir.resolve("never.onnx");
        CliRun missing = CliRun.of("shrink", noVariables.toString(), "--eval", csv.toString(), "-o", out.toString());
        assertEquals(1, missing.exitCode(), missing.toString());
        assertTrue(missing.err().contains("no_variables") && missing.err().contains("variables"), missing.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void aSavedModelOutputNeedsANewDirectory() throws IOException {
        Path taken = Files.createDirectory(dir.resolve("taken"));
        Files.writeString(taken.resolve("keep.txt"), "mine");
        CliRun run = CliRun.of("shrink", savedModel.toString(), "--eval", csv.toString(), "-o", taken.toString(),
                "--format", "savedmodel");
        assertEquals(2, run.exitCode(), run.toString());
        assertTrue(run.err().contains("not empty"), run.err());
        assertEquals("mine", Files.readString(taken.resolve("keep.txt")));
    }
}

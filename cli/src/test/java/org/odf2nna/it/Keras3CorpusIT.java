package org.odf2nna.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.odf2nna.keras.KerasTestFiles.dataset;
import static org.odf2nna.keras.KerasTestFiles.layerConfig;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.odf2nna.Device;
import org.odf2nna.keras.KerasModel;
import org.odf2nna.keras.KerasReader;
import org.odf2nna.keras.KerasTestFiles;
import org.odf2nna.method.ModelFiles;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.OnnxRunner;

/**
 * Issue 55 on the Keras 3 corpus that scripts/corpus/export_keras3.py writes, committed under
 * {@code cli/src/test/resources/corpus/keras3} (its README.md names the versions; {@code -Dodf2nna.keras3=DIR} reads
 * another folder the script wrote): each model (the MLP with BatchNormalization and Dropout, the CNN with Rescaling,
 * Conv2D, MaxPooling2D, the functional model with Normalization, a residual Add and Concatenate, the model of the
 * other translated layers) in each form Keras 3 saves a file in ({@code .keras}, {@code .h5}) is read by the tool and
 * computes, in ONNX Runtime, what Keras's own predict() gave for the test rows (examples/digits, which the models were
 * trained and predicted on); the CNN shrunk to {@code .keras} keeps its backbone's layers as they are.
 */
class Keras3CorpusIT {

    @TempDir
    Path dir;

    /** The rows the corpus's models were trained on and predicted, as export_keras3.py read them. */
    private static final Path TRAIN = Path.of("examples/digits/digits-train.csv.gz").toAbsolutePath();
    private static final Path TEST = Path.of("examples/digits/digits-test.csv.gz").toAbsolutePath();

    static Path corpus() {
        // Absolute: the launcher runs in a folder of its own.
        return Path.of(System.getProperty("odf2nna.keras3", "cli/src/test/resources/corpus/keras3"))
                .toAbsolutePath();
    }

    static Path require() {
        Path root = corpus();
        assertTrue(Files.isRegularFile(root.resolve("cnn.keras")), "the Keras 3 corpus " + root.toAbsolutePath()
                + " (scripts/corpus/export_keras3.py writes it)");
        return root;
    }

    static Stream<String> forms() {
        List<String> forms = new ArrayList<>();
        for (String model : List.of("mlp", "cnn", "residual", "layers")) {
            forms.add(model + ".keras");
            forms.add(model + ".h5");
        }
        return forms.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forms")
    void readAsKerasPredicts(String name) throws IOException {
        Path root = require();
        String model = name.substring(0, name.indexOf('.'));
        float[][] test = rows(TEST);
        float[] expected = flat(rows(root.resolve(model + ".predictions.csv"), false));
        OnnxDenseModel read = ModelFiles.read(root.resolve(name));
        int rows = test.length;
        int width = test[0].length;
        float[] x = flat(test);
        float[] actual;
        try (OnnxRunner runner = OnnxRunner.open(read.model(), read.input(), Device.CPU, read.source())) {
            actual = runner.run(x, rows, width, List.of(read.outputName())).get(read.outputName());
        }
        assertEquals(expected.length, actual.length, name);
        double worst = 0;
        for (int k = 0; k < expected.length; k++) {
            worst = Math.max(worst, Math.abs(expected[k] - actual[k]));
        }
        assertTrue(worst <= 1e-5, name + ": the tool's reading against Keras's predict, max difference " + worst);
        KerasModel keras = KerasReader.read(root.resolve(name));
        assertEquals(!model.equals("mlp"), keras.backbone() != null, name + ": a backbone exactly where there are "
                + "layers besides a dense chain's");
    }

    @Test
    void cnnShrunkToKerasPrunesItAsAGraph() throws Exception {
        // A Keras CNN is a graph now (issue 70): its convolution channels and dense head are pruned in rounds and the
        // result written back as .keras, smaller than the file read.
        Path root = require();
        Path out = dir.resolve("cnn.small.keras");
        Shared.Result r = Shared.launch(dir, "shrink", root.resolve("cnn.keras").toString(), "--eval",
                TEST.toString(), "--train", TRAIN.toString(), "--validation", TEST.toString(), "--max-drop", "20",
                "--graph-retrain", "sequential", "--allow-slower", "-o", out.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(Files.size(out) < Files.size(root.resolve("cnn.keras")), r.toString());
        assertTrue(KerasReader.read(out) != null);
    }

    private static float[][] rows(Path csv) throws IOException {
        float[][] all = rows(csv, true);
        float[][] features = new float[all.length][];
        for (int r = 0; r < all.length; r++) {
            features[r] = java.util.Arrays.copyOf(all[r], all[r].length - 1);
        }
        return features;
    }

    private static float[][] rows(Path csv, boolean header) throws IOException {
        List<String> lines;
        try (InputStream in = Files.newInputStream(csv)) {
            byte[] bytes = (csv.toString().endsWith(".gz") ? new GZIPInputStream(in) : in).readAllBytes();
            lines = new String(bytes, StandardCharsets.UTF_8).lines().toList();
        }
        List<float[]> out = new ArrayList<>();
        for (String line : lines.subList(header ? 1 : 0, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            String[] cells = line.split(",");
            float[] v = new float[cells.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = Float.parseFloat(cells[i]);
            }
            out.add(v);
        }
        return out.toArray(float[][]::new);
    }

    private static float[] flat(float[][] rows) {
        int width = rows[0].length;
        float[] v = new float[rows.length * width];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, v, r * width, width);
        }
        return v;
    }
}

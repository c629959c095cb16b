package org.odf2nna.tf;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.odf2nna.Device;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/**
 * Issue 40's first acceptance: every graph model in ../shared/models/graphs (a ViT, an MLP-Mixer, an inverted-residual
 * CNN with squeeze-excite, all PyTorch exports at opset 14) translated to TensorFlow computes what ONNX Runtime
 * computes, within 1e-4, on 1,000 MNIST test rows. Skips, saying why, without ../shared.
 */
class OnnxTfGraphSharedTest {

    static final int ROWS = 1000;

    static Stream<String> models() throws IOException {
        Path dir = TfTestSupport.sharedRoot().resolve("models/graphs");
        if (!Files.isDirectory(dir)) {
            return Stream.of("(../shared/models/graphs absent)");
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".onnx")).sorted().toList()
                    .stream();
        }
    }

    /** The first {@code n} rows of the MNIST test CSV: 784 pixel columns then the label. */
    static float[][] mnist(Path csv, int n) throws IOException {
        float[] x = new float[n * 784];
        float[] y = new float[n];
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(csv)),
                StandardCharsets.US_ASCII))) {
            r.readLine();
            for (int i = 0; i < n; i++) {
                String[] cells = r.readLine().split(",");
                for (int j = 0; j < 784; j++) {
                    x[i * 784 + j] = Float.parseFloat(cells[j]);
                }
                y[i] = Float.parseFloat(cells[784]);
            }
        }
        return new float[][] {x, y};
    }

    @ParameterizedTest
    @MethodSource("models")
    void translationMatchesOnnxRuntime(String name) throws IOException {
        Path model = TfTestSupport.sharedRoot().resolve("models/graphs").resolve(name);
        Path data = TfTestSupport.sharedRoot().resolve("data/mnist-test.csv.gz");
        boolean present = Files.isRegularFile(model) && Files.isRegularFile(data);
        if (!present) {
            System.out.println("SKIPPED: " + model + " or " + data + " not found (../shared absent)");
        }
        assumeTrue(present, "skipped: ../shared/models/graphs or ../shared/data/mnist-test.csv.gz not found");
        ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(model));
        float[] rows = mnist(data, ROWS)[0];
        TranslationCheck check = TranslationCheck.compare(proto, rows, ROWS, Device.CPU);
        System.out.println(name + ": " + check.describe());
        assertTrue(check.within(1e-4), name + ": " + check.describe());
        assertTrue(check.rows() == ROWS && List.of("logits").contains(check.output()), check.describe());
    }
}

package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;

/**
 * Keras 3's own ONNX export (scripts/corpus/export_keras3_onnx.py, torch backend) reads as the dense chain its .keras
 * gives: the same widths, activations and head, and weights within float rounding (the BatchNormalization folded by
 * the cleaning pass on one side and by the Keras reader on the other). The MLP's two files are committed under
 * {@code library/src/test/resources/corpus/keras3-onnx} (its README.md names the versions that wrote them;
 * {@code -Dodf2nna.keras3OnnxCorpus=DIR} reads another folder the script wrote).
 */
class Keras3OnnxCorpusTest {

    private static final Path CORPUS = Path.of(System.getProperty("odf2nna.keras3OnnxCorpus",
            "library/src/test/resources/corpus/keras3-onnx"));

    @Test
    void theOnnxExportReadsAsTheKerasFilesChain() {
        Path onnx = CORPUS.resolve("mlp.onnx");
        Path keras = CORPUS.resolve("mlp.keras");
        assertTrue(Files.exists(onnx) && Files.exists(keras), "the corpus " + CORPUS.toAbsolutePath()
                + " (scripts/corpus/export_keras3_onnx.py writes it)");
        InputModel read = ModelReader.read(onnx);
        assertTrue(read.cleaningSummary().stream().anyMatch(s -> s.contains("Casts to the same type removed")),
                read.cleaningSummary().toString());
        DenseNetwork fromOnnx = ModelFiles.read(onnx).network();
        DenseNetwork fromKeras = ModelFiles.read(keras).network();
        assertEquals(fromKeras.architecture(), fromOnnx.architecture());
        assertEquals(fromKeras.head(), fromOnnx.head());
        for (int l = 0; l < fromKeras.layers().size(); l++) {
            DenseLayer a = fromKeras.layer(l);
            DenseLayer b = fromOnnx.layer(l);
            assertEquals(a.activation(), b.activation(), "layer " + (l + 1));
            double largest = 0;
            for (int k = 0; k < a.weights().length; k++) {
                largest = Math.max(largest, Math.abs(a.weights()[k] - b.weights()[k]));
            }
            for (int u = 0; u < a.units(); u++) {
                largest = Math.max(largest, Math.abs(a.bias()[u] - b.bias()[u]));
            }
            assertTrue(largest < 1e-4, "layer " + (l + 1) + " differs by " + largest);
        }
    }
}

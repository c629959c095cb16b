package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.method.ModelFiles;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.DenseChainReader;

/**
 * The Keras and SavedModel examples under examples/ are what the commands in their SOURCE.md write today from the
 * repository's ONNX model, and compute what it computes (README's Keras and SavedModel examples run on them).
 */
class KerasExamplesTest {

    static final Path ONNX = Path.of("models/iris_4-16-16-3_relu.onnx");
    static final Path KERAS = Path.of("examples/keras/iris_4-16-16-3_relu.keras");
    static final Path SAVED = Path.of("examples/savedmodel/iris_4-16-16-3_relu");

    @Test
    void theKerasExampleIsWhatConvertWritesByteForByte(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("iris.keras");
        CliRun run = CliRun.of("convert", ONNX.toString(), "-o", out.toString());
        assertEquals(0, run.exitCode(), run.toString());
        assertArrayEquals(Files.readAllBytes(KERAS), Files.readAllBytes(out),
                "examples/keras/SOURCE.md's command writes other bytes now; run it again and commit the file");
        assertTrue(Files.readString(KERAS.resolveSibling("SOURCE.md")).contains("bin/odf2nna-onnx convert "
                + ONNX + " -o " + KERAS), "SOURCE.md names the command");
    }

    @Test
    void theKerasAndSavedModelExamplesComputeWhatTheOnnxModelComputes() {
        DenseNetwork onnx = DenseChainReader.read(ONNX).network();
        KerasCliTest.assertSameFunction(onnx, ModelFiles.read(KERAS).network());
        KerasCliTest.assertSameFunction(onnx, ModelFiles.read(SAVED).network());
        assertEquals("4-16-16-3", ModelFiles.read(SAVED).network().architecture());
    }
}

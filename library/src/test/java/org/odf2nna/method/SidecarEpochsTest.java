package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.RetrainSettings;

/** The epochs a training script recorded in the JSON beside its model count as the original's epochs. */
class SidecarEpochsTest {

    @TempDir
    Path dir;

    @Test
    void readsTheTrainingEpochsOfTheSidecar() throws IOException {
        Path model = dir.resolve("net.onnx");
        Files.writeString(dir.resolve("net.json"), "{\"training\": {\"epochs\": 40, \"lr\": 0.001}}");
        assertEquals("40", RecordedEpochs.sidecar(model));
        RetrainSettings.Epochs epochs = new RetrainOptions(model, RetrainSettings.builder().batchSize(32)
                .learningRate(0.001f).seed(0).validationShare(0.2).patience(10).distillation(Distillation.NONE).build())
                .retraining().epochs(RecordedEpochs.sidecar(model));
        assertEquals(6, epochs.count());
        assertEquals("15% of the 40 epochs recorded in the model", epochs.source());
    }

    @Test
    void noSidecarOrAnotherShapeLeavesThemUnknown() throws IOException {
        Path model = dir.resolve("other.onnx");
        assertNull(RecordedEpochs.sidecar(model));
        Files.writeString(dir.resolve("other.json"), "{\"training\": {\"epochs\": \"many\"}}");
        assertNull(RecordedEpochs.sidecar(model));
        Files.writeString(dir.resolve("other.json"), "[1, 2");
        assertNull(RecordedEpochs.sidecar(model));
    }
}

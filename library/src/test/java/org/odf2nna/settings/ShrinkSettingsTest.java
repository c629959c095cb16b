package org.odf2nna.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** shrink's settings: the route it takes and the files it writes are the library's to say. */
class ShrinkSettingsTest {

    private static final ShrinkFiles FILES = ShrinkFiles.of(Path.of("models/m.onnx"), Path.of("test.csv"));
    private static final ShrinkFiles TRAINED = FILES.withTraining(Path.of("train.csv"), null);

    @Test
    void trainingRowsWithoutEpsilonPruneProgressivelyToOneOnnxOutput() {
        ShrinkSettings defaults = ShrinkSettings.defaults();
        assertFalse(defaults.progressive(FILES), "no training rows: once, at 0.05");
        assertEquals(List.of(ShrinkSettings.DEFAULT_EPSILON), defaults.thresholds());
        assertTrue(defaults.progressive(TRAINED));
        assertEquals(List.of(Path.of("m.small.onnx")), TRAINED.outputs(defaults));
        assertEquals(Path.of("m.small.onnx"), TRAINED.sweep().output());
        assertEquals(1, defaults.sweep().steps());
        assertFalse(ShrinkSettings.builder().epsilon(0.1).build().progressive(TRAINED));
        assertFalse(ShrinkSettings.builder().format(ModelFormat.KERAS).build().progressive(TRAINED));
        assertFalse(ShrinkSettings.builder().retraining(null).build().progressive(TRAINED));
    }

    @Test
    void severalEpsilonsWriteOneTaggedOutputEach() {
        ShrinkSettings two = ShrinkSettings.builder().epsilons(List.of(0.1, 0.25)).build();
        assertEquals(List.of(Path.of("m.small.eps0.1.onnx"), Path.of("m.small.eps0.25.onnx")), FILES.outputs(two));
        ShrinkSettings keras = ShrinkSettings.builder().epsilons(List.of(0.5)).format(ModelFormat.KERAS).build();
        assertEquals(List.of(Path.of("out/x.keras")), FILES.withOutput(Path.of("out/x.keras")).outputs(keras));
    }

    @Test
    void whatOnlyProgressivePruningReadsIsRefusedElsewhere() {
        InvalidSetting quantize = assertThrows(InvalidSetting.class,
                () -> ShrinkSettings.builder().epsilon(0.1).quantize(Quantize.INT8).build());
        assertTrue(quantize.getMessage().startsWith("quantization applies to progressive pruning (training rows "
                + "without the epsilon setting)"), quantize.getMessage());
        assertThrows(InvalidSetting.class, () -> ShrinkSettings.builder().retraining(null).maxDrop(2).build());
        assertThrows(InvalidSetting.class, () -> ShrinkSettings.builder().maxDrop(-1).build());
        assertThrows(InvalidSetting.class, () -> ShrinkSettings.builder().epsilons(List.of(0.1, 0.1)).build());
        assertEquals(2.0, ShrinkSettings.builder().maxDrop(2).build().sweep().maxDrop(Task.CLASSIFICATION));
    }
}

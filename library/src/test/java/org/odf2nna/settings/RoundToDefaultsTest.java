package org.odf2nna.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The widths a graph's blocks keep by default: by the runtime the written file is for. */
class RoundToDefaultsTest {

    @Test
    void aKerasOutputKeepsMultiplesOfEightAndAnOnnxOutputOrtsBlocks() {
        assertEquals(new RoundTo(8, 8), RoundTo.defaultFor(Path.of("out", "small.keras")));
        assertEquals(new RoundTo(8, 8), RoundTo.defaultFor(Path.of("SMALL.H5")));
        assertEquals(new RoundTo(16, 8), RoundTo.defaultFor(Path.of("small.onnx")));
        assertEquals(new RoundTo(16, 8), RoundTo.defaultFor(Path.of("saved_model_dir")));
        assertEquals(RoundTo.DEFAULT, RoundTo.defaultFor(null));
    }

    @Test
    void oneIsOffAndZeroIsRefused() {
        assertEquals(false, RoundTo.of(1).on());
        assertThrows(InvalidSetting.class, () -> RoundTo.of(0));
    }
}

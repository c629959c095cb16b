package org.odf2nna.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import org.junit.jupiter.api.Test;

/**
 * A config of any size is written as a variable-length string ({@link HdfVariableLengthString}) and read back, with
 * the rest of the file as it was; jhdf alone cannot write a string attribute past about 59.5 kB.
 */
class KerasLegacyH5Test {

    private static byte[] withAttribute(String config) {
        return KerasFileParts.writeH5(out -> {
            out.putAttribute("backend", "tensorflow");
            out.putAttribute("model_config", config);
            out.putAttribute("training_config", "{\"loss\": \"x\"}");
            out.putGroup("model_weights").putDataset("w", new float[] {1f, 2f});
            return true;
        });
    }

    @Test
    void aFixedLengthStringPastSixtyKilobytesDoesNotReadBack() {
        // Why the variable-length form is needed: jhdf writes the string inside a message of 16-bit size.
        assertThrows(RuntimeException.class, () -> {
            try (HdfFile f = HdfFile.fromBytes(withAttribute("x".repeat(70_000)))) {
                f.getAttribute("model_config").getData();
            }
        });
    }

    @Test
    void aLargeConfigIsWrittenAsAVariableLengthStringAndReadsBack() {
        for (int length : new int[] {0, 1, 9, 4_000, 200_000}) {
            String config = "{\"é\": \"" + "y".repeat(length) + "\"}";
            byte[] file = KerasLegacyH5.withConfig(withAttribute(HdfVariableLengthString.PLACEHOLDER), config);
            try (HdfFile f = HdfFile.fromBytes(file)) {
                assertEquals(config, String.valueOf(f.getAttribute("model_config").getData()));
                assertEquals("tensorflow", String.valueOf(f.getAttribute("backend").getData()));
                assertEquals("{\"loss\": \"x\"}", String.valueOf(f.getAttribute("training_config").getData()));
                Dataset w = (Dataset) f.getByPath("model_weights/w");
                assertArrayEquals(new float[] {1f, 2f}, (float[]) w.getData());
            }
        }
    }

    @Test
    void aFileWithoutThePlaceholderIsRefusedNotDamaged() {
        assertThrows(IllegalStateException.class, () -> KerasLegacyH5.withConfig(withAttribute("{}"), "{\"a\": 1}"));
    }
}

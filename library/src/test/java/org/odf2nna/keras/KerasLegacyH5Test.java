package org.odf2nna.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jhdf.HdfFile;
import org.junit.jupiter.api.Test;

/** The limit {@link KerasLegacyH5#MAX_CONFIG_BYTES} holds for jhdf's writer, and just past 64 kB it does not. */
class KerasLegacyH5Test {

    private static byte[] withAttribute(int length) {
        String config = "x".repeat(length);
        return KerasWriter.writeH5(out -> {
            out.putAttribute("model_config", config);
            out.putGroup("model_weights").putDataset("w", new float[] {1f, 2f});
            return true;
        });
    }

    @Test
    void aConfigUpToTheLimitReadsBack() {
        try (HdfFile f = HdfFile.fromBytes(withAttribute(KerasLegacyH5.MAX_CONFIG_BYTES))) {
            assertEquals(KerasLegacyH5.MAX_CONFIG_BYTES,
                    String.valueOf(f.getAttribute("model_config").getData()).length());
        }
    }

    @Test
    void aConfigOverSixtyFourKilobytesDoesNotReadBack() {
        // Why the limit is there: an object header message's size is 16 bits.
        assertThrows(RuntimeException.class, () -> {
            try (HdfFile f = HdfFile.fromBytes(withAttribute(70_000))) {
                f.getAttribute("model_config").getData();
            }
        });
    }
}

package org.odf2nna.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Rows held as floats or as a detector's image bytes hand out the same values, a range or a gather at a time. */
class RowValuesTest {

    private static final byte[] PIXELS = {0, 51, (byte) 255, (byte) 128, 1, 2, 3, 4, 5};
    private static final float[] FLOATS = new float[PIXELS.length];

    static {
        for (int i = 0; i < PIXELS.length; i++) {
            FLOATS[i] = (PIXELS[i] & 0xFF) / 255f;
        }
    }

    @Test
    void bytesAndTheirFloatsHandOutTheSameRows() {
        RowValues bytes = RowValues.pixels(PIXELS, 3);
        RowValues floats = RowValues.floats(FLOATS, 3);
        assertTrue(bytes.heldAsPixels());
        assertFalse(floats.heldAsPixels());
        assertEquals(3, bytes.count());
        assertEquals(3, floats.count());
        assertArrayEquals(FLOATS, bytes.all());
        assertArrayEquals(new float[] {128 / 255f, 1 / 255f, 2 / 255f}, bytes.values(1, 1), 0);
        assertArrayEquals(floats.values(1, 2), bytes.values(1, 2));
        assertArrayEquals(new float[] {3 / 255f, 4 / 255f, 5 / 255f, 0, 0.2f, 1}, bytes.gather(new int[] {2, 0}));
        assertArrayEquals(floats.gather(new int[] {2, 0}), bytes.gather(new int[] {2, 0}));
        assertArrayEquals(new byte[] {0, 51, (byte) 255}, bytes.first(1).pixels());
        assertArrayEquals(floats.values(0, 2), floats.first(2).floats());
    }

    @Test
    void theHashFollowsTheValuesAndTheirForm() {
        byte[] other = PIXELS.clone();
        other[8] = 6;
        assertEquals(RowValues.pixels(PIXELS.clone(), 3).valuesHash(), RowValues.pixels(PIXELS, 3).valuesHash());
        assertNotEquals(RowValues.pixels(other, 3).valuesHash(), RowValues.pixels(PIXELS, 3).valuesHash());
    }

    @Test
    void rowsHoldOneFormOrTheOther() {
        assertThrows(IllegalArgumentException.class, () -> new RowValues(FLOATS, PIXELS, 3));
        assertThrows(IllegalArgumentException.class, () -> new RowValues(null, null, 3));
        assertThrows(IllegalArgumentException.class, () -> RowValues.floats(FLOATS, 0));
        assertEquals(0, RowValues.floats(new float[0], 0).count(), "no rows");
    }
}

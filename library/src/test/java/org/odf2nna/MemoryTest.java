package org.odf2nna;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** How many rows a runtime call may hold when each row's outputs take a known number of bytes. */
class MemoryTest {

    @Test
    void aBatchHoldsWhatASixteenthOfTheHeapHoldsWithinItsBoundsAndAtTheCeiling() {
        long budget = Math.min(Memory.MOST_BATCH_BYTES, Runtime.getRuntime().maxMemory() / 16);
        assertEquals(256, Memory.rowsPerBatch(1, 256), "small rows: the most asked for");
        assertEquals(1, Memory.rowsPerBatch(budget * 16, 256), "a row larger than the budget: still one row");
        int rows = Memory.rowsPerBatch(budget / 10, 256);
        assertTrue(rows >= 9 && rows <= 10, "a tenth of the budget a row: 10 rows, got " + rows);
        // The launcher's ceiling is half the machine's memory; a call is given under 16 MB of outputs, whatever it is
        // (G1's humongous threshold at the launcher's 32 MB regions).
        int large = Memory.rowsPerBatch(4L << 20, 256);
        assertTrue(large <= 4, "4 MB rows: at most 4 a call, got " + large);
    }
}

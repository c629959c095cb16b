package org.odf2nna;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** How many rows a runtime call may hold when each row's outputs take a known number of bytes. */
class MemoryTest {

    @Test
    void aBatchHoldsWhatASixteenthOfTheHeapHoldsWithinItsBounds() {
        long heap = Runtime.getRuntime().maxMemory();
        assertEquals(256, Memory.rowsPerBatch(1, 256), "small rows: the most asked for");
        assertEquals(1, Memory.rowsPerBatch(heap, 256), "a row larger than the budget: still one row");
        int rows = Memory.rowsPerBatch(heap / 160, 256);
        assertTrue(rows >= 9 && rows <= 10, "a tenth of the budget a row: 10 rows, got " + rows);
    }
}

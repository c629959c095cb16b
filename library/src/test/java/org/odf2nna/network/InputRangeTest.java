package org.odf2nna.network;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class InputRangeTest {

    @Test
    void columnsKeepsTheBoundsOfTheKeptColumnsInTheGivenOrder() {
        // 3 rows of 3 columns: column 0 spans [-1, 2], column 1 [5, 7], column 2 [0, 0]
        InputRange range = InputRange.of(new float[] {-1, 5, 0, 2, 7, 0, 0, 6, 0}, 3, 3);
        InputRange kept = range.columns(new int[] {2, 0});
        assertArrayEquals(new float[] {0, -1}, kept.min());
        assertArrayEquals(new float[] {0, 2}, kept.max());
        assertEquals(3, kept.rows());
        assertEquals(0, range.columns(new int[0]).width());
    }
}

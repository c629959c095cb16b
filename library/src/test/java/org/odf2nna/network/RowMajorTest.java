package org.odf2nna.network;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class RowMajorTest {

    @Test
    void keepsTheGivenColumnsOfEveryRowInTheGivenOrder() {
        float[] rows = {1, 2, 3, 4, 5, 6, 7, 8};
        assertArrayEquals(new float[] {4, 1, 8, 5}, RowMajor.keepColumns(rows, 2, 4, new int[] {3, 0}));
        assertArrayEquals(new float[] {2, 2, 6, 6}, RowMajor.keepColumns(rows, 2, 4, new int[] {1, 1}));
        assertArrayEquals(new float[0], RowMajor.keepColumns(rows, 2, 4, new int[0]));
    }
}

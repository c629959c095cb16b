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

    @Test
    void transposesRowsIntoColumns() {
        // 2 rows of 3: [1 2 3; 4 5 6] -> 3 rows of 2: [1 4; 2 5; 3 6]
        float[] rows = {1, 2, 3, 4, 5, 6};
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, RowMajor.transposed(rows, 2, 3));
        assertArrayEquals(rows, RowMajor.transposed(RowMajor.transposed(rows, 2, 3), 3, 2));
    }
}

package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class GeneralModelTest {

    @Test
    void equationTwoRoundedDown() {
        // NU = (NP − NC) / (D + NL·(NC + 1)): iris, 120 rows, 4 inputs, 3 classes, 3 layers → 117 / 16.
        GeneralModel iris = GeneralModel.size(120, 4, 3, 3);
        assertEquals(117.0 / 16, iris.exact(), 1e-12);
        assertEquals(7, iris.units());
        assertArrayEquals(new int[] {4, 7, 7, 7, 3}, iris.widths());
        // MNIST, 60000 rows, 784 inputs, 10 classes, 3 layers → 59990 / 817.
        assertEquals(73, GeneralModel.size(60000, 784, 10, 3).units());
        // Regression: NC = 1.
        assertEquals((int) Math.floor((12000.0 - 1) / (26 + 2 * 2)), GeneralModel.size(12000, 26, 1, 2).units());
    }

    @Test
    void boundedBelowAndAbove() {
        assertEquals(GeneralModel.MIN_UNITS, GeneralModel.size(10, 100, 2, 3).units());
        assertEquals(GeneralModel.MIN_UNITS, GeneralModel.size(1, 5, 2, 3).units(), "a budget below NC");
        assertEquals(GeneralModel.MAX_UNITS, GeneralModel.size(100_000_000L, 10, 2, 3).units());
        assertThrows(IllegalArgumentException.class, () -> GeneralModel.size(100, 4, 3, 0));
    }
}

package org.odf2nna.harness.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StatsTest {

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(3, Stats.median(5, 1, 3));
        assertEquals(2.5, Stats.median(4, 1, 3, 2));
        assertEquals(7, Stats.median(7));
    }

    @Test
    void summaryHasTheExtremesAndThe95thPercentile() {
        double[] values = new double[101];
        for (int i = 0; i <= 100; i++) {
            values[i] = 100 - i; // 100 down to 0, unsorted on purpose
        }
        Stats.Summary s = Stats.of(values);
        assertEquals(101, s.n());
        assertEquals(50, s.median(), 1e-12);
        assertEquals(0, s.min());
        assertEquals(100, s.max());
        assertEquals(95, s.p95(), 1e-12);
        assertEquals(100, values[0], "the input is not sorted in place");
    }

    @Test
    void percentileInterpolatesBetweenRanks() {
        double[] sorted = {10, 20, 30, 40};
        assertEquals(10, Stats.percentile(sorted, 0));
        assertEquals(40, Stats.percentile(sorted, 1));
        assertEquals(25, Stats.percentile(sorted, 0.5), 1e-12);
        assertEquals(10 + 0.95 * 3 * 10, Stats.percentile(sorted, 0.95), 1e-9); // position 2.85 → 38.5
        assertThrows(IllegalArgumentException.class, () -> Stats.percentile(sorted, 1.5));
        assertTrue(Double.isNaN(Stats.percentile(new double[0], 0.5)));
    }

    @Test
    void ratiosArePerRepeat() {
        assertArrayEquals(new double[] {2, 0.5}, Stats.ratios(new double[] {4, 1}, new double[] {2, 2}));
        assertThrows(IllegalArgumentException.class, () -> Stats.ratios(new double[] {1}, new double[] {1, 2}));
    }

    @Test
    void formatShowsMedianAndRange() {
        assertEquals("2.00 (1.00–3.00)", Stats.of(1, 2, 3).format(3));
        assertEquals("0.0123", Stats.of(0.0123).format(3));
        assertEquals("-", Stats.of().format(3));
        assertEquals("1235", Stats.significant(1234.6, 3));
        assertEquals("1.23e-05", Stats.significant(0.0000123, 3));
    }
}

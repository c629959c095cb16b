package org.odf2nna.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RowOverlapTest {

    /** {@code n} rows of {@code width} random values, targets 0..2. */
    private static RowOverlap.Rows random(int n, int width, long seed) {
        Random random = new Random(seed);
        float[] x = new float[n * width];
        float[] y = new float[n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        for (int r = 0; r < n; r++) {
            y[r] = random.nextInt(3);
        }
        return RowOverlap.Rows.of(x, width, y);
    }

    /** Rows {@code from} to {@code to} (exclusive) of {@code rows}, in reverse order. */
    private static RowOverlap.Rows slice(RowOverlap.Rows rows, int from, int to) {
        float[] all = rows.blocks().get(0);
        int width = all.length / rows.count();
        float[] x = new float[(to - from) * width];
        float[] y = new float[to - from];
        for (int r = from; r < to; r++) {
            int at = to - 1 - r;
            System.arraycopy(all, r * width, x, at * width, width);
            y[at] = rows.targets()[r];
        }
        return RowOverlap.Rows.of(x, width, y);
    }

    @Test
    void theTrainingRowsAsValidationRowsAllOverlapAndAreBeyondChance() {
        RowOverlap.Rows train = random(500, 6, 1);
        RowOverlap.Count c = RowOverlap.count(train, slice(train, 0, 500));
        assertEquals(new RowOverlap.Count(500, 0, 500, 500), c);
        assertTrue(c.beyondChance(1e-6));
    }

    @Test
    void disjointRowsShareNothing() {
        RowOverlap.Rows train = random(400, 5, 2);
        RowOverlap.Count c = RowOverlap.count(train, random(100, 5, 3));
        assertEquals(0, c.overlapping());
        assertFalse(c.beyondChance(1e-6));
    }

    @Test
    void withoutRepeatsInTheTrainingRowsOneSharedRowIsBeyondChance() {
        RowOverlap.Rows train = random(300, 4, 4);
        RowOverlap.Rows other = random(50, 4, 5);
        // Row 7 of the validation rows is training row 123.
        float[] v = other.blocks().get(0).clone();
        System.arraycopy(train.blocks().get(0), 123 * 4, v, 7 * 4, 4);
        float[] y = other.targets().clone();
        y[7] = train.targets()[123];
        RowOverlap.Count c = RowOverlap.count(train, RowOverlap.Rows.of(v, 4, y));
        assertEquals(1, c.overlapping());
        assertEquals(0, c.trainingDuplicates());
        assertTrue(c.beyondChance(1e-6));
    }

    @Test
    void aTargetOfItsOwnMakesAnotherRowUnlessOneSideHasNoTargets() {
        RowOverlap.Rows train = random(100, 3, 6);
        RowOverlap.Rows same = slice(train, 10, 20);
        float[] y = same.targets().clone();
        for (int r = 0; r < y.length; r++) {
            y[r] = y[r] + 1;
        }
        RowOverlap.Rows relabelled = RowOverlap.Rows.of(same.blocks().get(0), 3, y);
        assertEquals(0, RowOverlap.count(train, relabelled).overlapping());
        RowOverlap.Rows unlabelled = RowOverlap.Rows.of(same.blocks().get(0), 3, null);
        assertEquals(10, RowOverlap.count(train, unlabelled).overlapping());
    }

    @Test
    void negativeZeroIsZeroAndNaNIsOneValueButOtherBitsDiffer() {
        RowOverlap.Rows train = RowOverlap.Rows.of(new float[] {0.0f, 1f, Float.NaN, 2f, 1f, 1f}, 2,
                new float[] {0, 0, 0});
        float otherNaN = Float.intBitsToFloat(0x7fc00001);
        RowOverlap.Rows validation = RowOverlap.Rows.of(new float[] {-0.0f, 1f, otherNaN, 2f, Math.nextUp(1f), 1f},
                2, new float[] {0, 0, 0});
        RowOverlap.Count c = RowOverlap.count(train, validation);
        assertEquals(2, c.overlapping(), "-0.0 equals 0.0, any NaN equals NaN, the next float up is another value");
    }

    @Test
    void rowsWithTheSameHashAreComparedValueByValue() {
        RowOverlap.Rows a = RowOverlap.Rows.of(new float[] {1f, 2f}, 2, null);
        RowOverlap.Rows b = RowOverlap.Rows.of(new float[] {2f, 1f}, 2, null);
        assertNotEquals(RowOverlap.hash(a, 0, false), RowOverlap.hash(b, 0, false));
        assertFalse(RowOverlap.same(a, 0, b, 0, false));
        // Every row hashed alike: only the comparison of values tells them apart, and the counts stay exact.
        RowOverlap.Rows train = random(300, 2, 7);
        RowOverlap.Count colliding = RowOverlap.count(train, slice(train, 100, 150), (rows, r, t) -> 42L);
        assertEquals(new RowOverlap.Count(300, 0, 50, 50), colliding);
        assertEquals(0, RowOverlap.count(train, random(80, 2, 8), (rows, r, t) -> 42L).overlapping());
    }

    @Test
    void everyBlockOfAGraphRowCounts() {
        float[] data = {1, 2, 3, 4};
        RowOverlap.Rows train = new RowOverlap.Rows(2, List.of(data, new float[] {5, 6}), null);
        RowOverlap.Rows sameData = new RowOverlap.Rows(2, List.of(data, new float[] {5, 7}), null);
        assertEquals(1, RowOverlap.count(train, sameData).overlapping(), "the second rows differ in the side input");
    }

    @Test
    void naturalRepeatsExplainAFewSharedRowsOfAnHonestSplit() {
        // A source where a quarter of the rows are one of 20 common rows: an 80/20 split shares some by chance.
        Random random = new Random(9);
        int n = 5000;
        int width = 3;
        float[] x = new float[n * width];
        for (int r = 0; r < n; r++) {
            boolean common = random.nextDouble() < 0.25;
            int id = random.nextInt(20);
            for (int c = 0; c < width; c++) {
                x[r * width + c] = common ? id + c : (float) random.nextGaussian();
            }
        }
        RowOverlap.Rows all = RowOverlap.Rows.of(x, width, null);
        int cut = 4000;
        RowOverlap.Rows train = new RowOverlap.Rows(cut, List.of(java.util.Arrays.copyOf(x, cut * width)), null);
        RowOverlap.Rows validation = new RowOverlap.Rows(n - cut,
                List.of(java.util.Arrays.copyOfRange(x, cut * width, n * width)), null);
        RowOverlap.Count honest = RowOverlap.count(train, validation);
        assertTrue(honest.overlapping() > 150, honest.toString());
        assertTrue(honest.duplicateShare() > 0.2 && honest.duplicateShare() < 0.3, honest.toString());
        assertFalse(honest.beyondChance(1e-6), honest.toString());
        // The training rows themselves as validation rows are beyond what the repeats explain.
        assertTrue(RowOverlap.count(train, train).beyondChance(1e-6));
        assertEquals(n, all.count());
    }

    @Test
    void theBinomialTailMatchesExactSums() {
        assertEquals(56.0 / 1024, RowOverlap.atLeast(10, 8, 0.5), 1e-15);
        assertEquals(1 - 56.0 / 1024, RowOverlap.atLeast(10, 3, 0.5), 1e-15);
        assertEquals(1 - Math.pow(0.9, 20), RowOverlap.atLeast(20, 1, 0.1), 1e-14);
        assertEquals(Math.pow(0.1, 20), RowOverlap.atLeast(20, 20, 0.1), 1e-30);
        assertEquals(1, RowOverlap.atLeast(20, 0, 0.1));
        assertEquals(0, RowOverlap.atLeast(20, 1, 0));
        assertEquals(0, RowOverlap.atLeast(20, 21, 0.5));
        // Far in the tail: 100 of 10,000 at a 0.1% rate (mean 10) is astronomically unlikely, 15 is not.
        assertTrue(RowOverlap.atLeast(10_000, 100, 0.001) < 1e-40);
        double fifteen = RowOverlap.atLeast(10_000, 15, 0.001);
        assertTrue(fifteen > 0.05 && fifteen < 0.1, Double.toString(fifteen));
    }
}

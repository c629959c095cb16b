package org.odf2nna.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RunningMomentsTest {

    /** Two-pass mean and population variance per column, in double: the textbook reference. */
    private static double[][] twoPass(float[] values, int rows, int columns) {
        double[] mean = new double[columns];
        double[] var = new double[columns];
        for (int c = 0; c < columns; c++) {
            double s = 0;
            for (int r = 0; r < rows; r++) {
                s += values[r * columns + c];
            }
            mean[c] = s / rows;
            double q = 0;
            for (int r = 0; r < rows; r++) {
                double d = values[r * columns + c] - mean[c];
                q += d * d;
            }
            var[c] = q / rows;
        }
        return new double[][] {mean, var};
    }

    private static float[] randomData(Random random, int rows, int columns) {
        float[] values = new float[rows * columns];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                // Columns with different locations and scales, one constant column.
                values[r * columns + c] = c == 0 ? 2.5f : (float) (c * 10 + random.nextGaussian() * c);
            }
        }
        return values;
    }

    /** Feeds rows in consecutive batches of the given sizes (cycled), copying each batch into its own array. */
    private static RunningMoments feed(float[] values, int rows, int columns, int[] batchSizes) {
        RunningMoments moments = new RunningMoments(columns);
        int r = 0;
        int k = 0;
        while (r < rows) {
            int n = Math.min(batchSizes[k++ % batchSizes.length], rows - r);
            // The batch array is longer than needed and padded with junk, as reused batch buffers are.
            float[] batch = new float[(n + 2) * columns];
            Arrays.fill(batch, 1e30f);
            System.arraycopy(values, r * columns, batch, 0, n * columns);
            moments.add(batch, n);
            r += n;
        }
        return moments;
    }

    private static void assertClose(double[] expected, double[] actual, double relative) {
        assertEquals(expected.length, actual.length);
        for (int c = 0; c < expected.length; c++) {
            assertEquals(expected[c], actual[c], relative * Math.max(1e-12, Math.abs(expected[c])), "column " + c);
        }
    }

    @Test
    void batchByBatchEqualsTwoPassForManySplittings() {
        Random random = new Random(42);
        int rows = 1000;
        int columns = 6;
        float[] values = randomData(random, rows, columns);
        double[][] reference = twoPass(values, rows, columns);
        int[][] splittings = {{rows}, {1}, {7}, {999, 1}, {1, 999}, {128}, {3, 50, 1, 200}, {rows + 10}};
        for (int[] split : splittings) {
            RunningMoments m = feed(values, rows, columns, split);
            assertEquals(rows, m.count(), Arrays.toString(split));
            assertClose(reference[0], m.mean(), 1e-12);
            assertClose(reference[1], m.variance(), 1e-10);
            assertEquals(0.0, m.variance()[0], 0, "a constant column has variance exactly 0");
            assertEquals(2.5, m.mean()[0], 0);
        }
        // Random batch sizes, several seeds.
        for (int seed = 0; seed < 5; seed++) {
            Random sizes = new Random(seed);
            int[] split = new int[40];
            for (int k = 0; k < split.length; k++) {
                split[k] = 1 + sizes.nextInt(60);
            }
            RunningMoments m = feed(values, rows, columns, split);
            assertClose(reference[0], m.mean(), 1e-12);
            assertClose(reference[1], m.variance(), 1e-10);
        }
    }

    @Test
    void populationVarianceDividesByN() {
        RunningMoments m = new RunningMoments(1);
        m.add(new float[] {1, 2, 3, 4}, 4);
        assertEquals(2.5, m.mean()[0], 0);
        assertEquals(1.25, m.variance()[0], 1e-15); // sum of squares 5 / n = 4 (not n - 1 = 3)
        assertEquals(Math.sqrt(1.25), m.standardDeviation()[0], 1e-15);
        RunningMoments one = new RunningMoments(1);
        one.add(new float[] {7}, 1);
        assertEquals(0.0, one.variance()[0], 0);
        assertEquals(7.0, one.mean()[0], 0);
    }

    @Test
    void standardDeviationIsTheSquareRootOfTheVariance() {
        Random random = new Random(3);
        RunningMoments m = feed(randomData(random, 300, 4), 300, 4, new int[] {17});
        double[] v = m.variance();
        double[] s = m.standardDeviation();
        for (int c = 0; c < 4; c++) {
            assertEquals(Math.sqrt(v[c]), s[c], 0);
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {1e6, 1e7, 1e8, -3e7})
    void stableForLargeMeansAndTinySpreads(double location) {
        // Float values near the location spaced by a few ulps: spread is tiny relative to the mean, which is
        // the case of nearly constant units. The naive E[x^2] - E[x]^2 cancels almost all digits here.
        Random random = new Random(9);
        int rows = 20_000;
        float base = (float) location;
        float ulp = Math.ulp(base);
        float[] values = new float[rows];
        for (int r = 0; r < rows; r++) {
            values[r] = base + ulp * random.nextInt(5);
        }
        double[][] reference = twoPass(values, rows, 1);
        assertTrue(reference[1][0] > 0);

        double sum = 0;
        double sumSquares = 0;
        for (float v : values) {
            sum += v;
            sumSquares += (double) v * v;
        }
        double naive = sumSquares / rows - (sum / rows) * (sum / rows);
        double naiveError = Math.abs(naive - reference[1][0]) / reference[1][0];

        for (int[] split : new int[][] {{rows}, {1}, {13}, {4096}}) {
            RunningMoments m = feed(values, rows, 1, split);
            double error = Math.abs(m.variance()[0] - reference[1][0]) / reference[1][0];
            assertTrue(error < 1e-8, "relative error " + error + " for batches " + Arrays.toString(split)
                    + " (naive: " + naiveError + ")");
            // The mean only needs to be accurate on the scale of the spread (it feeds the bias folding).
            assertEquals(reference[0][0], m.mean()[0], 1e-6 * Math.sqrt(reference[1][0]));
        }
    }

    @Test
    void naiveFormulaReallyFailsOnTheStabilityData() {
        // Guards the test above: if the data were easy, it would prove nothing.
        Random random = new Random(9);
        int rows = 20_000;
        float base = 1e8f;
        float ulp = Math.ulp(base);
        double sum = 0;
        double sumSquares = 0;
        float[] values = new float[rows];
        for (int r = 0; r < rows; r++) {
            values[r] = base + ulp * random.nextInt(5);
            sum += values[r];
            sumSquares += (double) values[r] * values[r];
        }
        double naive = sumSquares / rows - (sum / rows) * (sum / rows);
        double reference = twoPass(values, rows, 1)[1][0];
        assertTrue(Math.abs(naive - reference) / reference > 1e-3, "naive " + naive + " vs " + reference);
    }

    @Test
    void mergeEqualsFeedingEverythingToOne() {
        Random random = new Random(5);
        int rows = 500;
        int columns = 3;
        float[] values = randomData(random, rows, columns);
        double[][] reference = twoPass(values, rows, columns);
        for (int cut : new int[] {0, 1, 250, 499, 500}) {
            RunningMoments left = feed(Arrays.copyOfRange(values, 0, cut * columns), cut, columns, new int[] {33});
            RunningMoments right = feed(Arrays.copyOfRange(values, cut * columns, rows * columns), rows - cut,
                    columns, new int[] {1});
            left.merge(right);
            assertEquals(rows, left.count());
            assertClose(reference[0], left.mean(), 1e-12);
            assertClose(reference[1], left.variance(), 1e-10);
            // The merged-in accumulator is unchanged.
            assertEquals(rows - cut, right.count());
        }
        // Merging three partial sums in a tree.
        RunningMoments a = feed(Arrays.copyOfRange(values, 0, 100 * columns), 100, columns, new int[] {10});
        RunningMoments b = feed(Arrays.copyOfRange(values, 100 * columns, 300 * columns), 200, columns, new int[] {9});
        RunningMoments c = feed(Arrays.copyOfRange(values, 300 * columns, rows * columns), 200, columns, new int[] {200});
        b.merge(c);
        a.merge(b);
        assertClose(reference[0], a.mean(), 1e-12);
        assertClose(reference[1], a.variance(), 1e-10);
    }

    @Test
    void emptyAccumulatorAndValidation() {
        RunningMoments m = new RunningMoments(2);
        assertEquals(2, m.columns());
        assertEquals(0, m.count());
        assertArrayEquals(new double[2], m.mean());
        assertArrayEquals(new double[2], m.variance());
        m.add(new float[0], 0);
        m.add(new float[4], -1);
        assertEquals(0, m.count());
        assertThrows(IllegalArgumentException.class, () -> m.add(new float[3], 2));
        assertThrows(IllegalArgumentException.class, () -> m.merge(new RunningMoments(3)));
        m.merge(new RunningMoments(2));
        assertEquals(0, m.count());
        m.add(new float[] {1, 10, 3, 30}, 2);
        m.merge(new RunningMoments(2));
        assertArrayEquals(new double[] {2, 20}, m.mean());
        assertArrayEquals(new double[] {1, 100}, m.variance(), 1e-12);
        // Accessors return copies.
        m.mean()[0] = 99;
        m.variance()[0] = 99;
        assertEquals(2, m.mean()[0]);
        assertEquals(1, m.variance()[0], 1e-12);
    }
}

package org.odf2nna.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.network.OutputHead;

/** Training rows streamed from disk: every row once per epoch, block-shuffled, in a window that does not grow. */
class StreamedRowsTest {

    /** Inputs per row (wide enough that a window holds fewer rows than the larger tests have). */
    private static final int W = 50;

    /**
     * Rows whose first input is their index, the second its square root, the others 0; target = index mod 3; soft
     * targets 0.25 and the index.
     */
    private static StreamedRows rows(int n) {
        StreamedRows.Writer writer = StreamedRows.writer(W, 2);
        for (int from = 0; from < n; from += 1000) {
            int k = Math.min(1000, n - from);
            float[] x = new float[W * k];
            float[] y = new float[k];
            float[] s = new float[2 * k];
            for (int r = 0; r < k; r++) {
                x[W * r] = from + r;
                x[W * r + 1] = (float) Math.sqrt(from + r);
                y[r] = (from + r) % 3;
                s[2 * r] = 0.25f;
                s[2 * r + 1] = from + r;
            }
            writer.append(x, y, s, k);
        }
        return writer.finish();
    }

    /** What one epoch saw: how often each row came, the batch sizes, and how many windows it read. */
    private static int[] epoch(StreamedRows rows, int batch, long seed, int[] sizes) {
        int[] seen = new int[rows.rows()];
        int[] batches = {0};
        rows.epoch(new Random(seed), batch, (x, y, s, n) -> {
            for (int r = 0; r < n; r++) {
                int id = (int) x[W * r];
                seen[id]++;
                assertEquals((float) Math.sqrt(id), x[W * r + 1]);
                assertEquals(id % 3, y[r]);
                assertEquals(id, s[2 * r + 1]);
            }
            sizes[batches[0]++] = n;
        });
        return seen;
    }

    @Test
    void everyRowOncePerEpochInFullBatches() {
        try (StreamedRows rows = rows(100_000)) {
            int[] sizes = new int[100_000 / 32 + 1];
            int[] seen = epoch(rows, 32, 7, sizes);
            for (int r = 0; r < seen.length; r++) {
                assertEquals(1, seen[r], "row " + r);
            }
            // As many steps as a permutation of every row gives: full batches, then the remainder.
            for (int b = 0; b < sizes.length - 1; b++) {
                assertEquals(32, sizes[b]);
            }
            assertEquals(100_000 % 32, sizes[sizes.length - 1]);
        }
    }

    @Test
    void theRowsHeldAtOnceDoNotGrowWithTheRows() {
        try (StreamedRows small = rows(80_000); StreamedRows large = rows(320_000)) {
            epoch(small, 64, 1, new int[80_000 / 64 + 1]);
            epoch(large, 64, 1, new int[320_000 / 64 + 1]);
            // A window of rows is all an epoch holds: the same for 4 times the rows, and a small share of them.
            assertEquals(small.maxRowsHeld(), large.maxRowsHeld());
            assertTrue(large.maxRowsHeld() <= StreamedRows.WINDOW_VALUES / (W + 3), "held " + large.maxRowsHeld());
            assertTrue(large.maxRowsHeld() < 320_000 / 8, "held " + large.maxRowsHeld());
        }
    }

    @Test
    void batchesMixRowsFromAllOverTheFile() {
        try (StreamedRows rows = rows(200_000)) {
            int[] spread = {0};
            int[] batches = {0};
            rows.epoch(new Random(3), 256, (x, y, s, n) -> {
                float lo = Float.MAX_VALUE;
                float hi = -1;
                for (int r = 0; r < n; r++) {
                    lo = Math.min(lo, x[W * r]);
                    hi = Math.max(hi, x[W * r]);
                }
                spread[0] += hi - lo > 50_000 ? 1 : 0;
                batches[0]++;
            });
            // Rows of a batch come from a window of chunks drawn from anywhere: most batches span much of the file.
            assertTrue(spread[0] > batches[0] * 0.9, spread[0] + " of " + batches[0]);
        }
    }

    @Test
    void epochsDifferAndRepeatWithTheSeed() {
        try (StreamedRows rows = rows(10_000)) {
            float[][] first = new float[3][];
            long[] seeds = {5, 5, 6};
            for (int i = 0; i < 3; i++) {
                float[][] out = new float[1][];
                rows.epoch(new Random(seeds[i]), 10_000, (x, y, s, n) -> out[0] = x.clone());
                first[i] = out[0];
            }
            assertArrayEquals(first[0], first[1]);
            assertFalse(java.util.Arrays.equals(first[0], first[2]));
        }
    }

    @Test
    void headSampleAndColumnsReadTheFile() {
        try (StreamedRows rows = rows(50_000)) {
            TrainingData head = rows.head(10);
            assertEquals(10, head.rows());
            assertEquals(9f, head.inputs()[9 * W]);
            TrainingData sample = rows.sample(1_000, 4);
            assertEquals(1_000, sample.rows());
            for (int r = 1; r < sample.rows(); r++) {
                assertTrue(sample.inputs()[W * r] > sample.inputs()[W * r - W], "in stored order");
            }
            assertEquals(50_000, rows.sample(60_000, 4).rows());
            TrainingSet second = rows.keepColumns(new int[] {1});
            assertEquals(1, second.width());
            assertEquals(3f, second.head(10).inputs()[9]);
            assertArrayEquals(new double[] {0, 2}, rows.targetBounds());
            long[] count = {0};
            rows.inOrder(777, 5_000, (x, y, s, n) -> count[0] += n);
            assertEquals(5_000, count[0]);
        }
    }

    @Test
    void closeDeletesTheFile() {
        StreamedRows rows = rows(100);
        Path file = rows.file();
        assertTrue(Files.exists(file));
        rows.close();
        assertFalse(Files.exists(file));
    }

    @Test
    void momentsTakenInBlocksAreTheMomentsOfAllRows() {
        Random random = new Random(9);
        int n = 5_003;
        float[] x = new float[n * 3];
        float[] y = new float[n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (100 + 30 * random.nextGaussian());
        }
        for (int r = 0; r < n; r++) {
            y[r] = (float) (5 * random.nextGaussian() - 2);
        }
        Conditioning whole = Conditioning.fit(new TrainingData(x, y, n, 3), Loss.MEAN_SQUARED_ERROR, OutputHead.NONE);
        Conditioning.Moments blocks = new Conditioning.Moments(3);
        for (int from = 0; from < n; from += 1000) {
            int k = Math.min(1000, n - from);
            blocks.add(java.util.Arrays.copyOfRange(x, from * 3, (from + k) * 3),
                    java.util.Arrays.copyOfRange(y, from, from + k), k);
        }
        Conditioning streamed = blocks.conditioning(Loss.MEAN_SQUARED_ERROR, OutputHead.NONE);
        assertArrayEquals(whole.inputMean(), streamed.inputMean());
        assertArrayEquals(whole.inputScale(), streamed.inputScale());
        assertEquals(whole.targetMean(), streamed.targetMean());
        assertEquals(whole.targetScale(), streamed.targetScale());
    }
}

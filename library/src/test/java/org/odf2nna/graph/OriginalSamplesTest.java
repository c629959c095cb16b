package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class OriginalSamplesTest {

    @Test
    void aBlocksBatchesComeBackFromDiskAsTheyWereAdded() {
        OriginalSamples.Block block = new OriginalSamples.Block(new long[] {1, 3}, 3);
        float[] first = {1, 2, 3, 4, 5, 6};
        float[] firstResidual = {-1, -2, -3, -4, -5, -6};
        float[] second = {7.5f, Float.MIN_VALUE, -0f};
        block.add(first, firstResidual);
        block.add(second, new float[] {9, 9, 9});
        block.flush();
        assertEquals(2, block.batches());
        assertEquals(2, block.samples(0));
        assertEquals(1, block.samples(1));
        assertEquals(18, block.floats(), "both sides counted");
        assertArrayEquals(first, block.batch(0)[0]);
        assertArrayEquals(firstResidual, block.batch(0)[1]);
        assertArrayEquals(second, block.batch(1)[0]);
        block.discard();
    }

    @Test
    void aBlockWithoutResidualReadsNullForIt() {
        OriginalSamples.Block block = new OriginalSamples.Block(new long[] {1, 2}, 2);
        block.add(new float[] {1, 2}, null);
        block.flush();
        assertNull(block.batch(0)[1]);
        assertEquals(2, block.floats());
        block.discard();
    }
}

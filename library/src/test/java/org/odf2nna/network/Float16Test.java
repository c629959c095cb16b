package org.odf2nna.network;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class Float16Test {

    @Test
    void knownValuesRoundToNearestEven() {
        assertEquals(0.0999755859375f, Float16.round(0.1f));
        assertEquals((short) 0x2e66, Float16.toBits(0.1f));
        assertEquals((short) 0x3c00, Float16.toBits(1f));
        assertEquals((short) 0xc000, Float16.toBits(-2f));
        assertEquals((short) 0x7bff, Float16.toBits(65504f));
        assertEquals(65504f, Float16.round(65519f));
        assertEquals(Float.POSITIVE_INFINITY, Float16.round(65520f), "the tie goes to the even: infinity");
        assertEquals(Float.NEGATIVE_INFINITY, Float16.round(-1e6f));
        assertTrue(Float.isNaN(Float16.round(Float.NaN)));
        // Ties between halves go to the even mantissa.
        assertEquals(1f, Float16.round(1f + 0x1p-11f));
        assertEquals(1f + 0x1p-9f, Float16.round(1f + 3 * 0x1p-11f));
        assertEquals(1f + 0x1p-10f, Float16.round(1f + 0x1p-11f + 0x1p-20f));
        // Subnormals: multiples of 2^-24; the largest rounds up into the smallest normal.
        assertEquals((short) 0x0001, Float16.toBits(0x1p-24f));
        assertEquals(0x1p-24f, Float16.round(0x1p-24f));
        assertEquals(0f, Float16.round(0x1p-25f), "the tie at half the smallest subnormal goes to zero");
        assertEquals(0x1p-24f, Float16.round(0x1.8p-25f));
        assertEquals(0x3ffp-24f, Float16.round(0x3ffp-24f));
        assertEquals((short) 0x0400, Float16.toBits(0x3ff.cp-24f));
        assertEquals(Float16.MIN_NORMAL, Float16.toFloat((short) 0x0400));
        assertEquals(0f, Float16.round(1e-9f));
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(Float16.round(-0f)));
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(Float16.round(-1e-9f)));
    }

    @Test
    void everyHalfComesBackAndRoundingIsTheNearest() {
        for (int h = 0; h < 0x10000; h++) {
            float v = Float16.toFloat((short) h);
            if (Float.isNaN(v)) {
                continue;
            }
            assertEquals((short) h, Float16.toBits(v), Integer.toHexString(h));
        }
        Random random = new Random(7);
        for (int k = 0; k < 100_000; k++) {
            float v = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(12) - 8));
            float r = Float16.round(v);
            short h = Float16.toBits(v);
            // No other half is nearer: the neighbours on either side are at least as far.
            float up = Float16.toFloat((short) (h + 1)); // sign and magnitude: one step away from zero
            float down = Float16.toFloat((short) (h - 1));
            double d = Math.abs((double) v - r);
            assertTrue(d <= Math.abs((double) v - up), v + " -> " + r + ", not " + up);
            if ((h & 0x7fff) != 0) {
                assertTrue(d <= Math.abs((double) v - down), v + " -> " + r + ", not " + down);
            }
        }
        assertTrue(Float16.exact(new float[] {0.0999755859375f, 65504f, 0x1p-24f, -0f}));
        assertFalse(Float16.exact(new float[] {0.1f}));
        assertFalse(Float16.exact(new float[] {Float.POSITIVE_INFINITY}));
    }

    @Test
    void wideLayersHoldHalfScalesAndBiasesInEitherForm() {
        Random random = new Random(5);
        DenseNetwork net = TestNetworks.random(random, new int[] {20, 40, 5}, Activation.RELU, OutputHead.NONE);
        DenseNetwork q = Int8Quantization.quantize(net, Int8Quantization.all(net), true);
        DenseLayer wide = q.layer(0);
        Int8Quantization.Codes codes = Int8Quantization.exactCodes(wide);
        assertNotNull(codes);
        assertTrue(Int8Quantization.halfStored(codes.scales()));
        assertTrue(Int8Quantization.halfStored(wide.bias()));
        for (int j = 0; j < wide.units(); j++) {
            assertEquals(Float16.round(net.layer(0).bias()[j]), wide.bias()[j]);
        }
        // The weight-only form the same; fewer units than HALF_MIN_UNITS, or one layer quantized by itself: float
        // scales and the bias as it was.
        DenseNetwork weightOnly = Int8Quantization.quantize(net, Int8Quantization.all(net), false);
        assertArrayEquals(wide.weights(), weightOnly.layer(0).weights());
        assertArrayEquals(wide.bias(), weightOnly.layer(0).bias());
        assertArrayEquals(net.layer(1).bias(), q.layer(1).bias());
        assertArrayEquals(net.layer(0).bias(), Int8Quantization.quantize(net.layer(0)).bias());
        // Quantizing again changes nothing.
        DenseNetwork again = Int8Quantization.quantize(q, Int8Quantization.all(q), true);
        for (int l = 0; l < 2; l++) {
            assertArrayEquals(q.layer(l).weights(), again.layer(l).weights());
            assertArrayEquals(q.layer(l).bias(), again.layer(l).bias());
        }
    }
}

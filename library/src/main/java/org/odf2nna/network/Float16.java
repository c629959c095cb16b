package org.odf2nna.network;

/**
 * IEEE 754 half precision (binary16), exactly: float to its nearest half (round to nearest, ties to even, as ONNX
 * Runtime's Cast to float16 rounds) and back. Java 17 has no {@code Float.floatToFloat16}; every step here is exact
 * double arithmetic, so the values the tool judges are the ones a float16 tensor holds.
 */
public final class Float16 {

    /** The largest finite half. */
    public static final float MAX = 65504f;

    /** The smallest positive normal half: below it halves lose precision (subnormals). */
    public static final float MIN_NORMAL = 0x1p-14f;

    private Float16() {
    }

    /** The half nearest {@code value} (ties to even), as its 16 bits; beyond the range, infinity. */
    public static short toBits(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        if (Float.isNaN(value)) {
            return (short) (sign | 0x7e00);
        }
        double a = Math.abs((double) value);
        if (a >= 65520.0) { // 65504 plus half its step: rounds (to even) to infinity
            return (short) (sign | 0x7c00);
        }
        if (a < MIN_NORMAL) {
            // Subnormal: a multiple of 2^-24; 1024 of them is the smallest normal, whose bits are 0x0400 too.
            return (short) (sign | (int) Math.rint(a * 0x1p24));
        }
        int exponent = Math.getExponent(a);
        int mantissa = (int) Math.rint(Math.scalb(a, -exponent) * 1024); // in [1024, 2048]: a carry is the next power
        return (short) (sign | (((exponent + 15) << 10) + mantissa - 1024));
    }

    /** The value of a half's 16 bits. */
    public static float toFloat(short half) {
        int h = half & 0xffff;
        float sign = (h & 0x8000) != 0 ? -1f : 1f;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) {
            return mantissa == 0 ? sign * Float.POSITIVE_INFINITY : Float.NaN;
        }
        if (exponent == 0) {
            return sign * Math.scalb((float) mantissa, -24);
        }
        return sign * Math.scalb((float) (1024 + mantissa), exponent - 25);
    }

    /** {@code value} rounded to the nearest half, as a float (exact: every half is a float). */
    public static float round(float value) {
        return toFloat(toBits(value));
    }

    /** Whether every value is a half already (finite), so that storing it as float16 changes nothing. */
    public static boolean exact(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v) || Float.floatToRawIntBits(round(v)) != Float.floatToRawIntBits(v)) {
                return false;
            }
        }
        return true;
    }
}

package org.odf2nna.data;

/** uint8 image values held as bytes, read as the model takes them: each byte's value / 255. */
public final class UnitPixels {

    private UnitPixels() {
    }

    /** {@code n} values of {@code pixels} from {@code from}, /255, into {@code into} from {@code at}. */
    public static void decode(byte[] pixels, int from, float[] into, int at, int n) {
        for (int i = 0; i < n; i++) {
            into[at + i] = (pixels[from + i] & 0xFF) / 255f;
        }
    }
}

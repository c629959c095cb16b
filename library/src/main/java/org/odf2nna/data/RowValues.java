package org.odf2nna.data;

import java.util.Arrays;

/**
 * Rows of one input's values, row-major, {@code width} a row: floats, or a detector's uint8 images held as their bytes
 * (a quarter of their floats: 3,000 images of 160 x 160 are 230 MB, not 922), each byte read as {@code value / 255}, as
 * Ultralytics feeds a YOLO, and handed out as floats a few rows at a time. What the graph rows and the retrainer's rows
 * both hold.
 *
 * @param floats the values, or null when they are held as {@code pixels}
 * @param pixels the images' bytes, or null when the values are held as {@code floats}
 * @param width  values per row (0 only for no rows)
 */
public record RowValues(float[] floats, byte[] pixels, int width) {

    public RowValues {
        if ((floats == null) == (pixels == null)) {
            throw new IllegalArgumentException("rows hold either float values or a detector's pixels");
        }
        if (width < 0 || width == 0 && (floats != null ? floats.length : pixels.length) > 0) {
            throw new IllegalArgumentException("width " + width);
        }
    }

    public static RowValues floats(float[] values, int width) {
        return new RowValues(values, null, width);
    }

    public static RowValues pixels(byte[] pixels, int width) {
        return new RowValues(null, pixels, width);
    }

    /** Whether the values are held as a detector's image bytes. */
    public boolean heldAsPixels() {
        return pixels != null;
    }

    public int count() {
        return width == 0 ? 0 : (pixels != null ? pixels.length : floats.length) / width;
    }

    /**
     * Every row's values: the array held, or for images held as bytes a new array of all of them (a copy the size of
     * the images as floats; {@link #values} hands out a few rows).
     */
    public float[] all() {
        return pixels == null ? floats : values(0, count());
    }

    /** Rows {@code start .. start+n}'s values, row-major, in a new array. */
    public float[] values(int start, int n) {
        if (pixels == null) {
            return Arrays.copyOfRange(floats, start * width, (start + n) * width);
        }
        float[] v = new float[n * width];
        decode(start * width, v, 0, v.length);
        return v;
    }

    /** Rows {@code rows}, in that order, in a new array. */
    public float[] gather(int[] rows) {
        float[] v = new float[rows.length * width];
        for (int i = 0; i < rows.length; i++) {
            int from = rows[i] * width;
            if (pixels == null) {
                System.arraycopy(floats, from, v, i * width, width);
            } else {
                decode(from, v, i * width, width);
            }
        }
        return v;
    }

    /** The first {@code n} rows, in arrays of their own. */
    public RowValues first(int n) {
        return pixels == null ? floats(Arrays.copyOf(floats, n * width), width)
                : pixels(Arrays.copyOf(pixels, n * width), width);
    }

    /** A hash of every value (the images' bytes where they are held so), for keys of what was computed on them. */
    public int valuesHash() {
        return pixels == null ? Arrays.hashCode(floats) : 31 * Arrays.hashCode(pixels) + 255;
    }

    private void decode(int from, float[] into, int at, int n) {
        for (int i = 0; i < n; i++) {
            into[at + i] = (pixels[from + i] & 0xFF) / 255f;
        }
    }
}

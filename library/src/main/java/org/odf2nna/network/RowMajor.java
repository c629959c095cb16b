package org.odf2nna.network;

/**
 * Rows of values laid out row-major, as the forward pass and the trainers take them: a row's values side by side,
 * the rows one after another.
 */
public final class RowMajor {

    private RowMajor() {
    }

    /**
     * The given columns of {@code rows} rows of {@code width} values each, in the given order.
     *
     * @param kept column indices in {@code [0, width)}
     */
    public static float[] keepColumns(float[] values, int rows, int width, int[] kept) {
        float[] out = new float[rows * kept.length];
        for (int r = 0; r < rows; r++) {
            int from = r * width;
            int to = r * kept.length;
            for (int k = 0; k < kept.length; k++) {
                out[to + k] = values[from + kept[k]];
            }
        }
        return out;
    }

    /** {@code values}, {@code rows} rows of {@code cols} values each, transposed: {@code cols} rows of {@code rows}. */
    public static float[] transposed(float[] values, int rows, int cols) {
        float[] t = new float[values.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = values[r * cols + c];
            }
        }
        return t;
    }
}

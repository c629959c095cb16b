package org.odf2nna.keras;

/**
 * Weights from ONNX's layouts back to Keras' as the nested Java arrays jhdf writes: a Conv kernel
 * {@code [out, in, k...]} as {@code [k..., in, out]}, a depthwise kernel {@code [C·m, 1, kh, kw]} as
 * {@code [kh, kw, C, m]}; the inverse of {@link KerasConvLayers#toOnnx} and {@link KerasConvLayers#depthwiseToOnnx}.
 * And a dense layer's weights as the float or double arrays of the datasets they replace.
 */
final class KerasArrays {

    private KerasArrays() {
    }

    /** An ONNX Conv kernel of {@code dims} as a Keras kernel, nested. */
    static Object convToKeras(float[] onnx, long[] dims) {
        int outs = (int) dims[0];
        int in = (int) dims[1];
        int spatial = dims.length - 2;
        int taps = 1;
        int[] shape = new int[dims.length];
        for (int i = 0; i < spatial; i++) {
            taps *= (int) dims[i + 2];
            shape[i] = (int) dims[i + 2];
        }
        shape[spatial] = in;
        shape[spatial + 1] = outs;
        float[] keras = new float[onnx.length];
        for (int p = 0; p < taps; p++) {
            for (int i = 0; i < in; i++) {
                for (int o = 0; o < outs; o++) {
                    keras[(p * in + i) * outs + o] = onnx[(o * in + i) * taps + p];
                }
            }
        }
        return nested(keras, shape);
    }

    /** An ONNX depthwise kernel {@code [C·m, 1, kh, kw]} as Keras' {@code [kh, kw, C, m]}, nested. */
    static Object depthwiseToKeras(float[] onnx, long[] dims, int m) {
        int kh = (int) dims[2];
        int kw = (int) dims[3];
        int channels = (int) (dims[0] / m);
        int taps = kh * kw;
        float[] keras = new float[onnx.length];
        for (int p = 0; p < taps; p++) {
            for (int ch = 0; ch < channels; ch++) {
                for (int j = 0; j < m; j++) {
                    keras[(p * channels + ch) * m + j] = onnx[(ch * m + j) * taps + p];
                }
            }
        }
        return nested(keras, new int[] {kh, kw, channels, m});
    }

    /** A row-major matrix of {@code dims} transposed. */
    static float[] transpose(float[] m, long[] dims) {
        int rows = (int) dims[0];
        int cols = (int) dims[1];
        float[] t = new float[m.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = m[r * cols + c];
            }
        }
        return t;
    }

    /** Row-major values as nested float arrays of {@code shape} (a float[] for one dimension). */
    static Object nested(float[] values, int[] shape) {
        return nested(values, shape, 0, 0);
    }

    private static Object nested(float[] values, int[] shape, int axis, int offset) {
        if (axis == shape.length - 1) {
            float[] row = new float[shape[axis]];
            System.arraycopy(values, offset, row, 0, row.length);
            return row;
        }
        int stride = 1;
        for (int i = axis + 1; i < shape.length; i++) {
            stride *= shape[i];
        }
        Class<?> component = java.lang.reflect.Array.newInstance(float.class, new int[shape.length - axis - 1])
                .getClass();
        Object out = java.lang.reflect.Array.newInstance(component, shape[axis]);
        for (int i = 0; i < shape[axis]; i++) {
            java.lang.reflect.Array.set(out, i, nested(values, shape, axis + 1, offset + i * stride));
        }
        return out;
    }

    /** A row-major matrix as the nested array jhdf writes, as doubles where the dataset it replaces held doubles. */
    static Object matrix(float[] values, int rows, int cols, boolean float64) {
        if (float64) {
            double[][] m = new double[rows][cols];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    m[r][c] = values[r * cols + c];
                }
            }
            return m;
        }
        float[][] m = new float[rows][cols];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(values, r * cols, m[r], 0, cols);
        }
        return m;
    }

    /** A vector as the array jhdf writes, as doubles where the dataset it replaces held doubles. */
    static Object vector(float[] values, boolean float64) {
        if (!float64) {
            return values.clone();
        }
        double[] v = new double[values.length];
        for (int k = 0; k < v.length; k++) {
            v[k] = values[k];
        }
        return v;
    }

    /** Whether every value is zero (a bias that need not be written). */
    static boolean allZero(float[] v) {
        for (float x : v) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}

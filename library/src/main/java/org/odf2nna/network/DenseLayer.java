package org.odf2nna.network;

import java.util.Arrays;
import java.util.Objects;

/**
 * One fully connected layer: {@code y = activation(x · W + b)}.
 *
 * <p>{@code weights} is row-major {@code [inputs][units]} (the TensorFlow/Keras and ONNX MatMul
 * layout), so that dropping unit {@code j} removes column {@code j} here and row {@code j} of the next
 * layer. Arrays are copied in and never mutated, which keeps the record a value.
 *
 * <p>{@code quantizedInputs}: the layer runs on integer kernels as ONNX Runtime's dynamic int8 form does (its inputs
 * quantized to uint8 per row, its int8 weights, see {@link Int8Quantization#dynamicPreActivations}); the methods
 * that derive a new layer (other weights, units or inputs) return a float layer.
 */
public record DenseLayer(int inputs, int units, float[] weights, float[] bias, Activation activation,
        boolean quantizedInputs) {

    public DenseLayer(int inputs, int units, float[] weights, float[] bias, Activation activation) {
        this(inputs, units, weights, bias, activation, false);
    }

    public DenseLayer {
        Objects.requireNonNull(activation, "activation");
        if (inputs <= 0 || units <= 0) {
            throw new IllegalArgumentException("a dense layer needs at least one input and one unit, got "
                    + inputs + "x" + units);
        }
        if (weights.length != (long) inputs * units) {
            throw new IllegalArgumentException("weights hold " + weights.length + " values, expected "
                    + inputs + "x" + units);
        }
        if (bias.length != units) {
            throw new IllegalArgumentException("bias holds " + bias.length + " values, expected " + units);
        }
        weights = weights.clone();
        bias = bias.clone();
    }

    public float weight(int input, int unit) {
        return weights[input * units + unit];
    }

    /** Copies, so the caller cannot change this layer. */
    @Override
    public float[] weights() {
        return weights.clone();
    }

    @Override
    public float[] bias() {
        return bias.clone();
    }

    public long parameterCount() {
        return (long) inputs * units + units;
    }

    /** The weights of one unit (a column of W), in input order. */
    public float[] unitWeights(int unit) {
        float[] column = new float[inputs];
        for (int i = 0; i < inputs; i++) {
            column[i] = weights[i * units + unit];
        }
        return column;
    }

    /** The weights leaving one input (a row of W), in unit order. */
    public float[] inputWeights(int input) {
        return Arrays.copyOfRange(weights, input * units, (input + 1) * units);
    }

    /** This layer restricted to the given output units, in the given order. */
    public DenseLayer keepUnits(int[] kept) {
        float[] w = new float[inputs * kept.length];
        float[] b = new float[kept.length];
        for (int k = 0; k < kept.length; k++) {
            b[k] = bias[kept[k]];
        }
        // Row by row: a column at a time strode through the whole matrix once per kept unit (seconds at 4096 wide).
        for (int i = 0; i < inputs; i++) {
            int from = i * units;
            int to = i * kept.length;
            for (int k = 0; k < kept.length; k++) {
                w[to + k] = weights[from + kept[k]];
            }
        }
        return new DenseLayer(inputs, kept.length, w, b, activation);
    }

    /** This layer restricted to the given inputs, in the given order. */
    public DenseLayer keepInputs(int[] kept) {
        float[] w = new float[kept.length * units];
        for (int k = 0; k < kept.length; k++) {
            System.arraycopy(weights, kept[k] * units, w, k * units, units);
        }
        return new DenseLayer(kept.length, units, w, bias, activation);
    }

    /** Values computed in double, each rounded to float once: how weights computed in double become a layer's. */
    public static float[] rounded(double[] values) {
        float[] f = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            f[i] = (float) values[i];
        }
        return f;
    }

    public DenseLayer withBias(float[] newBias) {
        return new DenseLayer(inputs, units, weights, newBias, activation);
    }

    public DenseLayer withWeights(float[] newWeights, float[] newBias) {
        return new DenseLayer(inputs, units, newWeights, newBias, activation);
    }

    /** Rows whose sums a pre-activation pass keeps at once (16 × 4,096 doubles: 512 KB), each weight row widened to double once per block. */
    static final int ROW_BLOCK = 16;

    /**
     * Pre-activations {@code x · W + b} for {@code rows} rows of {@code x} (row-major), accumulated in
     * double so that this can serve as the reference the runtimes are checked against.
     */
    public float[] preActivations(float[] x, int rows) {
        if (x.length < (long) rows * inputs) {
            throw new IllegalArgumentException("input holds " + x.length + " values, need " + rows + "x" + inputs);
        }
        if (quantizedInputs) {
            return Int8Quantization.dynamicPreActivations(this, x, rows);
        }
        // Rows in blocks: each weight row is read once per block, not once per row (a 4,096-wide layer's weights are
        // 64 MB, so row by row the pass was bound by memory). Each output sums in the same order, so the same bits.
        float[] out = new float[rows * units];
        double[] acc = new double[Math.min(rows, ROW_BLOCK) * units];
        double[] row = new double[units];
        for (int from = 0; from < rows; from += ROW_BLOCK) {
            int n = Math.min(ROW_BLOCK, rows - from);
            for (int b = 0; b < n; b++) {
                for (int j = 0; j < units; j++) {
                    acc[b * units + j] = bias[j];
                }
            }
            for (int i = 0; i < inputs; i++) {
                int wBase = i * units;
                for (int j = 0; j < units; j++) {
                    row[j] = weights[wBase + j]; // widened once per block, not once per row: the same doubles
                }
                for (int b = 0; b < n; b++) {
                    double xi = x[(from + b) * inputs + i];
                    if (xi == 0) {
                        continue;
                    }
                    int aBase = b * units;
                    for (int j = 0; j < units; j++) {
                        acc[aBase + j] += xi * row[j];
                    }
                }
            }
            for (int k = 0; k < n * units; k++) {
                out[from * units + k] = (float) acc[k];
            }
        }
        return out;
    }

    /**
     * One row's pre-activations {@code x · W + b} in double, not rounded: each unit's sum input by input, none
     * skipped (least-squares compensation's at the input means, a normalisation's shift folded into the bias).
     */
    public double[] preActivation(double[] x) {
        double[] z = new double[units];
        for (int j = 0; j < units; j++) {
            z[j] = bias[j];
        }
        for (int i = 0; i < inputs; i++) {
            double xi = x[i];
            int row = i * units;
            for (int j = 0; j < units; j++) {
                z[j] += xi * weights[row + j];
            }
        }
        return z;
    }

    /** Outputs {@code activation(x · W + b)} for {@code rows} rows. */
    public float[] forward(float[] x, int rows) {
        float[] out = preActivations(x, rows);
        if (activation.kind() != Activation.Kind.IDENTITY) {
            for (int k = 0; k < out.length; k++) {
                out[k] = activation.apply(out[k]);
            }
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DenseLayer other
                && inputs == other.inputs && units == other.units
                && Arrays.equals(weights, other.weights) && Arrays.equals(bias, other.bias)
                && activation.equals(other.activation) && quantizedInputs == other.quantizedInputs;
    }

    @Override
    public int hashCode() {
        return Objects.hash(inputs, units, Arrays.hashCode(weights), Arrays.hashCode(bias), activation, quantizedInputs);
    }

    @Override
    public String toString() {
        return "DenseLayer[" + inputs + "->" + units + ", " + activation + (quantizedInputs ? ", int8 inputs" : "")
                + "]";
    }
}

package org.odf2nna.network;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The format-free picture of a dense feed-forward network that every reader produces and every writer
 * consumes: an input prefix that is kept as it is, a chain of dense layers, and an output head.
 *
 * <p>Layers {@code 0 .. size-2} are the hidden layers, whose units may be pruned; the last layer
 * produces the outputs and keeps all its units. The forward pass here works on the <em>chain input</em>
 * (what the prefix produces), in plain Java, and is the reference the runtimes are checked against.
 */
public record DenseNetwork(InputPrefix prefix, List<DenseLayer> layers, OutputHead head) {

    public DenseNetwork {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(head, "head");
        layers = List.copyOf(layers);
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a dense network needs at least one layer");
        }
        for (int l = 1; l < layers.size(); l++) {
            if (layers.get(l).inputs() != layers.get(l - 1).units()) {
                throw new IllegalArgumentException("layer " + (l + 1) + " takes " + layers.get(l).inputs()
                        + " inputs but layer " + l + " has " + layers.get(l - 1).units() + " units");
            }
        }
    }

    public int inputs() {
        return layers.get(0).inputs();
    }

    public int outputs() {
        return layers.get(layers.size() - 1).units();
    }

    public int hiddenLayerCount() {
        return layers.size() - 1;
    }

    public DenseLayer layer(int index) {
        return layers.get(index);
    }

    public DenseLayer outputLayer() {
        return layers.get(layers.size() - 1);
    }

    /** Units of each hidden layer. */
    public int[] hiddenUnits() {
        int[] units = new int[hiddenLayerCount()];
        for (int l = 0; l < units.length; l++) {
            units[l] = layers.get(l).units();
        }
        return units;
    }

    /** Widths from input to output: {@code [inputs, hidden..., outputs]}. */
    public int[] widths() {
        int[] widths = new int[layers.size() + 1];
        widths[0] = inputs();
        for (int l = 0; l < layers.size(); l++) {
            widths[l + 1] = layers.get(l).units();
        }
        return widths;
    }

    /** Weights and biases of the dense chain (the prefix's own constants are not counted). */
    public long parameterCount() {
        long total = 0;
        for (DenseLayer layer : layers) {
            total += layer.parameterCount();
        }
        return total;
    }

    public DenseNetwork withLayers(List<DenseLayer> newLayers) {
        return new DenseNetwork(prefix, newLayers, head);
    }

    /** Network outputs (after the head) for {@code rows} rows of chain input. */
    public float[] forward(float[] chainInput, int rows) {
        float[] x = chainInput;
        for (DenseLayer layer : layers) {
            x = layer.forward(x, rows);
        }
        head.apply(x, rows, outputs());
        return x;
    }

    /** The output of every hidden layer (after its activation) for {@code rows} rows of chain input. */
    public List<float[]> hiddenOutputs(float[] chainInput, int rows) {
        List<float[]> outputs = new ArrayList<>();
        float[] x = chainInput;
        for (int l = 0; l < hiddenLayerCount(); l++) {
            x = layers.get(l).forward(x, rows);
            outputs.add(x);
        }
        return outputs;
    }

    /**
     * The first layer (0-based) holding a weight or bias that is NaN or infinite, or -1 when all are
     * finite numbers.
     */
    public int firstNonFiniteLayer() {
        for (int l = 0; l < layers.size(); l++) {
            for (float v : layers.get(l).weights()) {
                if (!Float.isFinite(v)) {
                    return l;
                }
            }
            for (float v : layers.get(l).bias()) {
                if (!Float.isFinite(v)) {
                    return l;
                }
            }
        }
        return -1;
    }

    /** Unit roundoff of float32. */
    private static final double FLOAT_ROUNDOFF = 0x1p-24;

    /**
     * A bound, per output value, on how far a runtime that computes this network in float32 (summing in any order)
     * can be from {@link #forward}: each dense layer adds (inputs + 2) · u · Σ|x_i·w_ij| + |b_j| for its own
     * rounding (the standard bound for a sum, u = 2^-24) to the error it receives through |W|, and activations and
     * head magnify errors by at most their Lipschitz constants. Weights with large terms that cancel (which a
     * least-squares refit can produce) legitimately widen the gap; a wrong graph misses by far more.
     */
    public double[] roundingBound(float[] chainInput, int rows) {
        int width = inputs();
        double[] bound = new double[rows * outputs()];
        // The weights once per layer, not once per row (a copy each: wide layers made this the slowest step).
        float[][] weights = new float[layers.size()][];
        for (int l = 0; l < layers.size(); l++) {
            weights[l] = layers.get(l).weights();
        }
        for (int r = 0; r < rows; r++) {
            double[] h = new double[width];
            for (int i = 0; i < width; i++) {
                h[i] = chainInput[r * width + i];
            }
            double[] e = new double[width];
            for (int l = 0; l < layers.size(); l++) {
                DenseLayer layer = layers.get(l);
                int units = layer.units();
                float[] w = weights[l];
                float[] b = layer.bias();
                double[] pre = new double[units];
                double[] size = new double[units];
                double[] received = new double[units];
                for (int j = 0; j < units; j++) {
                    pre[j] = b[j];
                    size[j] = Math.abs(b[j]);
                }
                for (int i = 0; i < layer.inputs(); i++) {
                    double hi = h[i];
                    double ei = e[i];
                    int base = i * units;
                    for (int j = 0; j < units; j++) {
                        double wij = w[base + j];
                        pre[j] += hi * wij;
                        size[j] += Math.abs(hi * wij);
                        received[j] += ei * Math.abs(wij);
                    }
                }
                double lipschitz = layer.activation().lipschitz();
                double[] nextH = new double[units];
                double[] nextE = new double[units];
                for (int j = 0; j < units; j++) {
                    nextH[j] = layer.activation().apply(pre[j]);
                    nextE[j] = lipschitz * (received[j] + (layer.inputs() + 2) * FLOAT_ROUNDOFF * size[j]);
                }
                h = nextH;
                e = nextE;
            }
            double head = this.head == OutputHead.LOG_SOFTMAX ? 2 : this.head == OutputHead.SIGMOID ? 0.25 : 1;
            double worst = 0;
            for (double v : e) {
                worst = Math.max(worst, v);
            }
            for (int j = 0; j < e.length; j++) {
                // Softmax and LogSoftmax mix every logit's error into each output.
                bound[r * e.length + j] = this.head == OutputHead.SOFTMAX || this.head == OutputHead.LOG_SOFTMAX
                        ? head * worst : head * e[j];
            }
        }
        return bound;
    }

    /** Widths as {@code 4-10-3}, the paper's way of writing an architecture. */
    public String architecture() {
        StringBuilder s = new StringBuilder();
        for (int w : widths()) {
            if (s.length() > 0) {
                s.append('-');
            }
            s.append(w);
        }
        return s.toString();
    }
}

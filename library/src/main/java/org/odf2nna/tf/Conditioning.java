package org.odf2nna.tf;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleUnaryOperator;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.OutputHead;

/**
 * Well-conditioned coordinates for training: inputs standardised per feature, and regression targets
 * standardised, with the first and last layers rewritten so the network computes exactly the same
 * function. Models often fold their input scaling into the first layer (raw 0..255 pixels with weights
 * divided by 255, say); Adam's step size is the same for every weight, so in raw coordinates it is far too
 * large for such a layer. After training, {@link #toModel} folds the maps back into the weights.
 *
 * <p>For input feature i with mean μ_i and scale σ_i, x' = (x − μ)/σ, and the first layer becomes
 * W'[i, :] = σ_i·W[i, :], b' = b + μ·W. For a regression target with mean m and scale s, y' = (y − m)/s
 * and the last layer becomes W'' = W/s, b'' = (b − m)/s (only without an output head, which is not linear).
 *
 * @param inputMean   μ per input feature
 * @param inputScale  σ per input feature (1 for constant features)
 * @param targetMean  m (0 when targets are not scaled)
 * @param targetScale s (1 when targets are not scaled)
 */
public record Conditioning(double[] inputMean, double[] inputScale, double targetMean, double targetScale) {

    public Conditioning {
        inputMean = inputMean.clone();
        inputScale = inputScale.clone();
    }

    /** Fits the maps on training rows; targets are scaled for regression with a linear output only. */
    public static Conditioning fit(TrainingData data, Loss loss, OutputHead head) {
        Moments moments = new Moments(data.width());
        moments.add(data.inputs(), data.targets(), data.rows());
        return moments.conditioning(loss, head);
    }

    /**
     * The running means and spreads {@link #fit} takes, rows added a block at a time (Welford's update, row by row in
     * the order added, so that blocks give the very maps the rows all at once would).
     */
    public static final class Moments {
        private final int width;
        private final double[] mean;
        private final double[] m2;
        private double targetMean;
        private double targetM2;
        private long rows;

        public Moments(int width) {
            this.width = width;
            this.mean = new double[width];
            this.m2 = new double[width];
        }

        /** Adds {@code n} rows of inputs (row-major) with their targets. */
        public void add(float[] x, float[] targets, int n) {
            for (int r = 0; r < n; r++) {
                long count = rows + r + 1;
                for (int c = 0; c < width; c++) {
                    double delta = x[r * width + c] - mean[c];
                    mean[c] += delta / count;
                    m2[c] += delta * (x[r * width + c] - mean[c]);
                }
                double delta = targets[r] - targetMean;
                targetMean += delta / count;
                targetM2 += delta * (targets[r] - targetMean);
            }
            rows += n;
        }

        /** The maps of the rows added; targets scaled for regression with a linear output only. */
        public Conditioning conditioning(Loss loss, OutputHead head) {
            double[] scale = new double[width];
            for (int c = 0; c < width; c++) {
                double sd = rows > 0 ? Math.sqrt(m2[c] / rows) : 0;
                scale[c] = sd > 1e-12 * Math.max(1, Math.abs(mean[c])) ? sd : 1;
            }
            double tMean = 0;
            double tScale = 1;
            if (loss == Loss.MEAN_SQUARED_ERROR && head == OutputHead.NONE && rows > 0) {
                double sd = Math.sqrt(targetM2 / rows);
                if (sd > 0) {
                    tMean = targetMean;
                    tScale = sd;
                }
            }
            return new Conditioning(mean, scale, tMean, tScale);
        }
    }

    /**
     * No change of coordinates: the network trains on the model's own inputs and targets. Only for measuring what
     * the standardisation buys (see {@code Retrainer}).
     */
    public static Conditioning identity(int width) {
        double[] scale = new double[width];
        java.util.Arrays.fill(scale, 1);
        return new Conditioning(new double[width], scale, 0, 1);
    }

    /** Rows {@code from .. from+rows-1} of inputs in training coordinates, mapped back to the model's (a new array). */
    public float[] toModelInputs(float[] standardised, int from, int rows) {
        int width = inputMean.length;
        float[] x = new float[rows * width];
        for (int r = 0; r < rows; r++) {
            int in = (from + r) * width;
            int out = r * width;
            for (int c = 0; c < width; c++) {
                x[out + c] = (float) (standardised[in + c] * inputScale[c] + inputMean[c]);
            }
        }
        return x;
    }

    /**
     * The maps for the given inputs only. Each input is standardised on its own, so this equals the
     * conditioning fitted on those columns alone.
     */
    public Conditioning keepInputs(int[] kept) {
        double[] mean = new double[kept.length];
        double[] scale = new double[kept.length];
        for (int k = 0; k < kept.length; k++) {
            mean[k] = inputMean[kept[k]];
            scale[k] = inputScale[kept[k]];
        }
        return new Conditioning(mean, scale, targetMean, targetScale);
    }

    /** The rows in training coordinates (new arrays). */
    public TrainingData apply(TrainingData data) {
        int width = data.width();
        float[] x = new float[data.rows() * width];
        float[] in = data.inputs();
        for (int r = 0; r < data.rows(); r++) {
            for (int c = 0; c < width; c++) {
                x[r * width + c] = (float) ((in[r * width + c] - inputMean[c]) / inputScale[c]);
            }
        }
        float[] y = new float[data.rows()];
        for (int r = 0; r < data.rows(); r++) {
            y[r] = (float) ((data.targets()[r] - targetMean) / targetScale);
        }
        return new TrainingData(x, y, data.rows(), width);
    }

    /** The same function, taking standardised inputs (and giving standardised regression outputs). */
    public DenseNetwork toTraining(DenseNetwork network) {
        List<DenseLayer> layers = new ArrayList<>(network.layers());
        layers.set(0, mapInputs(layers.get(0), true));
        if (targetScale != 1 || targetMean != 0) {
            mapLastLayer(layers, weight -> weight / targetScale, bias -> (bias - targetMean) / targetScale);
        }
        return network.withLayers(layers);
    }

    /** Folds the maps back: the network takes the model's own inputs and gives its own outputs again. */
    public DenseNetwork toModel(DenseNetwork network) {
        List<DenseLayer> layers = new ArrayList<>(network.layers());
        if (targetScale != 1 || targetMean != 0) {
            mapLastLayer(layers, weight -> weight * targetScale, bias -> bias * targetScale + targetMean);
        }
        layers.set(0, mapInputs(layers.get(0), false));
        return network.withLayers(layers);
    }

    /** Outputs in the model's coordinates mapped to training coordinates (regression targets standardised). */
    public float[] toTrainingOutputs(float[] outputs) {
        if (targetScale == 1 && targetMean == 0) {
            return outputs;
        }
        float[] y = new float[outputs.length];
        for (int k = 0; k < y.length; k++) {
            y[k] = (float) ((outputs[k] - targetMean) / targetScale);
        }
        return y;
    }

    /** Converts a mean squared error measured in training coordinates back to target units. */
    public double mseInTargetUnits(double mse) {
        return mse * targetScale * targetScale;
    }

    /**
     * The first layer taking standardised inputs ({@code toTraining}) or, the other way, the model's own inputs again:
     * each input's weights scaled, and what its mean contributed moved into the bias, computed in double and rounded
     * to float once.
     */
    private DenseLayer mapInputs(DenseLayer first, boolean toTraining) {
        int units = first.units();
        float[] w = first.weights();
        double[] b = toDouble(first.bias());
        for (int i = 0; i < first.inputs(); i++) {
            for (int j = 0; j < units; j++) {
                if (toTraining) {
                    b[j] += inputMean[i] * w[i * units + j];
                    w[i * units + j] = (float) (w[i * units + j] * inputScale[i]);
                } else {
                    double original = w[i * units + j] / inputScale[i];
                    w[i * units + j] = (float) original;
                    b[j] -= inputMean[i] * original;
                }
            }
        }
        return first.withWeights(w, DenseLayer.rounded(b));
    }

    /** Maps the last layer's weights and biases, each computed in double and rounded to float once. */
    private static void mapLastLayer(List<DenseLayer> layers, DoubleUnaryOperator weight, DoubleUnaryOperator bias) {
        int l = layers.size() - 1;
        DenseLayer last = layers.get(l);
        float[] lw = last.weights();
        float[] lb = last.bias();
        for (int k = 0; k < lw.length; k++) {
            lw[k] = (float) weight.applyAsDouble(lw[k]);
        }
        for (int j = 0; j < lb.length; j++) {
            lb[j] = (float) bias.applyAsDouble(lb[j]);
        }
        layers.set(l, last.withWeights(lw, lb));
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}

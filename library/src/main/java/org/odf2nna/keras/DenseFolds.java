package org.odf2nna.keras;

import java.util.ArrayList;
import java.util.List;

/**
 * A Dense layer as it is read, waiting for what follows it ({@link KerasReader}), and the BatchNormalization layers
 * folded into it: each an affine map per unit, folded into the kernel's columns and the bias when it follows the Dense,
 * into the kernel's rows and the bias when it comes before the next. Its own room because the folding is arithmetic
 * on arrays, where {@link KerasReader} reads the config and the weights.
 */
final class DenseFolds {

    private DenseFolds() {
    }

    /** A Dense layer with what follows it (activations; BatchNormalization before them is folded at once). */
    static final class Pending {
        final KerasModel.DenseBinding binding;
        final int inputs;
        final int units;
        final float[] kernel;
        final float[] bias;
        final List<KerasConfig.Step> steps = new ArrayList<>();

        Pending(KerasModel.DenseBinding binding, int inputs, int units, float[] kernel, float[] bias) {
            this.binding = binding;
            this.inputs = inputs;
            this.units = units;
            this.kernel = kernel;
            this.bias = bias;
        }
    }

    /** x → s·x + t per unit, from BatchNormalization layers that wait for the next Dense. */
    record Affine(float[] scale, float[] shift) {
    }

    /** BatchNormalization right after a Dense (before its activation): scale the units, shift the bias. */
    static void foldOutputAffine(Pending d, Affine a) {
        for (int j = 0; j < d.units; j++) {
            for (int i = 0; i < d.inputs; i++) {
                d.kernel[i * d.units + j] *= a.scale[j];
            }
            d.bias[j] = (float) ((double) d.bias[j] * a.scale[j] + a.shift[j]);
        }
    }

    /** BatchNormalization on a Dense layer's inputs: x ↦ s·x + t folded into the kernel rows and the bias. */
    static void foldInputAffine(Pending d, Affine a) {
        double[] shift = new double[d.units];
        for (int i = 0; i < d.inputs; i++) {
            for (int j = 0; j < d.units; j++) {
                float w = d.kernel[i * d.units + j];
                shift[j] += (double) a.shift[i] * w;
                d.kernel[i * d.units + j] = w * a.scale[i];
            }
        }
        for (int j = 0; j < d.units; j++) {
            d.bias[j] = (float) (d.bias[j] + shift[j]);
        }
    }

    static Affine compose(Affine first, Affine second) {
        float[] s = new float[first.scale.length];
        float[] t = new float[first.scale.length];
        for (int j = 0; j < s.length; j++) {
            s[j] = first.scale[j] * second.scale[j];
            t[j] = first.shift[j] * second.scale[j] + second.shift[j];
        }
        return new Affine(s, t);
    }
}

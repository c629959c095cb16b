package org.odf2nna.onnx;

import org.odf2nna.network.DenseLayer;

/** A BatchNormalization beside a dense layer, as per-unit scale and shift, folded into the layer's own weights. */
final class NormalisationFold {

    private NormalisationFold() {
    }

    /** Folds {@code y = scale·(xW + b) + shift} into the layer's own weights. */
    static DenseLayer intoOutputs(DenseLayer layer, float[] scale, float[] shift) {
        float[] w = layer.weights();
        float[] b = layer.bias();
        int units = layer.units();
        for (int i = 0; i < layer.inputs(); i++) {
            for (int j = 0; j < units; j++) {
                w[i * units + j] *= scale[j];
            }
        }
        for (int j = 0; j < units; j++) {
            b[j] = b[j] * scale[j] + shift[j];
        }
        return layer.withWeights(w, b);
    }

    /** Folds a normalisation of the layer's inputs, {@code x' = scale·x + shift}, into its weights. */
    static DenseLayer intoInputs(DenseLayer layer, float[] scale, float[] shift) {
        // The bias takes W·shift (the weights before scaling): the pre-activation at the shift.
        double[] at = new double[layer.inputs()];
        for (int i = 0; i < at.length; i++) {
            at[i] = shift[i];
        }
        float[] b = DenseLayer.rounded(layer.preActivation(at));
        float[] w = layer.weights();
        int units = layer.units();
        for (int i = 0; i < layer.inputs(); i++) {
            for (int j = 0; j < units; j++) {
                w[i * units + j] *= scale[i];
            }
        }
        return layer.withWeights(w, b);
    }
}

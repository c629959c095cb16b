package org.odf2nna.network;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Random starting weights for networks trained from scratch. */
public final class Initialization {

    private Initialization() {
    }

    /**
     * Glorot (Xavier) uniform weights, U(−a, a) with a = √(6 / (fan-in + fan-out)), and zero biases, as
     * Keras initialises Dense layers by default.
     *
     * @param widths  {@code [inputs, hidden..., outputs]}
     * @param hidden  activation of the hidden layers (the output layer has none)
     */
    public static DenseNetwork glorotUniform(int[] widths, Activation hidden, OutputHead head, long seed) {
        Random random = new Random(seed);
        List<DenseLayer> layers = new ArrayList<>();
        for (int l = 0; l + 1 < widths.length; l++) {
            int in = widths[l];
            int out = widths[l + 1];
            double limit = Math.sqrt(6.0 / (in + out));
            float[] w = new float[in * out];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) ((2 * random.nextDouble() - 1) * limit);
            }
            boolean last = l + 2 == widths.length;
            layers.add(new DenseLayer(in, out, w, new float[out], last ? Activation.IDENTITY : hidden));
        }
        return new DenseNetwork(InputPrefix.NONE, layers, head);
    }
}

package org.odf2nna.network;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Seeded random networks and inputs for tests in every package. */
public final class TestNetworks {

    private TestNetworks() {
    }

    /** Weights ~ N(0, 1/fan-in), biases ~ N(0, 0.01); hidden layers use {@code hidden}, the last none. */
    public static DenseNetwork random(Random random, int[] widths, Activation hidden, OutputHead head) {
        List<DenseLayer> layers = new ArrayList<>();
        for (int l = 0; l + 1 < widths.length; l++) {
            float[] w = new float[widths[l] * widths[l + 1]];
            float[] b = new float[widths[l + 1]];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (random.nextGaussian() / Math.sqrt(widths[l]));
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) (0.1 * random.nextGaussian());
            }
            boolean last = l + 2 == widths.length;
            layers.add(new DenseLayer(widths[l], widths[l + 1], w, b, last ? Activation.IDENTITY : hidden));
        }
        return new DenseNetwork(InputPrefix.NONE, layers, head);
    }

    public static float[] gaussian(Random random, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (scale * random.nextGaussian());
        }
        return x;
    }
}

package org.odf2nna.method;

import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.Int8Quantization;

/**
 * Which layers of a round take int8 weights, decided on the watched training rows only (the validation rows judge the
 * result and nothing else): a layer stays float when its int8 weights alone change more than
 * {@link #LAYER_SHARE} of the tolerance's share of the float network's predictions there (regression: raise its MSE
 * there by more than that share of the tolerance). Quantization should spend a small part of the budget pruning
 * spends; a layer that costs more is one int8 is too coarse for (a narrow layer, or one with outlying weights), and
 * keeping it float costs only its own bytes.
 */
final class Int8Fallback {

    /** The part of the tolerance one layer's int8 weights may spend on the watched training rows. */
    static final double LAYER_SHARE = 0.1;

    private Int8Fallback() {
    }

    /**
     * @param network the network the round would write as float
     * @param int8    per layer, whether it is stored as int8
     * @param judged  {@code network} with those layers' weights as int8 values: what is judged and written
     */
    record Choice(DenseNetwork network, boolean[] int8, DenseNetwork judged) {
    }

    /** @param integerKernels whether int8 layers quantize their inputs too (ONNX Runtime's dynamic integer form) */
    static Choice choose(DenseNetwork network, Retrainer retrainer, double tolerance, boolean integerKernels) {
        Retrainer.Reference asFloat = retrainer.watchedReference(network);
        int layers = network.layers().size();
        boolean[] int8 = new boolean[layers];
        for (int l = 0; l < layers; l++) {
            boolean[] one = new boolean[layers];
            one[l] = true;
            double change = retrainer.watchedChange(asFloat, Int8Quantization.quantize(network, one, integerKernels));
            int8[l] = change <= LAYER_SHARE * tolerance;
        }
        return new Choice(network, int8, Int8Quantization.quantize(network, int8, integerKernels));
    }
}

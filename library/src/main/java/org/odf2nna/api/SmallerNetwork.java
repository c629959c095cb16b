package org.odf2nna.api;

import org.odf2nna.network.DenseNetwork;

/**
 * A network made smaller from an original, in memory: what {@link Odf2nna#shrink} and {@link Odf2nna#evolve} return
 * have these in common.
 */
public interface SmallerNetwork {

    /** The network given. */
    DenseNetwork original();

    /** The smaller network. */
    DenseNetwork network();

    /** Fewer parameters than the original, in percent. */
    default double reductionPercent() {
        return 100.0 * (original().parameterCount() - network().parameterCount()) / original().parameterCount();
    }

    /** The network as an ONNX model (graph input {@code input}, output {@code output}, opset 13), in memory. */
    default byte[] onnx() {
        return Odf2nna.onnx(network());
    }
}

package org.odf2nna.prune;

import java.util.List;
import org.odf2nna.network.DenseLayer;

/**
 * Where a least-squares refit's sums come from: for hidden layer l, the pruned network's outputs of that layer (its
 * first layer's kept columns of the original's, then its pruned layers 1..l) as features, and the original's
 * pre-activations of layer l+1 as targets, summed over the fitting rows into {@link NormalEquations}. The sums are
 * all a refit needs, so they can be made anywhere: shrink, sweep, evolve and the in-memory API make them in ONNX
 * Runtime (its Gemm doing the rank-k updates), {@link FittingRows} in plain Java for networks on simulated integer
 * kernels, and sums of parts of the rows add up ({@link NormalEquations#merge}).
 */
public interface RefitSums {

    /** The fitting rows, or -1 when not counted yet. */
    long rows();

    /**
     * Adds every fitting row's features and targets for hidden layer {@code layer} to {@code equations}.
     *
     * @param firstKept the kept units of the first hidden layer
     * @param pruned    the pruned network's layers 0..{@code layer} (layer 0 restricted to {@code firstKept})
     */
    void accumulate(int layer, int[] firstKept, List<DenseLayer> pruned, NormalEquations equations);

    /**
     * {@link #accumulate}, where nothing was dropped before hidden layer {@code layer}: its features are the
     * original's own outputs of that layer, {@code kept} of them, so an implementation may take every sum from the
     * Gram matrix of all that layer's outputs and the next layer's weights (the targets are a linear map of them), in
     * a pass that runs the original alone; by default the same pass as {@link #accumulate}.
     *
     * @param means the mean of every unit of the layer (kept or not): the features' shift
     */
    default void accumulateOriginal(int layer, int[] kept, double[] means, int[] firstKept, List<DenseLayer> pruned,
            NormalEquations equations) {
        accumulate(layer, firstKept, pruned, equations);
    }

    /** What makes the large products of a wide layer's solve (closed after the refit); EJML unless overridden. */
    default DenseProduct products() {
        return DenseProduct.EJML;
    }
}

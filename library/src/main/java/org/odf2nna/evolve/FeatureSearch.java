package org.odf2nna.evolve;

import org.odf2nna.network.DenseNetwork;
import org.odf2nna.prune.Pruner;

/**
 * Feature selection: one bit per input of the network. A dropped input is replaced by its mean over the
 * training rows and folded into the first layer's bias ({@link Pruner#pruneInputs}), so the network takes
 * fewer inputs.
 *
 * @param network    the network searched
 * @param inputMeans mean of every input over the training rows
 */
public record FeatureSearch(DenseNetwork network, double[] inputMeans) implements MaskSearch {

    public FeatureSearch {
        inputMeans = inputMeans.clone();
        if (inputMeans.length != network.inputs()) {
            throw new IllegalArgumentException(inputMeans.length + " means for " + network.inputs() + " inputs");
        }
    }

    @Override
    public double[] inputMeans() {
        return inputMeans.clone();
    }

    @Override
    public MaskLayout layout() {
        return MaskLayout.of(network.inputs());
    }

    /** The inputs a mask keeps, ascending. */
    public int[] kept(Mask mask) {
        if (!layout().isValid(mask)) {
            throw new IllegalArgumentException("mask " + mask + " does not fit " + network.inputs() + " inputs or keeps none");
        }
        return mask.activeIndices(0, mask.length());
    }

    @Override
    public DenseNetwork apply(Mask mask) {
        return Pruner.pruneInputs(network, inputMeans, kept(mask));
    }

    @Override
    public int firstChangedLayer() {
        return 0;
    }
}

package org.odf2nna.prune;

import java.util.ArrayList;
import java.util.List;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;

/**
 * Builds the smaller network from a unit selection, folding each dropped unit into the next layer.
 *
 * <p>A dropped unit {@code j} of hidden layer {@code l} is replaced by its mean output {@code m_j} over
 * the evaluation data, a constant, so the next layer's pre-activation gains {@code W_{l+1}[j, :] · m_j}:
 * that is added to its bias ({@code b_{l+1} += W_{l+1}[j, :] · m_j}) before row {@code j} is removed.
 * A unit whose output is exactly constant is therefore removed without changing any output.
 */
public final class Pruner {

    private Pruner() {
    }

    public static DenseNetwork prune(DenseNetwork network, UnitStatistics statistics, UnitSelection selection) {
        int hidden = network.hiddenLayerCount();
        if (selection.layers().size() != hidden || statistics.layerCount() != hidden) {
            throw new IllegalArgumentException("network has " + hidden + " hidden layers, selection "
                    + selection.layers().size() + ", statistics " + statistics.layerCount());
        }
        List<DenseLayer> layers = new ArrayList<>(network.layers());
        for (int l = 0; l < hidden; l++) {
            UnitSelection.Layer chosen = selection.layer(l);
            if (chosen.originalUnits() != network.layer(l).units()) {
                throw new IllegalArgumentException("layer " + (l + 1) + " has " + network.layer(l).units()
                        + " units, the selection expects " + chosen.originalUnits());
            }
            layers.set(l, layers.get(l).keepUnits(chosen.kept()));
            layers.set(l + 1, foldDropped(layers.get(l + 1), chosen, statistics.mean(l)));
        }
        return network.withLayers(layers);
    }

    /**
     * Drops inputs of the network (feature selection): each dropped input {@code i} is replaced by its mean
     * {@code μ_i} over the data, so the first layer's bias gains {@code W_1[i, :] · μ_i} before row {@code i}
     * of its weights is removed, exactly as a dropped unit is folded into the layer after it.
     *
     * @param inputMeans one mean per input of the network
     * @param keptInputs the inputs to keep, ascending
     */
    public static DenseNetwork pruneInputs(DenseNetwork network, double[] inputMeans, int[] keptInputs) {
        if (inputMeans.length != network.inputs()) {
            throw new IllegalArgumentException(inputMeans.length + " input means for " + network.inputs() + " inputs");
        }
        UnitSelection.Layer chosen = new UnitSelection.Layer(keptInputs, network.inputs(), false);
        List<DenseLayer> layers = new ArrayList<>(network.layers());
        layers.set(0, foldDropped(layers.get(0), chosen, inputMeans));
        return network.withLayers(layers);
    }

    /** Adds the dropped inputs' mean contributions to the bias, then removes those inputs. */
    static DenseLayer foldDropped(DenseLayer next, UnitSelection.Layer chosen, double[] means) {
        int units = next.units();
        double[] bias = new double[units];
        float[] originalBias = next.bias();
        for (int u = 0; u < units; u++) {
            bias[u] = originalBias[u];
        }
        for (int j : chosen.dropped()) {
            double m = means[j];
            if (m == 0) {
                continue;
            }
            float[] row = next.inputWeights(j);
            for (int u = 0; u < units; u++) {
                bias[u] += row[u] * m;
            }
        }
        float[] folded = new float[units];
        for (int u = 0; u < units; u++) {
            folded[u] = (float) bias[u];
        }
        return next.withBias(folded).keepInputs(chosen.kept());
    }
}

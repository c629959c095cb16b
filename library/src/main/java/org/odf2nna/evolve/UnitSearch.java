package org.odf2nna.evolve;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.prune.Pruner;
import org.odf2nna.prune.UnitSelection;
import org.odf2nna.prune.UnitStatistics;

/**
 * A search over the units of some hidden layers: one bit per unit of each searched layer, in layer order.
 * Units of the other hidden layers are all kept. A dropped unit is replaced by its mean output and folded
 * into the next layer's bias ({@link Pruner}), so a mask turns into a physically smaller network.
 *
 * @param network    the network searched
 * @param layers     0-based hidden layers searched, ascending
 * @param statistics unit means (and spreads) of every hidden layer, measured on training rows
 */
public record UnitSearch(DenseNetwork network, int[] layers, UnitStatistics statistics) implements MaskSearch {

    public UnitSearch {
        layers = layers.clone();
        if (layers.length == 0) {
            throw new IllegalArgumentException("search at least one hidden layer");
        }
        for (int k = 0; k < layers.length; k++) {
            if (layers[k] < 0 || layers[k] >= network.hiddenLayerCount() || (k > 0 && layers[k] <= layers[k - 1])) {
                throw new IllegalArgumentException("searched layers must be ascending hidden-layer indices below "
                        + network.hiddenLayerCount() + ": " + Arrays.toString(layers));
            }
        }
        if (statistics.layerCount() != network.hiddenLayerCount()) {
            throw new IllegalArgumentException("statistics for " + statistics.layerCount() + " layers, the network has "
                    + network.hiddenLayerCount() + " hidden layers");
        }
    }

    @Override
    public int[] layers() {
        return layers.clone();
    }

    @Override
    public MaskLayout layout() {
        int[] segments = new int[layers.length];
        for (int k = 0; k < layers.length; k++) {
            segments[k] = network.layer(layers[k]).units();
        }
        return new MaskLayout(segments);
    }

    /** The units a mask keeps in every hidden layer. */
    public UnitSelection selection(Mask mask) {
        MaskLayout layout = layout();
        if (!layout.isValid(mask)) {
            throw new IllegalArgumentException("mask " + mask + " does not fit " + layout + " or empties a layer");
        }
        List<UnitSelection.Layer> selected = new ArrayList<>();
        int[] units = network.hiddenUnits();
        for (int l = 0; l < units.length; l++) {
            int k = Arrays.binarySearch(layers, l);
            int[] kept;
            if (k >= 0) {
                int start = layout.start(k);
                kept = mask.activeIndices(start, start + layout.size(k));
            } else {
                kept = new int[units[l]];
                Arrays.setAll(kept, j -> j);
            }
            selected.add(new UnitSelection.Layer(kept, units[l], false));
        }
        return new UnitSelection(selected);
    }

    @Override
    public DenseNetwork apply(Mask mask) {
        return Pruner.prune(network, statistics, selection(mask));
    }

    @Override
    public int firstChangedLayer() {
        return layers[0];
    }
}

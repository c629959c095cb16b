package org.odf2nna.prune;

import java.util.Arrays;
import java.util.List;

/** Which units of each hidden layer survive pruning. */
public record UnitSelection(List<Layer> layers) {

    /**
     * The kept units of one hidden layer.
     *
     * @param kept           indices of the kept units, ascending
     * @param originalUnits  how many units the layer had
     * @param allBelowThreshold true when no unit passed the threshold and the whole-layer rule kept one
     */
    public record Layer(int[] kept, int originalUnits, boolean allBelowThreshold) {
        public Layer {
            kept = kept.clone();
            if (kept.length == 0) {
                throw new IllegalArgumentException("a hidden layer must keep at least one unit");
            }
            for (int k = 0; k < kept.length; k++) {
                if (kept[k] < 0 || kept[k] >= originalUnits || (k > 0 && kept[k] <= kept[k - 1])) {
                    throw new IllegalArgumentException("kept units must be ascending indices below "
                            + originalUnits + ": " + Arrays.toString(kept));
                }
            }
        }

        @Override
        public int[] kept() {
            return kept.clone();
        }

        public int keptCount() {
            return kept.length;
        }

        public int droppedCount() {
            return originalUnits - kept.length;
        }

        /** Indices of the dropped units, ascending. */
        public int[] dropped() {
            int[] dropped = new int[droppedCount()];
            int d = 0;
            int k = 0;
            for (int j = 0; j < originalUnits; j++) {
                if (k < kept.length && kept[k] == j) {
                    k++;
                } else {
                    dropped[d++] = j;
                }
            }
            return dropped;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Layer other && Arrays.equals(kept, other.kept)
                    && originalUnits == other.originalUnits && allBelowThreshold == other.allBelowThreshold;
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(kept) + originalUnits + (allBelowThreshold ? 1 : 0);
        }

        @Override
        public String toString() {
            return kept.length + "/" + originalUnits + (allBelowThreshold ? " (all below threshold)" : "");
        }
    }

    public UnitSelection {
        layers = List.copyOf(layers);
    }

    /** Keeps every unit: the identity selection. */
    public static UnitSelection all(int[] hiddenUnits) {
        Layer[] layers = new Layer[hiddenUnits.length];
        for (int l = 0; l < hiddenUnits.length; l++) {
            int[] kept = new int[hiddenUnits[l]];
            Arrays.setAll(kept, j -> j);
            layers[l] = new Layer(kept, hiddenUnits[l], false);
        }
        return new UnitSelection(List.of(layers));
    }

    public Layer layer(int index) {
        return layers.get(index);
    }

    public int[] keptUnits() {
        return layers.stream().mapToInt(Layer::keptCount).toArray();
    }

    /** Number of hidden layers in which every unit fell below the threshold. */
    public int layersBelowThreshold() {
        return (int) layers.stream().filter(Layer::allBelowThreshold).count();
    }
}

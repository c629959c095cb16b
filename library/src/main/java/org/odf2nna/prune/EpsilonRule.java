package org.odf2nna.prune;

import java.util.ArrayList;
import java.util.List;

/**
 * The ODF2NNA pruning rule: a hidden unit is <em>useful</em> when its score is strictly greater than ε,
 * and only useful units are kept. With the paper's score, the unit's activation standard deviation over
 * the evaluation data, the dropped units are the nearly constant ones, whose mean output is then folded
 * into the next layer's bias (see {@link Pruner}).
 *
 * <p><b>Whole-layer rule.</b> When no unit of a hidden layer scores above ε, the layer keeps its single
 * highest-scoring unit (the lowest index on ties) and is flagged in the report. Removing the layer
 * instead would make every later layer a constant of the input, so the network would predict one value
 * for every row: the rule keeps the network well defined, keeps whatever signal the layer still carries,
 * and costs one unit. With ε = 0 a layer is reduced only to its units that vary at all.
 */
public final class EpsilonRule {

    private EpsilonRule() {
    }

    /**
     * Selects the units to keep.
     *
     * @param scores  one array per hidden layer, one score per unit (e.g. {@link UnitStatistics#stds()})
     * @param epsilon the threshold; must be a finite number ≥ 0
     */
    public static UnitSelection select(List<double[]> scores, double epsilon) {
        if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("epsilon must be a finite number >= 0, got " + epsilon);
        }
        List<UnitSelection.Layer> layers = new ArrayList<>();
        for (double[] layerScores : scores) {
            int useful = 0;
            for (double s : layerScores) {
                if (s > epsilon) {
                    useful++;
                }
            }
            if (useful > 0) {
                int[] kept = new int[useful];
                int k = 0;
                for (int j = 0; j < layerScores.length; j++) {
                    if (layerScores[j] > epsilon) {
                        kept[k++] = j;
                    }
                }
                layers.add(new UnitSelection.Layer(kept, layerScores.length, false));
            } else {
                int best = 0;
                for (int j = 1; j < layerScores.length; j++) {
                    if (layerScores[j] > layerScores[best]) {
                        best = j;
                    }
                }
                layers.add(new UnitSelection.Layer(new int[] {best}, layerScores.length, true));
            }
        }
        return new UnitSelection(layers);
    }
}

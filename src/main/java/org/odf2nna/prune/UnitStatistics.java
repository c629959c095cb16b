package org.odf2nna.prune;

import java.util.ArrayList;
import java.util.List;

/**
 * Mean and standard deviation of every hidden unit's output over the evaluation rows, layer by layer.
 *
 * @param means one array per hidden layer, one value per unit
 * @param stds  population standard deviations, same shape
 * @param rows  how many evaluation rows they summarise
 */
public record UnitStatistics(List<double[]> means, List<double[]> stds, long rows) {

    public UnitStatistics {
        if (means.size() != stds.size()) {
            throw new IllegalArgumentException("means for " + means.size() + " layers, stds for " + stds.size());
        }
        List<double[]> m = new ArrayList<>();
        List<double[]> s = new ArrayList<>();
        for (int l = 0; l < means.size(); l++) {
            if (means.get(l).length != stds.get(l).length) {
                throw new IllegalArgumentException("layer " + (l + 1) + ": means and stds differ in length");
            }
            m.add(means.get(l).clone());
            s.add(stds.get(l).clone());
        }
        means = List.copyOf(m);
        stds = List.copyOf(s);
    }

    public static UnitStatistics of(List<RunningMoments> perLayer) {
        List<double[]> m = new ArrayList<>();
        List<double[]> s = new ArrayList<>();
        long rows = perLayer.isEmpty() ? 0 : perLayer.get(0).count();
        for (RunningMoments moments : perLayer) {
            m.add(moments.mean());
            s.add(moments.standardDeviation());
        }
        return new UnitStatistics(m, s, rows);
    }

    public int layerCount() {
        return means.size();
    }

    public double[] mean(int layer) {
        return means.get(layer).clone();
    }

    public double[] std(int layer) {
        return stds.get(layer).clone();
    }
}

package org.odf2nna.prune;

import java.util.ArrayList;
import java.util.List;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.settings.UnitScore;

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

    /**
     * Measures every hidden unit of {@code network} over {@code rows} rows of chain input in plain Java,
     * {@code chunk} rows at a time (so memory holds one chunk's activations, never all of them).
     */
    public static UnitStatistics measure(DenseNetwork network, float[] chainInputs, int rows, int chunk) {
        return measure(network, RowSource.of(chainInputs, rows, network.inputs(), chunk));
    }

    /**
     * Measures every hidden unit of {@code network} over the rows {@code rows} hands over, in plain Java, a batch at a
     * time (rows streamed from disk included: memory holds one batch's activations).
     */
    public static UnitStatistics measure(DenseNetwork network, RowSource rows) {
        List<RunningMoments> moments = new ArrayList<>();
        for (int units : network.hiddenUnits()) {
            moments.add(new RunningMoments(units));
        }
        rows.forEachBatch((x, n) -> {
            List<float[]> hidden = network.hiddenOutputs(x, n);
            for (int l = 0; l < hidden.size(); l++) {
                moments.get(l).add(hidden.get(l), n);
            }
        });
        return of(moments);
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

    /** One {@code score} per unit of each hidden layer of {@code network}, from these statistics. */
    public List<double[]> scores(UnitScore score, DenseNetwork network) {
        if (layerCount() != network.hiddenLayerCount()) {
            throw new IllegalArgumentException("statistics for " + layerCount() + " layers, network has "
                    + network.hiddenLayerCount() + " hidden layers");
        }
        List<double[]> scores = new ArrayList<>();
        for (int l = 0; l < layerCount(); l++) {
            double[] s = std(l);
            if (s.length != network.layer(l).units()) {
                throw new IllegalArgumentException("layer " + (l + 1) + ": statistics for " + s.length
                        + " units, the layer has " + network.layer(l).units());
            }
            if (score == UnitScore.IMPACT) {
                float[] next = network.layer(l + 1).weights();
                int units = network.layer(l + 1).units();
                for (int j = 0; j < s.length; j++) {
                    double sum = 0;
                    for (int u = 0; u < units; u++) {
                        double w = next[j * units + u];
                        sum += w * w;
                    }
                    s[j] *= Math.sqrt(sum);
                }
            }
            scores.add(s);
        }
        return scores;
    }
}

package org.odf2nna.harness.bench;

import java.util.TreeSet;
import org.odf2nna.api.UnitScores;
import org.odf2nna.network.DenseNetwork;

/** Picks the ε whose pruning removes a wanted share of the parameters (for shrinking a model to benchmark). */
public final class Reduction {

    /** An ε and the parameter counts it gives. */
    public record Choice(double epsilon, long parameters, long originalParameters) {
        public double reduction() {
            return 1.0 - (double) parameters / originalParameters;
        }
    }

    private Reduction() {
    }

    /**
     * Parameters of {@code network} after keeping {@code kept[l]} units of each hidden layer {@code l} (the output
     * layer keeps all).
     */
    public static long parametersAfter(DenseNetwork network, int[] kept) {
        long total = 0;
        int inputs = network.inputs();
        for (int l = 0; l < network.layers().size(); l++) {
            int units = l < network.hiddenLayerCount() ? kept[l] : network.layer(l).units();
            total += (long) inputs * units + units;
            inputs = units;
        }
        return total;
    }

    /**
     * Among ε = 0 and every unit's std (ε = s removes the units whose std is ≤ s), the one whose reduction
     * is closest to {@code target} (a fraction, 0.6 for 60%); the smaller ε on ties.
     */
    public static Choice closestTo(DenseNetwork network, UnitScores scores, double target) {
        TreeSet<Double> candidates = new TreeSet<>();
        candidates.add(0.0);
        for (double[] layer : scores.stds()) {
            for (double s : layer) {
                candidates.add(s);
            }
        }
        long original = network.parameterCount();
        Choice best = null;
        for (double epsilon : candidates) {
            Choice c = new Choice(epsilon, parametersAfter(network, scores.keptAt(epsilon)), original);
            if (best == null || Math.abs(c.reduction() - target) < Math.abs(best.reduction() - target)) {
                best = c;
            }
        }
        return best;
    }
}

package org.odf2nna.api;

import java.util.ArrayList;
import java.util.List;
import org.odf2nna.prune.EpsilonGrid;
import org.odf2nna.prune.EpsilonRule;
import org.odf2nna.prune.UnitSelection;
import org.odf2nna.prune.UnitStatistics;

/**
 * The scores of a network's hidden units over rows, as the paper's ε rule reads them: per hidden layer, each unit's
 * mean and standard deviation of its activation (one pass, Algorithm 4), and the rows they were taken over. A unit
 * whose standard deviation is at most ε is removed at ε ({@link #keptAt(double)}).
 *
 * <p>Why public: scoring the units and choosing ε from the scores is the first half of shrinking, which a Java user
 * may want apart from the pruning ({@link OnnxModel#scoreUnits}); the research harness times and reuses it.
 *
 * @param means per hidden layer, each unit's mean activation
 * @param stds  per hidden layer, each unit's standard deviation
 * @param rows  the rows scored
 */
public record UnitScores(List<double[]> means, List<double[]> stds, long rows) {

    /**
     * Copies the arrays.
     *
     * @throws IllegalArgumentException when means and stds differ in layers or units
     */
    public UnitScores {
        UnitStatistics checked = new UnitStatistics(means, stds, rows);
        means = checked.means();
        stds = checked.stds();
    }

    static UnitScores of(UnitStatistics statistics) {
        return new UnitScores(statistics.means(), statistics.stds(), statistics.rows());
    }

    UnitStatistics statistics() {
        return new UnitStatistics(means, stds, rows);
    }

    /**
     * How many units of each hidden layer the ε rule keeps at {@code epsilon}: those whose standard deviation is above
     * it (a layer left without any keeps one, as the rule says).
     *
     * @throws IllegalArgumentException when {@code epsilon} is negative or not finite
     */
    public int[] keptAt(double epsilon) {
        UnitSelection selection = EpsilonRule.select(stds, epsilon);
        int[] kept = new int[stds.size()];
        for (int l = 0; l < kept.length; l++) {
            kept[l] = selection.layer(l).keptCount();
        }
        return kept;
    }

    /**
     * The thresholds a sweep tries, taken from where {@code scores} lie: step k of {@code steps} removes about
     * k/(steps+1) of the units, each ε in a gap between two distinct scores, and ε = 0 first when some score is 0.
     *
     * @param scores per layer, one score per unit (the {@link #stds()}, or a subset of them)
     * @throws IllegalArgumentException when {@code steps} is not positive
     */
    public static List<Double> epsilonGrid(List<double[]> scores, int steps) {
        return new ArrayList<>(EpsilonGrid.fromSpread(scores, steps));
    }
}

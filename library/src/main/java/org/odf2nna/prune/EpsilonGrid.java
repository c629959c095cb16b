package org.odf2nna.prune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Thresholds to sweep, taken from where the unit scores actually lie, so that each step removes a
 * different set of units.
 *
 * <p>With all hidden units' scores sorted (s_1 ≤ ... ≤ s_N), step k of K aims to remove about
 * k·N/(K+1) units: ε_k is the midpoint between the score of the last unit removed and the next distinct
 * score, so it falls in a gap and not on a unit. ε = 0 is added when some units are exactly constant,
 * since that step is free (their removal changes no output on the data). Equal thresholds are merged.
 */
public final class EpsilonGrid {

    private EpsilonGrid() {
    }

    public static List<Double> fromSpread(List<double[]> scores, int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be positive, got " + steps);
        }
        double[] all = scores.stream().flatMapToDouble(Arrays::stream).sorted().toArray();
        int n = all.length;
        TreeSet<Double> grid = new TreeSet<>();
        TreeSet<Integer> removedCounts = new TreeSet<>();
        if (n > 0 && all[0] == 0) {
            grid.add(0.0);
            int zeros = 0;
            while (zeros < n && all[zeros] == 0) {
                zeros++;
            }
            removedCounts.add(zeros);
        }
        for (int k = 1; k <= steps; k++) {
            int removed = (int) Math.round((double) k * n / (steps + 1));
            // Move past ties so the threshold sits in a gap between two distinct scores.
            while (removed < n && removed > 0 && all[removed] == all[removed - 1]) {
                removed++;
            }
            if (removed <= 0 || removed >= n || !removedCounts.add(removed)) {
                continue;
            }
            grid.add((all[removed - 1] + all[removed]) / 2);
        }
        return new ArrayList<>(grid);
    }
}

package org.odf2nna.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EpsilonGridTest {

    static int removedBy(List<double[]> scores, double epsilon) {
        int removed = 0;
        for (double[] layer : scores) {
            for (double s : layer) {
                removed += s > epsilon ? 0 : 1;
            }
        }
        return removed;
    }

    @Test
    void everyStepRemovesADifferentNumberOfUnitsAndSitsInAGap() {
        Random random = new Random(5);
        for (int trial = 0; trial < 200; trial++) {
            List<double[]> scores = new ArrayList<>();
            int layers = 1 + random.nextInt(4);
            for (int l = 0; l < layers; l++) {
                double[] s = new double[1 + random.nextInt(40)];
                for (int j = 0; j < s.length; j++) {
                    // Ties and exact zeros on purpose.
                    s[j] = random.nextInt(5) == 0 ? 0 : Math.round(random.nextDouble() * 20) / 10.0;
                }
                scores.add(s);
            }
            int steps = 1 + random.nextInt(10);
            List<Double> grid = EpsilonGrid.fromSpread(scores, steps);
            Set<Integer> counts = new HashSet<>();
            double previous = -1;
            for (double e : grid) {
                assertTrue(e > previous, "ascending");
                previous = e;
                assertTrue(counts.add(removedBy(scores, e)), "a step repeats another's removal: " + grid);
                for (double[] layer : scores) {
                    for (double s : layer) {
                        if (e > 0) {
                            assertFalse(s == e, "ε on a unit's score");
                        }
                    }
                }
            }
            assertTrue(grid.size() <= steps + 1);
            boolean anyZero = scores.stream().flatMapToDouble(java.util.Arrays::stream).anyMatch(s -> s == 0);
            assertEquals(anyZero, grid.contains(0.0), "ε=0 exactly when some unit is constant");
        }
    }

    @Test
    void spreadsOverTheUnits() {
        double[] s = new double[90];
        for (int j = 0; j < s.length; j++) {
            s[j] = j + 1;
        }
        List<Double> grid = EpsilonGrid.fromSpread(List.of(s), 8);
        assertEquals(8, grid.size());
        for (int k = 1; k <= 8; k++) {
            assertEquals(10 * k, removedBy(List.of(s), grid.get(k - 1)), "step " + k + " removes k/9 of the units");
        }
    }
}

package org.odf2nna.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EpsilonRuleTest {

    private static UnitSelection.Layer one(double[] scores, double epsilon) {
        UnitSelection selection = EpsilonRule.select(List.of(scores), epsilon);
        assertEquals(1, selection.layers().size());
        return selection.layer(0);
    }

    @Test
    void thresholdIsStrict() {
        double eps = 0.1;
        UnitSelection.Layer layer = one(new double[] {0.1, Math.nextUp(0.1), 0.05, 0.2, Math.nextDown(0.1)}, eps);
        assertArrayEquals(new int[] {1, 3}, layer.kept(), "a score equal to epsilon is not useful");
        assertEquals(5, layer.originalUnits());
        assertFalse(layer.allBelowThreshold());
    }

    @Test
    void epsilonZeroKeepsEveryUnitThatVaries() {
        UnitSelection.Layer layer = one(new double[] {0, 1e-300, 0, 3, Double.MIN_VALUE, 0}, 0);
        assertArrayEquals(new int[] {1, 3, 4}, layer.kept());
        assertFalse(layer.allBelowThreshold());
    }

    @Test
    void wholeLayerBelowThresholdKeepsTheSingleBestUnit() {
        UnitSelection.Layer layer = one(new double[] {0.01, 0.04, 0.02, 0.03}, 0.05);
        assertArrayEquals(new int[] {1}, layer.kept());
        assertTrue(layer.allBelowThreshold());
        assertEquals(4, layer.originalUnits());
        // All exactly at epsilon: still "below" (not strictly greater).
        UnitSelection.Layer atEps = one(new double[] {0.05, 0.05, 0.05}, 0.05);
        assertArrayEquals(new int[] {0}, atEps.kept());
        assertTrue(atEps.allBelowThreshold());
    }

    @Test
    void wholeLayerTieGoesToTheLowestIndex() {
        assertArrayEquals(new int[] {2}, one(new double[] {0.01, 0.02, 0.03, 0.03, 0.03}, 0.5).kept());
        assertArrayEquals(new int[] {0}, one(new double[] {0, 0, 0, 0}, 0).kept());
        UnitSelection.Layer dead = one(new double[] {0, 0, 0}, 0);
        assertTrue(dead.allBelowThreshold());
        assertEquals(2, dead.droppedCount());
    }

    @Test
    void layersAreJudgedIndependently() {
        List<double[]> scores = List.of(new double[] {0.5, 0.0, 0.7}, new double[] {0.0, 0.0}, new double[] {0.3});
        UnitSelection selection = EpsilonRule.select(scores, 0.2);
        assertArrayEquals(new int[] {0, 2}, selection.layer(0).kept());
        assertArrayEquals(new int[] {0}, selection.layer(1).kept());
        assertTrue(selection.layer(1).allBelowThreshold());
        assertArrayEquals(new int[] {0}, selection.layer(2).kept());
        assertFalse(selection.layer(2).allBelowThreshold());
        assertEquals(1, selection.layersBelowThreshold());
        assertArrayEquals(new int[] {2, 1, 1}, selection.keptUnits());
    }

    @Test
    void randomScoresAgainstTheDefinition() {
        Random random = new Random(17);
        for (int trial = 0; trial < 300; trial++) {
            int units = 1 + random.nextInt(20);
            double[] scores = new double[units];
            for (int j = 0; j < units; j++) {
                // Quantised so that ties and exact hits on epsilon happen.
                scores[j] = random.nextInt(10) * 0.125;
            }
            double eps = random.nextInt(10) * 0.125;
            UnitSelection.Layer layer = one(scores, eps);
            List<Integer> expected = new ArrayList<>();
            for (int j = 0; j < units; j++) {
                if (scores[j] > eps) {
                    expected.add(j);
                }
            }
            if (expected.isEmpty()) {
                int best = 0;
                for (int j = 0; j < units; j++) {
                    if (scores[j] > scores[best]) {
                        best = j;
                    }
                }
                assertArrayEquals(new int[] {best}, layer.kept());
                assertTrue(layer.allBelowThreshold());
            } else {
                assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), layer.kept());
                assertFalse(layer.allBelowThreshold());
            }
            assertEquals(units, layer.originalUnits());
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {-1e-9, -1, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
    void invalidEpsilonIsRejected(double epsilon) {
        assertThrows(IllegalArgumentException.class, () -> EpsilonRule.select(List.of(new double[] {1}), epsilon));
    }

    @Test
    void noHiddenLayersGiveAnEmptySelection() {
        assertEquals(0, EpsilonRule.select(List.of(), 0.1).layers().size());
    }
}

package org.odf2nna.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnitStatisticsTest {

    @Test
    void ofTakesMeansAndStandardDeviationsPerLayer() {
        RunningMoments first = new RunningMoments(2);
        first.add(new float[] {1, 5, 3, 5}, 2); // column 0: {1, 3}, column 1: {5, 5}
        RunningMoments second = new RunningMoments(1);
        second.add(new float[] {-2, 2}, 2);
        UnitStatistics stats = UnitStatistics.of(List.of(first, second));
        assertEquals(2, stats.layerCount());
        assertEquals(2, stats.rows());
        assertArrayEquals(new double[] {2, 5}, stats.mean(0));
        assertArrayEquals(new double[] {1, 0}, stats.std(0), 1e-15);
        assertArrayEquals(new double[] {0}, stats.mean(1));
        assertArrayEquals(new double[] {2}, stats.std(1), 1e-15);
        assertEquals(0, UnitStatistics.of(List.of()).layerCount());
    }

    @Test
    void shapesAreValidatedAndArraysCopied() {
        assertThrows(IllegalArgumentException.class,
                () -> new UnitStatistics(List.of(new double[1]), List.of(), 1));
        assertThrows(IllegalArgumentException.class,
                () -> new UnitStatistics(List.of(new double[2]), List.of(new double[3]), 1));
        double[] mean = {1, 2};
        List<double[]> means = new ArrayList<>(List.of(mean));
        UnitStatistics stats = new UnitStatistics(means, List.of(new double[] {0, 1}), 10);
        mean[0] = 9;
        means.clear();
        stats.mean(0)[1] = 9;
        assertArrayEquals(new double[] {1, 2}, stats.mean(0));
        assertEquals(1, stats.layerCount());
    }
}

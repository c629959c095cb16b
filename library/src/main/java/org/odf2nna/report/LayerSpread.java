package org.odf2nna.report;

import java.util.Arrays;

/**
 * How a hidden layer's unit scores are spread, to help choose ε.
 *
 * @param layer         1-based hidden layer number
 * @param node          the layer's Gemm or MatMul node
 * @param units         units in the layer
 * @param min           lowest unit standard deviation
 * @param median        median
 * @param max           highest
 * @param constantUnits units whose output did not vary at all on the evaluation rows
 */
public record LayerSpread(int layer, String node, int units, double min, double median, double max, int constantUnits) {

    public static LayerSpread of(int layer, String node, double[] stds) {
        double[] sorted = stds.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        int constant = 0;
        for (double s : sorted) {
            if (s == 0) {
                constant++;
            }
        }
        return new LayerSpread(layer, node, n, sorted[0], median, sorted[n - 1], constant);
    }
}

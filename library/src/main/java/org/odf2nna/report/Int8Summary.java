package org.odf2nna.report;

import java.util.List;

/**
 * What int8 weights did to a written model, as the JSON report holds it (the text summary says the same in words).
 *
 * @param bytesBefore            the original model's bytes
 * @param bytesAfter             the written model's bytes
 * @param int8Layers             the 1-based dense layers stored as int8 with a scale per unit
 * @param floatLayers            the 1-based dense layers kept float by the per-layer fallback (their int8 weights
 *                               alone changed more than {@code fallbackShare} of the tolerance's share of the float
 *                               network's predictions on the watched training rows)
 * @param fallbackShare          that share of the tolerance, in [0, 1]
 * @param maxDifferenceFromFloat the largest output difference between the written network and the same network with
 *                               every weight float (the float round), over {@code checkRows} rows
 * @param checkRows              the rows that difference was measured on
 */
public record Int8Summary(long bytesBefore, long bytesAfter, List<Integer> int8Layers, List<Integer> floatLayers,
        double fallbackShare, double maxDifferenceFromFloat, int checkRows) {

    public Int8Summary {
        int8Layers = List.copyOf(int8Layers);
        floatLayers = List.copyOf(floatLayers);
    }

    /** The 1-based layers in {@code int8} marked {@code value}. */
    public static List<Integer> layers(boolean[] int8, boolean value) {
        List<Integer> layers = new java.util.ArrayList<>();
        for (int l = 0; l < int8.length; l++) {
            if (int8[l] == value) {
                layers.add(l + 1);
            }
        }
        return layers;
    }
}

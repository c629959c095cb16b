package org.odf2nna.report;

import java.util.List;

/**
 * What int8 weights did to a written model, as the JSON report holds it (the text summary says the same in words; its
 * JSON fields are those of the parts, in this order, among its own).
 *
 * @param size     the model's bytes before and after
 * @param fallback which layers took int8 and which the per-layer fallback kept float
 * @param check    how far the written network's outputs are from the float round's
 * @param form     {@code int8} (integer kernels) or {@code int8-weights} (weight-only)
 * @param layers   per dense layer, what it was stored as and why
 */
public record Int8Summary(Size size, Fallback fallback, Check check, String form, List<Layer> layers) {

    public Int8Summary {
        layers = List.copyOf(layers);
    }

    /**
     * The model's bytes.
     *
     * @param bytesBefore the original model's bytes
     * @param bytesAfter  the written model's bytes
     */
    @JsonInline
    public record Size(long bytesBefore, long bytesAfter) {
    }

    /**
     * The per-layer fallback's choice.
     *
     * @param int8Layers    the 1-based dense layers stored as int8 with a scale per unit
     * @param floatLayers   the 1-based dense layers kept float (their int8 weights alone changed more than
     *                      {@code fallbackShare} of the tolerance's share of the float network's predictions on the
     *                      watched training rows)
     * @param fallbackShare that share of the tolerance, in [0, 1]
     */
    @JsonInline
    public record Fallback(List<Integer> int8Layers, List<Integer> floatLayers, double fallbackShare) {

        public Fallback {
            int8Layers = List.copyOf(int8Layers);
            floatLayers = List.copyOf(floatLayers);
        }
    }

    /**
     * The written network against the float round.
     *
     * @param maxDifferenceFromFloat the largest output difference between the written network and the same network
     *                               with every weight float (the float round), over {@code checkRows} rows
     * @param checkRows              the rows that difference was measured on
     */
    @JsonInline
    public record Check(double maxDifferenceFromFloat, int checkRows) {
    }

    /**
     * One dense layer.
     *
     * @param layer                  1-based
     * @param storedAs               {@code int8} or {@code float}
     * @param why                    the fallback's reason, in words
     * @param change                 what its int8 form alone changed on the watched training rows (share of rows
     *                               whose class changed, or the MSE's relative increase)
     * @param weightBytes            its weights' bytes as stored (int8: a byte per weight and 4 per unit's scale, 2
     *                               where the scales are float16)
     * @param maxDifferenceFromFloat the largest output difference its int8 form alone makes from the float network,
     *                               over the check rows
     */
    public record Layer(int layer, String storedAs, String why, double change, long weightBytes,
            double maxDifferenceFromFloat) {
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

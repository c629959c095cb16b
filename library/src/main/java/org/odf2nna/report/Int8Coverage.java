package org.odf2nna.report;

import java.util.List;

/**
 * Which layers of a model an int8 conversion quantized, in which form, and why the others stayed float (its JSON fields
 * are those of the parts, in this order, among its own).
 *
 * @param form       {@code dynamic} (inputs quantized at run time), {@code static} (calibrated scales) or
 *                   {@code weights} (weight-only)
 * @param formChoice why that form, in words
 * @param layers     the MatMul, Gemm and Conv nodes stored as int8 and kept float
 * @param opsets     the opset the model imported and the one the written model imports
 * @param speeds     each layer timed alone against its float form, and those kept float for being slower as int8
 *                   ({@link Int8LayerSpeeds#NONE} when none were timed)
 */
public record Int8Coverage(String form, String formChoice, Layers layers, Opsets opsets, Int8LayerSpeeds speeds) {

    public Int8Coverage {
        speeds = speeds == null ? Int8LayerSpeeds.NONE : speeds;
    }

    /** No layer timed. */
    public Int8Coverage(String form, String formChoice, Layers layers, Opsets opsets) {
        this(form, formChoice, layers, opsets, Int8LayerSpeeds.NONE);
    }

    /**
     * The MatMul, Gemm and Conv nodes by what they became.
     *
     * @param int8Layers   the nodes stored as int8
     * @param int8Weights  their weights' elements
     * @param floatLayers  the nodes kept float
     * @param floatReasons one line per reason a layer stayed float, naming some of them
     */
    @JsonInline
    public record Layers(int int8Layers, long int8Weights, int floatLayers, List<String> floatReasons) {

        public Layers {
            floatReasons = List.copyOf(floatReasons);
        }
    }

    /**
     * The default-domain opsets.
     *
     * @param opsetFrom the opset the model imported
     * @param opsetTo   the opset the written model imports (raised when the form needed it)
     */
    @JsonInline
    public record Opsets(long opsetFrom, long opsetTo) {

        /** Whether the written model imports another opset than the model did. */
        public boolean raised() {
            return opsetTo != opsetFrom;
        }
    }
}

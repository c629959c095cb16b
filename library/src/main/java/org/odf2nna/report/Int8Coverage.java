package org.odf2nna.report;

import java.util.List;

/**
 * Which layers of a model an int8 conversion quantized, in which form, and why the others stayed float.
 *
 * @param form         {@code dynamic} (inputs quantized at run time), {@code static} (calibrated scales) or
 *                     {@code weights} (weight-only)
 * @param formChoice   why that form, in words
 * @param int8Layers   MatMul, Gemm and Conv nodes stored as int8
 * @param int8Weights  their weights' elements
 * @param floatLayers  MatMul, Gemm and Conv nodes kept float
 * @param floatReasons one line per reason a layer stayed float, naming some of them
 * @param opsetFrom    the default-domain opset the model imported
 * @param opsetTo      the opset the written model imports (raised when the form needed it)
 * @param speeds       each layer timed alone against its float form, and those kept float for being slower as int8
 *                     ({@link Int8LayerSpeeds#NONE} when none were timed)
 */
public record Int8Coverage(String form, String formChoice, int int8Layers, long int8Weights, int floatLayers,
        List<String> floatReasons, long opsetFrom, long opsetTo, Int8LayerSpeeds speeds) {

    public Int8Coverage {
        floatReasons = List.copyOf(floatReasons);
        speeds = speeds == null ? Int8LayerSpeeds.NONE : speeds;
    }

    /** No layer timed. */
    public Int8Coverage(String form, String formChoice, int int8Layers, long int8Weights, int floatLayers,
            List<String> floatReasons, long opsetFrom, long opsetTo) {
        this(form, formChoice, int8Layers, int8Weights, floatLayers, floatReasons, opsetFrom, opsetTo,
                Int8LayerSpeeds.NONE);
    }
}

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
 */
public record Int8Coverage(String form, String formChoice, int int8Layers, long int8Weights, int floatLayers,
        List<String> floatReasons, long opsetFrom, long opsetTo) {

    public Int8Coverage {
        floatReasons = List.copyOf(floatReasons);
    }
}

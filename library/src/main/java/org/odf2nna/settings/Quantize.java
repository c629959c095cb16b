package org.odf2nna.settings;

import java.util.Locale;
import org.odf2nna.InputException;

/** How the written model stores its dense weights. */
public enum Quantize {
    /** As float, the way they were read or computed. */
    NONE,
    /**
     * int8 weights with a float scale per output unit that ONNX Runtime runs on integer kernels: each layer's inputs
     * quantized to uint8 at run time (DynamicQuantizeLinear, MatMulInteger; scales and biases float16 in layers of
     * 32 units or more, else float), see {@code Int8Weights}. The network judged quantizes its activations the same way.
     */
    INT8,
    /** int8 weights with a float scale per output unit, weight-only (DequantizeLinear → Gemm in float). */
    INT8_WEIGHTS;

    public static Quantize parse(String text) {
        if (text == null) {
            return NONE;
        }
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "int8" -> INT8;
            case "int8-weights" -> INT8_WEIGHTS;
            default -> throw InputException.usage("{{QUANTIZE}}: '" + text + "' is not supported; the forms are "
                    + "int8 (integer kernels) and int8-weights (weight-only)");
        };
    }

    /** Whether weights are stored as int8 (either form). */
    public boolean int8() {
        return this != NONE;
    }

    /** Whether the layers' inputs are quantized too, for ONNX Runtime's integer kernels. */
    public boolean integerKernels() {
        return this == INT8;
    }

    /** The command-line name. */
    public String id() {
        return this == INT8_WEIGHTS ? "int8-weights" : name().toLowerCase(Locale.ROOT);
    }

    /** Refuses a format that cannot hold int8 weights, before anything is read or written. */
    public void checkFormat(ModelFormat format) {
        if (this != NONE && format != ModelFormat.ONNX) {
            throw InputException.usage("{{QUANTIZE}} " + id() + " writes ONNX only: a " + (format == ModelFormat.KERAS
                    ? ".keras file" : "SavedModel") + " would hold its weights as float; write a .onnx file");
        }
    }
}

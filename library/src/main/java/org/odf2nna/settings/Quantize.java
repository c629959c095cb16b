package org.odf2nna.settings;

import java.util.Locale;
import org.odf2nna.InputException;

/** How the written model stores its dense weights. */
public enum Quantize {
    /** As float, the way they were read or computed. */
    NONE,
    /**
     * int8 weights with a float scale per output unit that ONNX Runtime runs on integer kernels, in the faster of
     * {@link #INT8_DYNAMIC} and {@link #INT8_STATIC} for the model at hand when there are training rows to calibrate
     * on and the workflow can judge both (convert given training rows, graph sweeps), else dynamic.
     */
    INT8,
    /**
     * Each layer's inputs quantized to uint8 at run time (DynamicQuantizeLinear, MatMulInteger or ConvInteger; scales
     * and biases float16 in layers of 32 units or more, else float), see {@code Int8Weights}; the network judged
     * quantizes its activations the same way.
     */
    INT8_DYNAMIC,
    /**
     * Each layer's inputs quantized with a fixed scale and zero point calibrated on training rows (QuantizeLinear into
     * QGemm, or QuantizeLinear/DequantizeLinear pairs ONNX Runtime fuses), see {@code GraphQuantizer}: no range to
     * find at run time, and rows that do not depend on their batch. Judged as ONNX Runtime computes it.
     */
    INT8_STATIC,
    /** int8 weights with a float scale per output unit, weight-only (DequantizeLinear → Gemm in float). */
    INT8_WEIGHTS;

    public static Quantize parse(String text) {
        if (text == null) {
            return NONE;
        }
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "int8" -> INT8;
            case "int8-dynamic" -> INT8_DYNAMIC;
            case "int8-static" -> INT8_STATIC;
            case "int8-weights" -> INT8_WEIGHTS;
            default -> throw InputException.usage("{{QUANTIZE}}: '" + text + "' is not supported; the forms are "
                    + "int8 (integer kernels, the faster form), int8-dynamic, int8-static and int8-weights "
                    + "(weight-only)");
        };
    }

    /** Whether weights are stored as int8 (either form). */
    public boolean int8() {
        return this != NONE;
    }

    /** Whether the layers' inputs are quantized too, for ONNX Runtime's integer kernels. */
    public boolean integerKernels() {
        return this == INT8 || this == INT8_DYNAMIC || this == INT8_STATIC;
    }

    /** The command-line name. */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Refuses the static form where candidates are judged in Java (a dense chain's rounds), which computes the dynamic
     * form bit for bit but not ONNX Runtime's static kernels; {@link #INT8} is the dynamic form there.
     */
    public void checkJudgedInJava() {
        if (this == INT8_STATIC) {
            throw InputException.usage("{{QUANTIZE}} int8-static: a dense chain's rounds are judged in Java, which "
                    + "computes the dynamic form exactly but not ONNX Runtime's static kernels; use int8 (dynamic "
                    + "here), or write the static form of the swept model with convert {{QUANTIZE}} int8-static "
                    + "{{TRAIN}} TRAIN.csv");
        }
    }

    /** Refuses a format that cannot hold int8 weights, before anything is read or written. */
    public void checkFormat(ModelFormat format) {
        if (this != NONE && format != ModelFormat.ONNX) {
            throw InputException.usage("{{QUANTIZE}} " + id() + " writes ONNX only: a " + (format == ModelFormat.KERAS
                    ? ".keras file" : "SavedModel") + " would hold its weights as float; write a .onnx file");
        }
    }
}

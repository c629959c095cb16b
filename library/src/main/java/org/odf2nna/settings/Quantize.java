package org.odf2nna.settings;

import java.util.Locale;
import org.odf2nna.InputException;

/** How the written model stores its dense weights. */
public enum Quantize {
    /** As float, the way they were read or computed. */
    NONE,
    /** int8 with a float scale per output unit (weight-only; biases stay float): see {@code Int8Weights}. */
    INT8;

    public static Quantize parse(String text) {
        if (text == null) {
            return NONE;
        }
        if (text.toLowerCase(Locale.ROOT).equals("int8")) {
            return INT8;
        }
        throw InputException.usage("{{QUANTIZE}}: '" + text + "' is not supported; the only form is int8");
    }

    /** Refuses a format that cannot hold int8 weights, before anything is read or written. */
    public void checkFormat(ModelFormat format) {
        if (this != NONE && format != ModelFormat.ONNX) {
            throw InputException.usage("{{QUANTIZE}} int8 writes ONNX only: a " + (format == ModelFormat.KERAS
                    ? ".keras file" : "SavedModel") + " would hold its weights as float; write a .onnx file");
        }
    }
}

package org.odf2nna.settings;

import java.util.Locale;
import org.odf2nna.InputException;

/**
 * Which operators an int8 file calibrated on training rows (the static form) may hold: the standard ONNX ones only,
 * QuantizeLinear and DequantizeLinear around the float operators as ONNX Runtime's {@code quantize_static} writes its
 * QDQ format (ONNX Runtime fuses them into its integer kernels when it loads the file; any runtime runs them), or
 * ONNX Runtime's own {@code com.microsoft} operators (QGemm) where the tool has a form with them, which minimal and
 * mobile builds of ONNX Runtime and other runtimes may lack.
 */
public enum Int8Operators {
    /** Standard ONNX operators only (the default). */
    STANDARD,
    /** ONNX Runtime's com.microsoft operators on request. */
    CONTRIB;

    /** {@code standard} or {@code contrib}; the default when null. */
    public static Int8Operators parse(String text) {
        if (text == null) {
            return STANDARD;
        }
        for (Int8Operators o : values()) {
            if (o.id().equals(text.trim().toLowerCase(Locale.ROOT))) {
                return o;
            }
        }
        throw InputException.usage("{{INT8_OPS}}: '" + text + "' is not one of standard (ONNX operators only, the "
                + "default) or contrib (ONNX Runtime's com.microsoft QGemm)");
    }

    /** The command-line name. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}

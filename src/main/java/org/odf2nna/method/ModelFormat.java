package org.odf2nna.method;

import java.util.Locale;
import org.odf2nna.InputException;

/** The file formats a model is read from and written to. */
public enum ModelFormat {
    /** An ONNX file. */
    ONNX,
    /** A TensorFlow SavedModel directory (Keras exports included). */
    SAVEDMODEL;

    public static ModelFormat parse(String text) {
        switch (text.toLowerCase(Locale.ROOT)) {
            case "onnx":
                return ONNX;
            case "savedmodel":
            case "saved_model":
            case "tf":
                return SAVEDMODEL;
            default:
                throw InputException.usage("--format: unknown format '" + text + "'; use onnx or savedmodel");
        }
    }
}

package org.odf2nna.settings;

import java.util.Locale;
import org.odf2nna.InputException;

/** The file formats a model is read from and written to. */
public enum ModelFormat {
    /** An ONNX file. */
    ONNX,
    /** A TensorFlow SavedModel directory (Keras exports included). */
    SAVEDMODEL,
    /** A Keras model file: read as .keras (zip) or legacy .h5 (HDF5), written as .keras. */
    KERAS;

    /** The format's short name (onnx, savedmodel, keras). */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ModelFormat parse(String text) {
        switch (text.toLowerCase(Locale.ROOT)) {
            case "onnx":
                return ONNX;
            case "savedmodel":
            case "saved_model":
            case "tf":
                return SAVEDMODEL;
            case "keras":
                return KERAS;
            default:
                throw InputException.usage("{{FORMAT}}: unknown format '" + text + "'; use onnx, savedmodel or keras");
        }
    }
}

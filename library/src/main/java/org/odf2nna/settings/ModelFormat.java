package org.odf2nna.settings;

import java.util.Map;
import org.odf2nna.Setting;

/** The file formats a model is read from and written to. */
public enum ModelFormat implements ShortName {
    /** An ONNX file. */
    ONNX,
    /** A TensorFlow SavedModel directory (Keras exports included). */
    SAVEDMODEL,
    /** A Keras model file: read as .keras (zip) or legacy .h5 (HDF5); a dense chain written as .keras, a pruned graph in its own container. */
    KERAS;

    /** Parses onnx, savedmodel (aliases saved_model, tf) or keras, case-insensitive; a usage error otherwise. */
    public static ModelFormat parse(String text) {
        return Setting.FORMAT.parse(text, Map.of("onnx", ONNX, "savedmodel", SAVEDMODEL, "saved_model", SAVEDMODEL,
                "tf", SAVEDMODEL, "keras", KERAS), "format", "onnx, savedmodel or keras");
    }
}

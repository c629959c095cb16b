package org.odf2nna.api;

import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import org.odf2nna.method.ModelReader;
import org.odf2nna.onnx.cleaning.ModelCleaner;

/**
 * The cleaning every model read goes through before anything works on it (what computes nothing taken out, affine
 * chains and BatchNormalization folded into their layers): its passes, which of them are off for this process, and
 * what they did to a model. Process-wide, so that every command of a run reads the same model.
 */
public final class Cleaning {

    private Cleaning() {
    }

    /** A cleaning pass: the name that turns it off ({@link #turnOff}) and what it does, in a phrase. */
    public record Pass(String name, String does) {
    }

    /** The passes, in the order they run: each one's name and what it does. */
    public static List<Pass> passes() {
        return ModelCleaner.PASSES.stream().map(p -> new Pass(p.name(), p.does())).toList();
    }

    /**
     * Turns the named passes ({@link #passes}) off for every model this process reads from here on; none given turns
     * them all on again.
     *
     * @throws IllegalArgumentException when a name is not a pass's
     */
    public static void turnOff(Collection<String> passes) {
        ModelReader.turnOffCleaning(passes);
    }

    /** The passes turned off ({@link #turnOff}), in the order they would run. */
    public static List<String> off() {
        return ModelReader.cleaningOff();
    }

    /**
     * What the cleaning did to {@code model}: one phrase per pass that changed something ({@code 2 Casts to the same
     * type removed (/Cast_18, /Cast_19)}), then a note for a pass that stopped on it; empty when it changed nothing.
     *
     * @param model an ONNX file, a Keras file (.keras, .h5) or a SavedModel directory; never modified
     * @throws org.odf2nna.InputException when the file cannot be read
     */
    public static List<String> of(Path model) {
        return ModelReader.read(model).cleaningSummary();
    }
}

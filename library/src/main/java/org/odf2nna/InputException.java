package org.odf2nna;

import java.nio.file.Path;

/**
 * A mistake in what the user gave us (a file, a value, an option), as opposed to a bug.
 *
 * <p>It names the file and the place in it (node, layer, row, column) so that the command line can
 * print one line that tells the user what to fix. {@link Kind#USAGE} marks mistakes in the command
 * itself (exit code 2); everything else is a failed run on bad input (exit code 1). A setting the user can change
 * is written as {@link Setting#ref()}, so that each front end names it its own way.
 */
public final class InputException extends RuntimeException {

    /**
     * BAD_INPUT: a failed run on bad input (exit 1); USAGE: a mistake in the command itself (exit 2); UNCERTIFIABLE:
     * the input is fine but cannot back the promise asked for (too few validation rows, rows the original was
     * trained on), so nothing is written (exit 3, as when no pruned model keeps the promise).
     */
    public enum Kind { BAD_INPUT, USAGE, UNCERTIFIABLE }

    private final transient Path file;
    private final String place;
    private final Kind kind;
    private final Fault fault;

    /**
     * What a reader found wrong, where a caller must tell it apart from other bad input without reading the message:
     * a model that contradicts itself ({@link #malformed}), a weight fed as a graph input ({@link #weightInput}).
     */
    private enum Fault { NONE, MALFORMED, WEIGHT_INPUT }

    public InputException(Path file, String place, String message) {
        this(file, place, message, Kind.BAD_INPUT, null);
    }

    public InputException(Path file, String place, String message, Throwable cause) {
        this(file, place, message, Kind.BAD_INPUT, cause);
    }

    public InputException(Path file, String place, String message, Kind kind, Throwable cause) {
        this(file, place, message, kind, cause, Fault.NONE);
    }

    private InputException(Path file, String place, String message, Kind kind, Throwable cause, Fault fault) {
        super(format(file, place, message), cause);
        this.file = file;
        this.place = place;
        this.kind = kind;
        this.fault = fault;
    }

    /**
     * A model that contradicts itself ({@link Kind#BAD_INPUT}): shapes no runtime could run (a Gemm bias of another
     * width than its layer, a layer that takes more inputs than the one before it has units), or a dense layer's
     * weights that are not finite numbers (its outputs would be NaN whatever it is fed). Such a model is
     * refused as it is, never read another way (as a graph without dense blocks, say).
     */
    public static InputException malformed(Path file, String place, String message) {
        return new InputException(file, place, message, Kind.BAD_INPUT, null, Fault.MALFORMED);
    }

    /**
     * A graph input that feeds a layer's weight or bias ({@link Kind#BAD_INPUT}): the dense chain needs its weights as
     * initializers. A graph sweep says this refusal as it is instead of taking the input for one the rows will feed.
     */
    public static InputException weightInput(Path file, String input, String message) {
        return new InputException(file, "input '" + input + "'", message, Kind.BAD_INPUT, null, Fault.WEIGHT_INPUT);
    }

    /** The data cannot certify what was asked ({@link Kind#UNCERTIFIABLE}). */
    public static InputException uncertifiable(Path file, String place, String message) {
        return new InputException(file, place, message, Kind.UNCERTIFIABLE, null);
    }

    public static InputException usage(String message) {
        return new InputException(null, null, message, Kind.USAGE, null);
    }

    public static InputException usage(Path file, String message) {
        return new InputException(file, null, message, Kind.USAGE, null);
    }

    /** The same mistake, now attributed to a file (readers of in-memory data learn the file late). */
    public InputException inFile(Path newFile) {
        if (file != null) {
            return this;
        }
        return new InputException(newFile, place, bareMessage(), kind, getCause(), fault);
    }

    /** The same error, kind and place with its message (without file and place) changed by {@code change}. */
    public InputException reworded(java.util.function.UnaryOperator<String> change) {
        String full = super.getMessage();
        String prefix = format(file, place, "");
        String bare = full.startsWith(prefix) ? full.substring(prefix.length()) : full;
        return new InputException(file, place, change.apply(bare), kind, getCause(), fault);
    }

    public Path file() {
        return file;
    }

    public String place() {
        return place;
    }

    public Kind kind() {
        return kind;
    }

    /** Whether the input contradicts itself ({@link #malformed}). */
    public boolean malformed() {
        return fault == Fault.MALFORMED;
    }

    /** Whether a graph input feeds a layer's weight or bias ({@link #weightInput}). */
    public boolean weightInput() {
        return fault == Fault.WEIGHT_INPUT;
    }

    /** The message with its settings in plain words ({@link Setting#plain}). */
    @Override
    public String getMessage() {
        return Setting.plain(super.getMessage());
    }

    /** The message with each setting named by {@code naming} (the command line passes its flags). */
    public String message(java.util.function.Function<Setting, String> naming) {
        return Setting.render(super.getMessage(), naming);
    }

    private String bareMessage() {
        String full = super.getMessage();
        String prefix = format(null, place, "");
        return full.startsWith(prefix) ? full.substring(prefix.length()) : full;
    }

    private static String format(Path file, String place, String message) {
        StringBuilder s = new StringBuilder();
        if (file != null) {
            s.append(file).append(": ");
        }
        if (place != null && !place.isEmpty()) {
            s.append(place).append(": ");
        }
        return s.append(message).toString();
    }
}

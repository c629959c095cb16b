package org.odf2nna.report;

/**
 * What a {@code convert} did: the model read, the file written, and how far the written model's outputs were from
 * the original's on the generated check rows.
 *
 * <p>The parts' fields are also read directly ({@link #rows()}, {@link #int8()}, {@link #coverage()} ...), and the
 * JSON report writes them among the conversion's own ({@link JsonInline}), as it did before they were grouped.
 *
 * @param model        the model read (file or SavedModel directory)
 * @param from         what it was read as: {@code onnx}, {@code savedmodel}, or for a Keras file what it is
 *                     ({@code Keras 3.5.0 .keras})
 * @param output       the file (or SavedModel directory) written
 * @param format       the format written: {@code onnx}, {@code keras} or {@code savedmodel}
 * @param architecture the layer widths, as {@code 64-32-10}
 * @param parameters   the whole model's weights and biases (a backbone's in front of the dense chain included)
 * @param check        the written model's outputs against the original's on the generated check rows
 * @param storage      how the weights were stored, the sizes, and with int8 what the runtime made of them
 */
public record Conversion(String model, String from, String output, String format, String architecture,
        long parameters, Check check, Storage storage) {

    /**
     * The written model's outputs against the original's.
     *
     * @param rows          how many generated rows the check ran on
     * @param maxDifference largest difference from the original's outputs on the check rows
     */
    @JsonInline
    public record Check(int rows, double maxDifference) {
    }

    /**
     * How the weights were stored.
     *
     * @param int8              whether the dense weights were stored as int8 (else as float)
     * @param bytesBefore       the model's size (a file, or the files of a SavedModel folder)
     * @param bytesAfter        the written file's size
     * @param runtimeDifference with int8 weights, the largest difference between ONNX Runtime on the written file and
     *                          on the same dequantized weights stored as float (weight-only form), or on the int8
     *                          network computed in Java, one row per run (integer kernels; 0 otherwise)
     * @param quantize          the form asked for: {@code none}, {@code int8}, {@code int8-dynamic},
     *                          {@code int8-static} or {@code int8-weights}
     * @param coverage          with int8, which layers were quantized in which form (null otherwise)
     */
    @JsonInline
    public record Storage(boolean int8, long bytesBefore, long bytesAfter, double runtimeDifference, String quantize,
            Int8Coverage coverage) {
    }

    /** How many generated rows the check ran on. */
    public int rows() {
        return check.rows();
    }

    /** Largest difference from the original's outputs on the check rows. */
    public double maxDifference() {
        return check.maxDifference();
    }

    /** Whether the dense weights were stored as int8 (else as float). */
    public boolean int8() {
        return storage.int8();
    }

    /** The model's size (a file, or the files of a SavedModel folder). */
    public long bytesBefore() {
        return storage.bytesBefore();
    }

    /** The written file's size. */
    public long bytesAfter() {
        return storage.bytesAfter();
    }

    /** With int8 weights, the largest difference between ONNX Runtime and its reference (0 otherwise). */
    public double runtimeDifference() {
        return storage.runtimeDifference();
    }

    /** The form asked for: none, int8, int8-dynamic, int8-static or int8-weights. */
    public String quantize() {
        return storage.quantize();
    }

    /** With int8, which layers were quantized in which form (null otherwise). */
    public Int8Coverage coverage() {
        return storage.coverage();
    }

    /** The same conversion, written to {@code path}. */
    public Conversion withOutput(String path) {
        return new Conversion(model, from, path, format, architecture, parameters, check, storage);
    }

    /** Whether the written model was judged by running it (a graph, or the static form), not against Java. */
    public boolean judgedInRuntime() {
        return coverage() != null && Double.isNaN(runtimeDifference());
    }
}

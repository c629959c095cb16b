package org.odf2nna.report;

import java.util.Locale;

/**
 * What {@code convert} prints of a conversion: the model read, the file written with its check, and for an int8 file
 * how it compares with the float model as a user would compare them (size against the float ONNX, predictions
 * changed, speed side by side).
 */
public final class ConvertFormat {

    private ConvertFormat() {
    }

    /** "read  MODEL (FORMAT): ARCHITECTURE, N parameters", the whole model's count when it was judged. */
    public static String read(CheckedConversion checked) {
        Conversion r = checked.conversion();
        long parameters = checked.int8() != null ? Math.max(r.parameters(), checked.int8().sizes().parameters())
                : r.parameters();
        return "read  " + r.model() + " (" + r.from() + "): " + r.architecture() + ", " + parameters + " parameters"
                + "\n";
    }

    /**
     * "wrote OUT (FORMAT); checked on ...": a float file's largest difference from the original's outputs (what the
     * check's tolerance bounds); an int8 file's predictions changed, or a regressor's mean squared difference.
     *
     * @param runtime where the written file was run, in words
     */
    public static String wrote(CheckedConversion checked, String runtime) {
        Conversion r = checked.conversion();
        Int8Judgement j = checked.int8();
        if (j == null) {
            return "wrote " + r.output() + " (" + r.format() + "); checked on " + r.rows() + " generated rows: outputs "
                    + "within " + ReportFormat.number(r.maxDifference()) + " of the original's " + runtime
                    + (r.int8() ? " (int8 weights)" : "");
        }
        return "wrote " + r.output() + " (" + r.format() + "); checked on " + agreement(j.agreement());
    }

    /** "64 generated rows in ONNX Runtime: 2 of them (3.13%) predict another class than the original". */
    static String agreement(Int8Judgement.Agreement a) {
        if (a.regression()) {
            return a.rows() + " in ONNX Runtime: mean squared difference from the original's outputs "
                    + ReportFormat.number(a.meanSquaredDifference()) + " (" + ReportFormat.percent(
                            a.meanSquaredDifference() / a.outputVariance()) + " of their variance)";
        }
        return a.rows() + " in ONNX Runtime: " + a.changed() + " of " + a.count() + " predictions changed from the "
                + "original's (" + ReportFormat.percent((double) a.changed() / a.count()) + ")";
    }

    /** The size of an int8 file against the float ONNX file, and against the input when that is not ONNX. */
    public static String size(Int8Judgement.Sizes s, boolean original) {
        if (!original) {
            return size(s);
        }
        return s.int8Bytes() + " bytes, " + ReportFormat.number(100.0 * s.int8Bytes() / s.floatBytes()) + "% of the "
                + "original float model's file (" + s.floatBytes() + " bytes; the float input " + s.inputBytes()
                + " bytes)";
    }

    public static String size(Int8Judgement.Sizes s) {
        String against = s.floatOnnx() ? "the float ONNX file" : "the float ONNX of the same network";
        return s.int8Bytes() + " bytes, " + ReportFormat.number(100.0 * s.int8Bytes() / s.floatBytes()) + "% of "
                + against + " (" + s.floatBytes() + " bytes" + (s.floatOnnx() ? "" : "; the input file holds "
                        + s.inputBytes() + " bytes, with what ONNX does not keep, such as optimizer state") + ")";
    }

    /**
     * Both files' speed side by side, and a warning line when the int8 file is slower at both batch sizes (what to
     * do then), or at one of them.
     */
    public static String speed(Int8Judgement.Speed s) {
        return speed(s, false);
    }

    /**
     * {@link #speed(Int8Judgement.Speed)}; with {@code dynamic} (the dynamic form written) a slower file's warning
     * also points to the static form, which quantizes no input at run time. Settings are named by their placeholders.
     */
    public static String speed(Int8Judgement.Speed s, boolean dynamic) {
        boolean original = !s.reference().equals("the float file");
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "speed int8 against %s in ONNX Runtime "
                + "(%d thread%s each, side by side, median of %d interleaved repetitions): batch 1 latency %s× %s's "
                + "(%s against %s µs); batch %d latency %s× (%s against %s µs a batch), %s× its rows per second%n",
                original ? s.reference() : "float", s.threads(), s.threads() == 1 ? "" : "s", s.repeats(),
                ratio(s.latencyRatio()), s.reference(), micros(s.int8OneMicros()), micros(s.floatOneMicros()),
                s.batch(), ratio(s.batchLatencyRatio()), micros(s.int8BatchMicros()), micros(s.floatBatchMicros()),
                ratio(s.throughputRatio())));
        if (Double.isFinite(s.inputOneMicros())) {
            out.append(String.format(Locale.ROOT, "speed the float input against %s, in the same run: batch 1 "
                    + "latency %s× (%s µs); batch %d latency %s× (%s µs a batch)%n", s.reference(),
                    ratio(s.inputOneMicros() / s.floatOneMicros()), micros(s.inputOneMicros()), s.batch(),
                    ratio(s.inputBatchMicros() / s.floatBatchMicros()), micros(s.inputBatchMicros())));
        }
        boolean slowOne = s.latencyRatio() > 1;
        boolean slowBatch = s.throughputRatio() < 1;
        if (slowOne && slowBatch) {
            out.append(String.format(Locale.ROOT, "warning: the int8 file is slower than " + (original
                    ? s.reference() : "the float file") + " on this machine, at batch 1 (%s× the latency) and at batch %d (%s× the rows per second): its "
                    + "integer kernels cost more here than they save. Keep the float file where speed matters (the "
                    + "int8 file saves only bytes), or time both on the machine that will run them (bench inference, "
                    + "the float file as the model and the int8 file as the pruned one)%s%n", ratio(s.latencyRatio()),
                    s.batch(), ratio(s.throughputRatio()), dynamic ? "; or write the static form, calibrated on "
                    + "training rows ({{QUANTIZE}} int8-static {{TRAIN}} FILE), which quantizes no input at run "
                    + "time" : ""));
        } else if (slowOne || slowBatch) {
            out.append(String.format(Locale.ROOT, "note: the int8 file is slower than " + (original ? s.reference()
                    : "the float file") + " at %s "
                    + "(%s× the %s) and faster at %s: choose by the batches you run%n", slowOne ? "batch 1"
                    : "batch " + s.batch(), ratio(slowOne ? s.latencyRatio() : s.throughputRatio()), slowOne ? "latency"
                    : "rows per second", slowOne ? "batch " + s.batch() : "batch 1"));
        }
        return out.toString();
    }

    /**
     * Each layer timed alone against its float form (convert's fallback with int8): one line saying how and
     * which stayed float, then one line per layer with both ratios; or one line saying why none were timed. Empty
     * when nothing was timed and nothing needs saying.
     */
    public static String layerSpeeds(Int8LayerSpeeds s) {
        StringBuilder out = new StringBuilder();
        if (s.layers().isEmpty()) {
            if (s.notTimed() != null) {
                out.append("layers ").append(s.notTimed()).append(System.lineSeparator());
            }
            return out.toString();
        }
        int kept = s.keptFloat().size();
        out.append(String.format(Locale.ROOT, "layers each timed alone against its float form in ONNX Runtime (%d "
                + "thread%s, int8 time over float time at batch 1 and at batch %d; a layer stays float when the "
                + "geometric mean of the two is above 1): %d of %d kept float%s%n", s.threads(), s.threads() == 1 ? ""
                : "s", s.batch(), kept, s.layers().size(), kept == 0 ? "" : kept == s.layers().size() && s.notTimed()
                == null ? ", so no layer is int8 and the file holds the float model's weights ({{INT8_EVERYWHERE}} "
                + "quantizes them anyway)" : " ({{INT8_EVERYWHERE}} quantizes them anyway)"));
        for (Int8LayerSpeeds.Layer l : s.layers()) {
            out.append(String.format(Locale.ROOT, "  %s %s (%s): %s× and %s×%n", l.keptFloat() ? "float" : "int8 ",
                    l.node(), l.op(), ratio(l.oneRatio()), ratio(l.batchRatio())));
        }
        if (s.notTimed() != null) {
            out.append("layers ").append(s.notTimed()).append(System.lineSeparator());
        }
        return out.toString();
    }

    /**
     * What the whole file's speed says of the per-layer fallback: when the int8 file is still slower at both batch
     * sizes though layers were kept float, that it could not make it faster; empty otherwise.
     */
    public static String fallbackVerdict(Int8Judgement.Speed s, Int8LayerSpeeds layers) {
        if (s == null || layers.layers().isEmpty() || !(s.latencyRatio() > 1 && s.throughputRatio() < 1)) {
            return "";
        }
        int kept = layers.keptFloat().size();
        return String.format(Locale.ROOT, "the per-layer fallback could not make the file faster than the float one: "
                + "%s, and what is int8 still costs more as a whole (quantizing between float and int8 layers, and "
                + "the layers' sums, are not free)%n", kept == 0 ? "each layer's int8 form alone was the faster"
                : kept == layers.layers().size() ? "every layer timed stayed float" : kept + " of "
                + layers.layers().size() + " layers stayed float");
    }

    /** A ratio to three significant digits, without trailing zeros (1.45, 0.746, 2.5). */
    static String ratio(double v) {
        if (!Double.isFinite(v)) {
            return ReportFormat.number(v);
        }
        return new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
    }

    /** Microseconds: whole from 1,000 up, else four significant digits. */
    static String micros(double v) {
        return v >= 1000 ? String.format(Locale.ROOT, "%.0f", v) : ReportFormat.number(v);
    }
}

package org.odf2nna.settings;

import java.util.Locale;
import java.util.Map;
import org.odf2nna.Setting;

/**
 * How a graph's first output is read when a graph sweep judges a row: a row changes when what its output decodes to
 * changes.
 *
 * @param kind      what the output is
 * @param threshold the value above which a map's element is on ({@link Kind#MAP})
 * @param blank     the class a CTC head emits for "no character" ({@link Kind#CTC})
 */
public record OutputDecoding(Kind kind, double threshold, int blank) {

    /** What an output is, and so what it decodes to. */
    public enum Kind {
        /** Told from the output's shape: one class vector, per-position classes, or a single-channel map. */
        AUTO,
        /** One class vector per row: its argmax (labels, where the rows have them, judge accuracy). */
        CLASS,
        /**
         * Classes at every position: the argmax over the class axis (the last axis of {@code [N, T, C]}, axis 1 of
         * {@code [N, C, H, W]}) at each position, as a segmentation map is read.
         */
        POSITIONS,
        /** A CTC head {@code [N, T, C]}: the per-position argmax with repeats collapsed and blanks removed. */
        CTC,
        /** A probability map (a detector's): every value thresholded, on above {@code threshold}. */
        MAP
    }

    public static final double DEFAULT_THRESHOLD = 0.5;

    /** Told from the output's shape, maps at 0.5, CTC blank 0. */
    public static final OutputDecoding DEFAULT = new OutputDecoding(Kind.AUTO, DEFAULT_THRESHOLD, 0);

    public OutputDecoding {
        InvalidSetting.require(Double.isFinite(threshold), Setting.THRESHOLD.ref() + " must be a finite number, got "
                + threshold);
        InvalidSetting.require(blank >= 0, Setting.DECODE.ref() + ": the CTC blank must be a class id (0 or more), got "
                + blank);
    }

    /** {@code auto}, {@code class}, {@code positions}, {@code ctc} (blank 0), {@code ctc:N} or {@code map}. */
    public static OutputDecoding parse(String text, double threshold) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        int blank = 0;
        if (t.startsWith("ctc:")) {
            try {
                blank = Integer.parseInt(t.substring(4));
            } catch (NumberFormatException e) {
                throw new InvalidSetting(Setting.DECODE.ref() + ": ctc:N names the blank class by its id, got '" + text
                        + "'");
            }
            t = "ctc";
        }
        Kind kind = Setting.DECODE.parse(t, Map.of("auto", Kind.AUTO, "class", Kind.CLASS, "positions",
                Kind.POSITIONS, "ctc", Kind.CTC, "map", Kind.MAP), "decoding", "auto, class, positions, ctc, ctc:N or "
                + "map");
        return new OutputDecoding(kind, threshold, blank);
    }
}

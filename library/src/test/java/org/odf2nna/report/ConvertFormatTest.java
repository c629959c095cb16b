package org.odf2nna.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** What convert prints of an int8 file against its float model (issue 56). */
class ConvertFormatTest {

    /** The Keras user's CNN: 1.45× slower at batch 1, 1/1.34 the rows per second at batch 256. */
    @Test
    void anInt8FileSlowerAtBothBatchSizesIsSaidSoWithTheRatiosAndWhatToDo() {
        Int8Judgement.Speed slow = new Int8Judgement.Speed(1, 256, 5, 100, 145, 10_000, 13_400);
        String s = ConvertFormat.speed(slow);
        assertTrue(s.contains("batch 1 latency 1.45× the float file's (145 against 100 µs)"), s);
        assertTrue(s.contains("batch 256 0.746× its rows per second"), s);
        assertTrue(s.contains("warning: the int8 file is slower than the float file on this machine, at batch 1 "
                + "(1.45× the latency) and at batch 256 (0.746× the rows per second)"), s);
        assertTrue(s.contains("Keep the float file where speed matters"), s);
        assertTrue(!s.contains("static form"), s);
        String dynamic = ConvertFormat.speed(slow, true);
        assertTrue(dynamic.contains("or write the static form, calibrated on training rows ({{QUANTIZE}} int8-static "
                + "{{TRAIN}} FILE)"), dynamic);
    }

    @Test
    void anInt8FileFasterAtBothIsNotWarnedAboutAndAMixedOneIsNoted() {
        String fast = ConvertFormat.speed(new Int8Judgement.Speed(1, 256, 5, 100, 60, 10_000, 4_000));
        assertEquals(1, fast.lines().count(), fast);
        assertFalse(fast.contains("warning"), fast);
        String mixed = ConvertFormat.speed(new Int8Judgement.Speed(1, 256, 5, 100, 130, 10_000, 4_000));
        assertTrue(mixed.contains("note: the int8 file is slower than the float file at batch 1 (1.3× the latency) "
                + "and faster at batch 256"), mixed);
    }

    /** Against the float ONNX, not a .keras holding optimizer state (8.1% against 26% in the issue). */
    @Test
    void theSizeIsTakenAgainstTheFloatOnnx() {
        assertEquals("26000 bytes, 26% of the float ONNX of the same network (100000 bytes; the input file holds "
                + "321000 bytes, with what ONNX does not keep, such as optimizer state)",
                ConvertFormat.size(new Int8Judgement.Sizes(100_000, false, 321_000, 26_000, 25_000)));
        assertEquals("26000 bytes, 26% of the float ONNX file (100000 bytes)",
                ConvertFormat.size(new Int8Judgement.Sizes(100_000, true, 100_000, 26_000, 25_000)));
    }

    /** The check of softmax outputs is the predictions changed, not "within 1 of the original's". */
    @Test
    void theCheckOnRowsCountsChangedPredictionsOrARegressorsSquaredDifference() {
        assertEquals("64 generated rows in ONNX Runtime: 2 of 64 predictions changed from the original's (3.13%)",
                ConvertFormat.agreement(new Int8Judgement.Agreement("64 generated rows", 64, false, 2, Double.NaN,
                        Double.NaN)));
        assertEquals("64 generated rows in ONNX Runtime: mean squared difference from the original's outputs 0.01 "
                + "(0.50% of their variance)", ConvertFormat.agreement(new Int8Judgement.Agreement(
                        "64 generated rows", 64, true, 0, 0.01, 2)));
    }

    /** A CNN's parameters are the whole model's, convolutions included, not the dense chain's alone. */
    @Test
    void theParametersReadAreTheWholeModels() {
        Conversion c = new Conversion("cnn.keras", "keras", "cnn.int8.onnx", "onnx", "784-64-10", 51_914, 64, 0, true,
                1, 1, 0, "int8", null);
        CheckedConversion checked = new CheckedConversion(c, null, null, null, null, null, new Int8Judgement(
                new Int8Judgement.Sizes(1, true, 1, 1, 260_874), null, null));
        assertTrue(ConvertFormat.read(checked).contains("784-64-10, 260874 parameters"),
                ConvertFormat.read(checked));
    }
}

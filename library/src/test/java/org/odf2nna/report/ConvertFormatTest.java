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
        assertTrue(s.contains("batch 256 latency 1.34× (13400 against 10000 µs a batch), 0.746× its rows per second"), s);
        assertTrue(s.contains("warning: the int8 file is slower than the float file on this machine, at batch 1 "
                + "(1.45× the latency) and at batch 256 (0.746× the rows per second)"), s);
        assertTrue(s.contains("Keep the float file where speed matters"), s);
        assertTrue(!s.contains("static form"), s);
        String dynamic = ConvertFormat.speed(slow, true);
        assertTrue(dynamic.contains("or write the static form, calibrated on training rows ({{QUANTIZE}} int8-static "
                + "{{TRAIN}} FILE)"), dynamic);
    }

    /** Against the original float model the user pruned from, the pruned float input timed in the same run. */
    @Test
    void againstTheOriginalFloatModelTheFloatInputIsTimedBeside() {
        Int8Judgement.Speed s = new Int8Judgement.Speed(1, 32, 5, 100, 62, 3_000, 1_500, new Int8Judgement.Speed.Input(
                "the original float model", 90, 2_400));
        String text = ConvertFormat.speed(s);
        assertTrue(text.startsWith("speed int8 against the original float model in ONNX Runtime (1 thread each, side "
                + "by side, median of 5 interleaved repetitions): batch 1 latency 0.62× the original float model's "
                + "(62 against 100 µs); batch 32 latency 0.5× (1500 against 3000 µs a batch), 2× its rows per second"),
                text);
        assertTrue(text.contains("speed the float input against the original float model, in the same run: batch 1 "
                + "latency 0.9× (90 µs); batch 32 latency 0.8× (2400 µs a batch)"), text);
        assertFalse(text.contains("warning") || text.contains("note"), text);
        String slower = ConvertFormat.speed(new Int8Judgement.Speed(1, 32, 5, 100, 120, 3_000, 3_300,
                new Int8Judgement.Speed.Input("the original float model", 90, 2_400)));
        assertTrue(slower.contains("warning: the int8 file is slower than the original float model on this machine"),
                slower);
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
        Conversion c = new Conversion("cnn.keras", "keras", "cnn.int8.onnx", "onnx", "784-64-10", 51_914,
                new Conversion.Check(64, 0), new Conversion.Storage(true, 1, 1, 0, "int8", null));
        CheckedConversion checked = new CheckedConversion(c, null, null, null, null, null, new Int8Judgement(
                new Int8Judgement.Sizes(1, true, 1, 1, 260_874), null, null));
        assertTrue(ConvertFormat.read(checked).contains("784-64-10, 260874 parameters"),
                ConvertFormat.read(checked));
    }

    /** convert --quantize int8's per-layer fallback: how, how many, and each layer's two ratios. */
    @Test
    void eachLayerTimedAloneIsListedWithItsRatiosAndWhetherItStayedFloat() {
        Int8LayerSpeeds speeds = new Int8LayerSpeeds(1, 256, java.util.List.of(
                new Int8LayerSpeeds.Layer("/Conv", "Conv", 1.57, 5.69, true),
                new Int8LayerSpeeds.Layer("/head/Gemm", "Gemm", 0.828, 0.987, false)), null);
        String s = ConvertFormat.layerSpeeds(speeds);
        assertTrue(s.startsWith("layers each timed alone against its float form in ONNX Runtime (1 thread, int8 time "
                + "over float time at batch 1 and at batch 256; a layer stays float when the geometric mean of the two "
                + "is above 1): 1 of 2 kept float ({{INT8_EVERYWHERE}} quantizes them anyway)"), s);
        assertTrue(s.contains("  float /Conv (Conv): 1.57× and 5.69×"), s);
        assertTrue(s.contains("  int8  /head/Gemm (Gemm): 0.828× and 0.987×"), s);
        assertEquals(3, s.lines().count(), s);
        String none = ConvertFormat.layerSpeeds(new Int8LayerSpeeds(1, 256, java.util.List.of(
                new Int8LayerSpeeds.Layer("/Conv", "Conv", 4.28, 44.3, true)), null));
        assertTrue(none.contains("1 of 1 kept float, so no layer is int8 and the file holds the float model's "
                + "weights"), none);
        assertEquals("", ConvertFormat.layerSpeeds(Int8LayerSpeeds.NONE));
        assertEquals("layers every layer int8 as asked ({{INT8_EVERYWHERE}})" + System.lineSeparator(),
                ConvertFormat.layerSpeeds(new Int8LayerSpeeds(0, 0, java.util.List.of(),
                        "every layer int8 as asked ({{INT8_EVERYWHERE}})")));
    }

    /** The whole file still slower at both batch sizes after the fallback: said, with how many stayed float. */
    @Test
    void aFileStillSlowerAfterTheFallbackIsSaidToBeSo() {
        Int8LayerSpeeds speeds = new Int8LayerSpeeds(1, 256, java.util.List.of(
                new Int8LayerSpeeds.Layer("/Conv", "Conv", 1.57, 5.69, true),
                new Int8LayerSpeeds.Layer("/Conv_1", "Conv", 0.828, 0.987, false)), null);
        Int8Judgement.Speed slow = new Int8Judgement.Speed(1, 256, 5, 100, 108, 1014, 1494);
        assertTrue(ConvertFormat.fallbackVerdict(slow, speeds).startsWith("the per-layer fallback could not make the "
                + "file faster than the float one: 1 of 2 layers stayed float"));
        Int8Judgement.Speed mixed = new Int8Judgement.Speed(1, 256, 5, 100, 90, 1014, 1494);
        assertEquals("", ConvertFormat.fallbackVerdict(mixed, speeds));
        assertEquals("", ConvertFormat.fallbackVerdict(slow, Int8LayerSpeeds.NONE));
    }
}

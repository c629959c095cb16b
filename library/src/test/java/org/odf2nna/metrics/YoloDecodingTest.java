package org.odf2nna.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.odf2nna.metrics.DetectionMap.Detection;

/**
 * YOLOv8's [4 + classes, anchors] (and YOLOv5's [anchors, 5 + classes]) read as Ultralytics' val reads it: candidates,
 * class-aware NMS, the most kept.
 */
public class YoloDecodingTest {

    private static final int CHANNELS = 7;
    private static final int ANCHORS = 8;

    /** Anchor {@code a}: a box (centre, size) and the three class scores. */
    private static void put(float[] out, int a, float cx, float cy, float w, float h, float... scores) {
        float[] v = {cx, cy, w, h, scores[0], scores[1], scores[2]};
        for (int c = 0; c < CHANNELS; c++) {
            out[c * ANCHORS + a] = v[c];
        }
    }

    @Test
    void overlappingBoxesOfAClassAreSuppressedAndOtherClassesKept() {
        float[] out = new float[CHANNELS * ANCHORS];
        put(out, 0, 50, 50, 20, 20, 0.9f, 0, 0);
        put(out, 1, 51, 50, 20, 20, 0.8f, 0, 0);       // IoU 0.905 with anchor 0, class 0: suppressed
        put(out, 2, 50, 50, 20, 20, 0, 0.6f, 0);       // the same box, class 1: kept
        put(out, 3, 58, 50, 20, 20, 0.7f, 0, 0);       // IoU 12/28 = 0.43 with anchor 0: kept
        put(out, 4, 10, 10, 8, 8, 0.5f, 0, 0.4f);       // two classes over the threshold: two detections
        put(out, 5, 90, 90, 8, 8, 0.0005f, 0, 0);      // under the confidence threshold
        List<Detection> d = YoloDecoding.VAL.detections(out, 0, CHANNELS, ANCHORS);
        assertEquals(5, d.size());
        assertEquals(List.of(0.9f, 0.7f, 0.6f, 0.5f, 0.4f), d.stream().map(Detection::score).toList());
        assertEquals(List.of(0, 0, 1, 0, 2), d.stream().map(Detection::classId).toList());
        assertEquals(40f, d.get(0).box().x1());
        assertEquals(60f, d.get(0).box().y2());
    }

    @Test
    void atMostTheMostDetectionsAreKept() {
        float[] out = new float[CHANNELS * ANCHORS];
        for (int a = 0; a < ANCHORS; a++) {
            put(out, a, 20 * a, 20 * a, 5, 5, 0.1f + a / 100f, 0, 0);
        }
        List<Detection> d = new YoloDecoding(0.001f, 0.7f, 3, 30_000).detections(out, 0, CHANNELS, ANCHORS);
        assertEquals(3, d.size());
        assertEquals(0.17f, d.get(0).score(), 1e-6f);
    }

    /**
     * YOLOv5's [anchors, 5 + classes]: objectness gates the anchor and multiplies each class score; each (anchor,
     * class) pair over the threshold is a candidate; the same class-aware NMS, here at val.py's IoU 0.6.
     */
    @Test
    void yoloV5ScoresAreObjectnessTimesClassScore() {
        int channels = 8;
        float[][] anchors = {
            {50, 50, 20, 20, 0.9f, 1, 0, 0},        // 0.9, class 0
            {51, 50, 20, 20, 1, 0.8f, 0, 0},        // 0.8, class 0, IoU 0.905 with anchor 0: suppressed
            {50, 50, 20, 20, 0.5f, 0, 0.5f, 0.01f}, // class 1: 0.25; class 2: 0.005
            {56, 50, 20, 20, 1, 0.7f, 0, 0},        // IoU 14/26 = 0.54 with anchor 0: kept at 0.6 (0.7 too)
            {46, 50, 20, 20, 1, 0.6f, 0, 0},        // IoU 16/24 = 0.67 with anchor 0: suppressed at 0.6
            {10, 10, 8, 8, 0.01f, 0.05f, 1, 0},     // class 0: 0.0005, under the threshold; class 1: 0.01
            {90, 90, 8, 8, 0.001f, 1, 1, 1},        // objectness not above the threshold: no candidate
        };
        float[] out = new float[3 + anchors.length * channels];
        for (int a = 0; a < anchors.length; a++) {
            System.arraycopy(anchors[a], 0, out, 3 + a * channels, channels);
        }
        List<Detection> d = YoloDecoding.VAL_V5.detectionsV5(out, 3, anchors.length, channels);
        assertEquals(List.of(0.9f, 0.7f, 0.25f, 0.01f, 0.005f), d.stream().map(Detection::score).toList());
        assertEquals(List.of(0, 0, 1, 1, 2), d.stream().map(Detection::classId).toList());
        assertEquals(40f, d.get(0).box().x1());
        assertEquals(60f, d.get(0).box().y2());
        // At YOLOv8's IoU 0.7 anchor 4 stays.
        assertEquals(6, YoloDecoding.VAL.detectionsV5(out, 3, anchors.length, channels).size());
    }

    @Test
    void theLayoutIsOneImageOfFewerChannelsThanAnchors() {
        assertTrue(YoloDecoding.isYoloV8(new long[] {1, 7, 525}));
        assertTrue(YoloDecoding.isYoloV8(new long[] {1, 84, 8400}));
        assertFalse(YoloDecoding.isYoloV8(new long[] {1, 525, 7}));
        assertFalse(YoloDecoding.isYoloV8(new long[] {1, 10}));
        assertTrue(YoloDecoding.isYoloV5(new long[] {1, 25200, 85}));
        assertTrue(YoloDecoding.isYoloV5(new long[] {1, 8, 6}));
        assertFalse(YoloDecoding.isYoloV5(new long[] {1, 8, 5}));
        assertFalse(YoloDecoding.isYoloV5(new long[] {1, 84, 8400}));
        // As many anchors as channels: neither. More channels than anchors: the larger is the anchors, YOLOv5's.
        assertNull(YoloDecoding.Layout.of(new long[] {1, 7, 7}));
        assertEquals(new YoloDecoding.Layout(true, 2, 8), YoloDecoding.Layout.of(new long[] {1, 8, 7}));
        assertEquals(new YoloDecoding.Layout(false, 3, 8), YoloDecoding.Layout.of(new long[] {1, 7, 8}));
        assertEquals(new YoloDecoding.Layout(true, 80, 25200), YoloDecoding.Layout.of(new long[] {1, 25200, 85}));
        assertEquals(25200 * 85, YoloDecoding.Layout.of(new long[] {1, 25200, 85}).width());
    }
}

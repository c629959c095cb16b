package org.odf2nna.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.odf2nna.metrics.DetectionMap.Detection;

/** YOLOv8's [4 + classes, anchors] read as Ultralytics' val reads it: candidates, class-aware NMS, the most kept. */
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

    @Test
    void theLayoutIsOneImageOfFewerChannelsThanAnchors() {
        assertTrue(YoloDecoding.isYoloV8(new long[] {1, 7, 525}));
        assertTrue(YoloDecoding.isYoloV8(new long[] {1, 84, 8400}));
        assertFalse(YoloDecoding.isYoloV8(new long[] {1, 525, 7}));
        assertFalse(YoloDecoding.isYoloV8(new long[] {1, 10}));
    }
}

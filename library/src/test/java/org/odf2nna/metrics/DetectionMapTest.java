package org.odf2nna.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.odf2nna.metrics.DetectionMap.Box;
import org.odf2nna.metrics.DetectionMap.Detection;
import org.odf2nna.metrics.DetectionMap.Truth;

/** mAP as Ultralytics' val computes it, on cases worked by hand. */
public class DetectionMapTest {

    private static final Box A = new Box(0, 0, 10, 10);
    private static final Box B = new Box(20, 20, 40, 30);

    /**
     * Perfect detections give 0.995, not 1: the curve is read at recall 1 where the sentinel (1, 0) stands, so the last
     * of the 101 points is 0 (why Ultralytics prints 0.995 for a perfect detector).
     */
    @Test
    void perfectDetectionsGiveTheInterpolatedMaximum() {
        DetectionMap map = new DetectionMap();
        map.add(List.of(new Detection(A, 0.9f, 0), new Detection(B, 0.8f, 0)), List.of(new Truth(A, 0),
                new Truth(B, 0)));
        map.add(List.of(new Detection(B, 0.7f, 0)), List.of(new Truth(B, 0)));
        DetectionMap.Result r = map.result();
        assertEquals(0.995, r.map50(), 1e-12);
        assertEquals(0.995, r.map50to95(), 1e-12);
        assertEquals(1, r.classes());
        assertEquals(3, r.truths());
    }

    /**
     * Recall 0.5, 0.5, 1 and precision 1, 1/2, 2/3: the envelope is 1 up to recall 0.5 and 2/3 after, so the 101 points
     * give 0.49 + (1 + 2/3)/2·0.01 + 2/3·0.49 + (2/3)/2·0.01.
     */
    @Test
    void aKnownCurveIntegratesAsCocoDoes() {
        double expected = 0.49 + (1 + 2.0 / 3) / 2 * 0.01 + 2.0 / 3 * 0.49 + 2.0 / 3 / 2 * 0.01;
        assertEquals(expected, DetectionMap.averagePrecision(new double[] {0.5, 0.5, 1}, new double[] {1, 0.5,
                2.0 / 3}), 1e-12);
        // The same through matching: a true, a false (wrong place), a true detection, by descending score.
        DetectionMap map = new DetectionMap();
        map.add(List.of(new Detection(A, 0.9f, 0), new Detection(new Box(50, 50, 60, 60), 0.8f, 0),
                new Detection(B, 0.7f, 0)), List.of(new Truth(A, 0), new Truth(B, 0)));
        assertEquals(expected, map.result().map50(), 1e-12);
        // Recall 0, 1/4, 1/4, 1/2, 3/4 and precision 0, 1/2, 1/3, 1/2, 3/5: NumPy's ap gives 0.525.
        assertEquals(0.525, DetectionMap.averagePrecision(new double[] {0, 0.25, 0.25, 0.5, 0.75},
                new double[] {0, 0.5, 1.0 / 3, 0.5, 0.6}), 1e-12);
    }

    /** A box overlapping its truth by IoU 0.62 is a hit at 0.50, 0.55 and 0.60 only: 3 of the 10 thresholds. */
    @Test
    void aLooseBoxCountsAtTheThresholdsItPasses() {
        Box loose = new Box(0, 0, 10, 6.2f);
        assertEquals(0.62f, A.iou(loose), 1e-6f);
        boolean[][] hit = DetectionMap.match(List.of(new Detection(loose, 0.9f, 0)), List.of(new Truth(A, 0)));
        assertArrayEquals(new boolean[] {true, true, true, false, false, false, false, false, false, false}, hit[0]);
        DetectionMap map = new DetectionMap();
        map.add(List.of(new Detection(loose, 0.9f, 0)), List.of(new Truth(A, 0)));
        assertEquals(0.995, map.result().map50(), 1e-12);
        assertEquals(0.995 * 3 / 10, map.result().map50to95(), 1e-12);
    }

    /** One truth taken by its first detection; a second on it, or one of another class, is false. */
    @Test
    void eachTruthIsMatchedOnceAndOnlyWithinItsClass() {
        boolean[][] hit = DetectionMap.match(List.of(new Detection(A, 0.9f, 0), new Detection(A, 0.8f, 0),
                new Detection(B, 0.7f, 1)), List.of(new Truth(A, 0), new Truth(B, 0)));
        assertTrue(hit[0][0]);
        assertFalse(hit[1][0]);
        assertFalse(hit[2][0]);
    }

    /** A class with ground truth and no detection counts with AP 0 in the mean; a class without truth does not count. */
    @Test
    void aClassNeverDetectedCountsAsZero() {
        DetectionMap map = new DetectionMap();
        map.add(List.of(new Detection(A, 0.9f, 0), new Detection(new Box(70, 70, 80, 80), 0.8f, 2)),
                List.of(new Truth(A, 0), new Truth(B, 1)));
        DetectionMap.Result r = map.result();
        assertEquals(2, r.classes());
        assertEquals(0.995 / 2, r.map50(), 1e-12);
    }

    @Test
    void interpolationReadsTheLastOfRepeatedPoints() {
        double[] xs = {0, 0.5, 0.5, 1};
        double[] ys = {1, 1, 0.25, 0};
        assertEquals(0.25, DetectionMap.interpolate(0.5, xs, ys), 0);
        assertEquals(1, DetectionMap.interpolate(0.25, xs, ys), 0);
        assertEquals(0.125, DetectionMap.interpolate(0.75, xs, ys), 1e-15);
        assertEquals(0, DetectionMap.interpolate(1, xs, ys), 0);
    }
}

package org.odf2nna.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Labelled boxes assigned to a YOLOv8 output's anchors as Ultralytics' task-aligned assigner assigns them. */
class DetectorLabelsTest {

    private static final int SIDE = 160;
    private static final int ANCHORS = 525;
    private static final int CLASSES = 3;
    private static final DetectorDistillation.Output OUT = new DetectorDistillation.Output(false, 4 + CLASSES,
            ANCHORS, 8f);

    @Test
    void anchorsLieOnYoloV8sGridsFinestFirst() {
        float[][] c = DetectorLabels.anchorCentres(ANCHORS, SIDE, SIDE);
        assertArrayEquals(new float[] {4, 4}, c[0]);
        assertArrayEquals(new float[] {12, 4}, c[1]);
        assertArrayEquals(new float[] {4, 12}, c[20]);
        assertArrayEquals(new float[] {8, 8}, c[400]);
        assertArrayEquals(new float[] {16, 16}, c[500]);
        assertArrayEquals(new float[] {144, 144}, c[524]);
        assertEquals(8400, DetectorLabels.anchorCentres(8400, 640, 640).length);
        assertNull(DetectorLabels.anchorCentres(524, SIDE, SIDE));
    }

    /** A teacher whose box at every anchor is centred on the anchor, 30 pixels square, every score {@code score}. */
    private static float[] teacher(float[][] centres, float score) {
        float[] t = new float[(4 + CLASSES) * ANCHORS];
        for (int a = 0; a < ANCHORS; a++) {
            t[a] = centres[a][0];
            t[ANCHORS + a] = centres[a][1];
            t[2 * ANCHORS + a] = 30;
            t[3 * ANCHORS + a] = 30;
            for (int k = 0; k < CLASSES; k++) {
                t[(4 + k) * ANCHORS + a] = score;
            }
        }
        return t;
    }

    @Test
    void aBoxGetsItsTenBestAlignedAnchorsInsideItsTargetsScaledToItsBestIou() {
        float[][] c = DetectorLabels.anchorCentres(ANCHORS, SIDE, SIDE);
        // Class 2, centred at (60, 60), 32 x 32 pixels: the stride-8 anchors at 44 < x, y < 76 are inside (4 x 4),
        // stride 16's (56, 72)^2 too; the best teacher box (30 x 30 centred near the box's centre) overlaps most.
        float[] boxes = {2, 60f / SIDE, 60f / SIDE, 32f / SIDE, 32f / SIDE, -1, -1, -1, -1, -1};
        float[] t = DetectorLabels.targets(boxes, 2, 1, teacher(c, 0.5f), OUT, c, SIDE, SIDE);
        int assigned = 0;
        double best = 0;
        for (int a = 0; a < ANCHORS; a++) {
            float target = t[6 * ANCHORS + a];
            assertEquals(0, t[4 * ANCHORS + a]);
            assertEquals(0, t[5 * ANCHORS + a]);
            if (target == 0) {
                assertEquals(0, t[a]);
                continue;
            }
            assigned++;
            assertTrue(Math.abs(c[a][0] - 60) < 16 && Math.abs(c[a][1] - 60) < 16, "anchor " + a + " outside");
            assertArrayEquals(new float[] {60, 60, 32, 32},
                    new float[] {t[a], t[ANCHORS + a], t[2 * ANCHORS + a], t[3 * ANCHORS + a]}, 1e-4f);
            best = Math.max(best, target);
        }
        assertEquals(DetectorLabels.TOP_K, assigned);
        // The best anchor's target is the best IoU: a 30-pixel box inside the 32-pixel label, 900 / 1024.
        assertEquals(900.0 / 1024, best, 1e-4);
    }

    @Test
    void anAnchorInsideTwoBoxesGoesToTheOneItsTeacherBoxOverlapsMost() {
        float[][] c = DetectorLabels.anchorCentres(ANCHORS, SIDE, SIDE);
        // Two boxes of classes 0 and 1 around the same anchor (100, 100): one matches the 30-pixel teacher box, the
        // other is much larger.
        float[] boxes = {0, 100f / SIDE, 100f / SIDE, 30f / SIDE, 30f / SIDE, 1, 100f / SIDE, 100f / SIDE,
            90f / SIDE, 90f / SIDE};
        float[] t = DetectorLabels.targets(boxes, 2, 1, teacher(c, 0.9f), OUT, c, SIDE, SIDE);
        int at = -1;
        for (int a = 0; a < ANCHORS; a++) {
            if (c[a][0] == 100 && c[a][1] == 100) {
                at = a;
            }
        }
        assertTrue(t[4 * ANCHORS + at] > 0.5f, "class 0's target " + t[4 * ANCHORS + at]);
        assertEquals(0, t[5 * ANCHORS + at]);
        assertEquals(30, t[2 * ANCHORS + at], 1e-4);
    }

    @Test
    void imagesWithoutBoxesAndPaddingRowsGiveNoTargets() {
        float[][] c = DetectorLabels.anchorCentres(ANCHORS, SIDE, SIDE);
        float[] boxes = new float[2 * 5];
        java.util.Arrays.fill(boxes, -1);
        float[] t = DetectorLabels.targets(boxes, 1, 2, new float[2 * (4 + CLASSES) * ANCHORS], OUT, c, SIDE,
                SIDE);
        for (float v : t) {
            assertEquals(0, v);
        }
    }
}

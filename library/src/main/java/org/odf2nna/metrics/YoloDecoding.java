package org.odf2nna.metrics;

import java.util.ArrayList;
import java.util.List;
import org.odf2nna.metrics.DetectionMap.Box;
import org.odf2nna.metrics.DetectionMap.Detection;

/**
 * A YOLOv8 output read as detections, as Ultralytics' {@code val} reads it: one image's {@code [4 + classes, anchors]}
 * values (a box's centre and size in input pixels, then each class's score, already through its sigmoid) become one
 * candidate per anchor and class whose score passes the confidence threshold; class-aware non-maximum suppression (a
 * candidate overlapping a higher one of its class by more than the IoU threshold is dropped) keeps at most the most
 * detections, in descending score.
 *
 * @param confidence    scores at or below this are no candidates (Ultralytics' val: 0.001)
 * @param iou           the overlap above which NMS drops the lower of two boxes of a class (val: 0.7)
 * @param mostDetection the detections kept per image (val: 300)
 * @param mostCandidate the candidates NMS takes, the highest scored (Ultralytics' max_nms: 30,000)
 */
public record YoloDecoding(float confidence, float iou, int mostDetection, int mostCandidate) {

    /** Ultralytics' val defaults: conf 0.001, iou 0.7, max_det 300. */
    public static final YoloDecoding VAL = new YoloDecoding(0.001f, 0.7f, 300, 30_000);

    /** The offset per class that keeps boxes of different classes apart in one NMS (Ultralytics' max_wh). */
    static final float CLASS_OFFSET = 7680f;

    /**
     * Whether an output of this shape is YOLOv8's {@code [1, 4 + classes, anchors]}: one image, at least one class,
     * more anchors than channels.
     */
    public static boolean isYoloV8(long[] shape) {
        return shape.length == 3 && shape[0] == 1 && shape[1] > 4 && shape[2] > shape[1];
    }

    /**
     * One image's detections, in descending score, boxes unclipped.
     *
     * @param values   {@code channels × anchors} values, row-major, from {@code offset}
     * @param channels 4 + the classes
     */
    public List<Detection> detections(float[] values, int offset, int channels, int anchors) {
        List<Detection> candidates = new ArrayList<>();
        for (int a = 0; a < anchors; a++) {
            Box box = null;
            for (int c = 4; c < channels; c++) {
                float score = values[offset + c * anchors + a];
                if (score > confidence) {
                    if (box == null) {
                        box = Box.ofCentre(values[offset + a], values[offset + anchors + a],
                                values[offset + 2 * anchors + a], values[offset + 3 * anchors + a]);
                    }
                    candidates.add(new Detection(box, score, c - 4));
                }
            }
        }
        // Descending score, stable: ties stay in anchor order.
        candidates.sort((p, q) -> Float.compare(q.score(), p.score()));
        if (candidates.size() > mostCandidate) {
            candidates = new ArrayList<>(candidates.subList(0, mostCandidate));
        }
        return suppressed(candidates);
    }

    /** Greedy NMS over candidates in descending score, each class's boxes apart from the others'. */
    private List<Detection> suppressed(List<Detection> candidates) {
        int n = candidates.size();
        Box[] shifted = new Box[n];
        for (int i = 0; i < n; i++) {
            Detection d = candidates.get(i);
            float shift = d.classId() * CLASS_OFFSET;
            Box b = d.box();
            shifted[i] = new Box(b.x1() + shift, b.y1() + shift, b.x2() + shift, b.y2() + shift);
        }
        boolean[] dropped = new boolean[n];
        List<Detection> kept = new ArrayList<>();
        for (int i = 0; i < n && kept.size() < mostDetection; i++) {
            if (dropped[i]) {
                continue;
            }
            kept.add(candidates.get(i));
            for (int j = i + 1; j < n; j++) {
                if (!dropped[j] && overlap(shifted[i], shifted[j]) > iou) {
                    dropped[j] = true;
                }
            }
        }
        return kept;
    }

    /** IoU as torchvision's NMS computes it: no epsilon. */
    static float overlap(Box a, Box b) {
        float iw = Math.max(0f, Math.min(a.x2(), b.x2()) - Math.max(a.x1(), b.x1()));
        float ih = Math.max(0f, Math.min(a.y2(), b.y2()) - Math.max(a.y1(), b.y1()));
        float inter = iw * ih;
        float areaA = (a.x2() - a.x1()) * (a.y2() - a.y1());
        float areaB = (b.x2() - b.x1()) * (b.y2() - b.y1());
        return inter / (areaA + areaB - inter);
    }
}

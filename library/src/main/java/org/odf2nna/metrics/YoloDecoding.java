package org.odf2nna.metrics;

import java.util.ArrayList;
import java.util.List;
import org.odf2nna.metrics.DetectionMap.Box;
import org.odf2nna.metrics.DetectionMap.Detection;

/**
 * A YOLO output read as detections, as Ultralytics' {@code val} reads it: one image's {@code [4 + classes, anchors]}
 * values (YOLOv8: a box's centre and size in input pixels, then each class's score, already through its sigmoid) become
 * one candidate per anchor and class whose score passes the confidence threshold; class-aware non-maximum suppression
 * (a candidate overlapping a higher one of its class by more than the IoU threshold is dropped) keeps at most the most
 * detections, in descending score. YOLOv5's {@code [anchors, 5 + classes]} ({@link #detectionsV5}) is read as its
 * {@code val.py} reads it: an objectness after the box gates the anchor and multiplies each class's score.
 *
 * @param confidence    scores at or below this are no candidates (Ultralytics' val: 0.001)
 * @param iou           the overlap above which NMS drops the lower of two boxes of a class (val: 0.7; YOLOv5: 0.6)
 * @param mostDetection the detections kept per image (val: 300)
 * @param mostCandidate the candidates NMS takes, the highest scored (Ultralytics' max_nms: 30,000)
 */
public record YoloDecoding(float confidence, float iou, int mostDetection, int mostCandidate) {

    /** Ultralytics' val defaults: conf 0.001, iou 0.7, max_det 300. */
    public static final YoloDecoding VAL = new YoloDecoding(0.001f, 0.7f, 300, 30_000);

    /** YOLOv5's val.py defaults: conf 0.001, iou 0.6, max_det 300 (its NMS: max_nms 30,000). */
    public static final YoloDecoding VAL_V5 = new YoloDecoding(0.001f, 0.6f, 300, 30_000);

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
     * Whether an output of this shape is YOLOv5's {@code [1, anchors, 5 + classes]}: one image, at least one class,
     * more anchors than channels. The larger of the last two sizes is taken as the anchors, so no shape is both this
     * and {@link #isYoloV8} (YOLOv8's channels exceed 4, YOLOv5's 5); a shape with as many anchors as channels is
     * neither.
     */
    public static boolean isYoloV5(long[] shape) {
        return shape.length == 3 && shape[0] == 1 && shape[2] > 5 && shape[1] > shape[2];
    }

    /**
     * A recognised output, per image.
     *
     * @param anchorsFirst YOLOv5's {@code [1, anchors, 5 + classes]}; otherwise YOLOv8's {@code [1, 4 + classes,
     *                     anchors]}
     * @param classes      the classes scored
     * @param anchors      the anchors (candidate boxes)
     */
    public record Layout(boolean anchorsFirst, int classes, int anchors) {

        /** The layout of an output of this shape (one image's), or null when it is neither YOLO's. */
        public static Layout of(long[] shape) {
            if (isYoloV8(shape)) {
                return new Layout(false, (int) shape[1] - 4, (int) shape[2]);
            }
            if (isYoloV5(shape)) {
                return new Layout(true, (int) shape[2] - 5, (int) shape[1]);
            }
            return null;
        }

        /** The values of one image's output. */
        public int width() {
            return (classes + (anchorsFirst ? 5 : 4)) * anchors;
        }

        /** Image {@code image}'s detections in {@code values} (a batch's output), as its family's val finds them. */
        public List<Detection> valDetections(float[] values, int image) {
            int offset = image * width();
            return anchorsFirst ? VAL_V5.detectionsV5(values, offset, anchors, 5 + classes)
                    : VAL.detections(values, offset, 4 + classes, anchors);
        }
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
        return kept(candidates);
    }

    /**
     * One image's detections from YOLOv5's layout, as its {@code non_max_suppression} finds them at val.py's
     * {@code multi_label=True}: an anchor is a candidate when its objectness passes the confidence threshold; each
     * class then scores objectness × the class's score (float), and every (anchor, class) pair whose score passes the
     * threshold goes to the same NMS as YOLOv8's. In descending score, boxes unclipped.
     *
     * @param values   {@code anchors × channels} values, row-major, from {@code offset}: per anchor the box's centre
     *                 and size in input pixels, the objectness, then each class's score (both through their sigmoid)
     * @param channels 5 + the classes
     */
    public List<Detection> detectionsV5(float[] values, int offset, int anchors, int channels) {
        List<Detection> candidates = new ArrayList<>();
        for (int a = 0; a < anchors; a++) {
            int at = offset + a * channels;
            float objectness = values[at + 4];
            if (!(objectness > confidence)) {
                continue;
            }
            Box box = Box.ofCentre(values[at], values[at + 1], values[at + 2], values[at + 3]);
            for (int c = 5; c < channels; c++) {
                float score = values[at + c] * objectness;
                if (score > confidence) {
                    candidates.add(new Detection(box, score, c - 5));
                }
            }
        }
        return kept(candidates);
    }

    /** The candidates (in anchor, then class order) that NMS keeps: the most scored first, at most the most. */
    private List<Detection> kept(List<Detection> candidates) {
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

package org.odf2nna.tf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A YOLOv8 detector's labelled boxes as per-anchor targets, assigned as Ultralytics' task-aligned assigner assigns
 * them (ultralytics/utils/tal.py, {@code TaskAlignedAssigner}: top 10, score power 1, IoU power 6), once per image from
 * the original's outputs rather than anew at every step from the model being trained: an anchor is a candidate of a
 * box when its centre lies inside it; of those, the 10 whose alignment (the original's score for the box's class
 * times the IoU of the original's box there with the label, to the 6th) is highest are assigned to it; an anchor
 * assigned to several boxes keeps the one its box overlaps most. Its target is the box (centre and size in input
 * pixels) and, for the box's class, its alignment scaled so that the box's best anchor gets the box's best IoU.
 * The targets lie as the output does ({@code [4 + classes, anchors]} per image): the box in the first four channels,
 * the class targets after them, every unassigned anchor 0.
 */
final class DetectorLabels {

    static final int TOP_K = 10;
    static final double SCORE_POWER = 1;
    static final double IOU_POWER = 6;
    /** Stride sets of Ultralytics' YOLOv8 heads (P3-P5, and P3-P6 of the -p6 models). */
    private static final int[][] STRIDES = {{8, 16, 32}, {8, 16, 32, 64}};

    private DetectorLabels() {
    }

    /**
     * The anchors' centres in input pixels, {x, y} per anchor in the output's order (the finest grid first, each row
     * by row), or null when no YOLOv8 stride set gives {@code anchors} anchors on an input of {@code height} ×
     * {@code width}.
     */
    static float[][] anchorCentres(int anchors, int height, int width) {
        for (int[] strides : STRIDES) {
            int total = 0;
            for (int s : strides) {
                total += height % s == 0 && width % s == 0 ? (height / s) * (width / s) : -anchors;
            }
            if (total != anchors) {
                continue;
            }
            float[][] centres = new float[anchors][];
            int a = 0;
            for (int s : strides) {
                for (int y = 0; y < height / s; y++) {
                    for (int x = 0; x < width / s; x++) {
                        centres[a++] = new float[] {(x + 0.5f) * s, (y + 0.5f) * s};
                    }
                }
            }
            return centres;
        }
        return null;
    }

    /** One label in input pixels: its class and corners. */
    private record Label(int cls, double x1, double y1, double x2, double y2) {

        double[] centred() {
            return new double[] {(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1};
        }
    }

    /**
     * Per-anchor targets for every image, row-major {@code [images, channels, anchors]}.
     *
     * @param boxes    per image {@code perImage} rows of class, cx, cy, w, h normalised to the input (rows of -1 pad)
     * @param teacher  the original's raw outputs per image, {@code [channels, anchors]} each
     * @param centres  {@link #anchorCentres}
     */
    static float[] targets(float[] boxes, int perImage, int images, float[] teacher, DetectorDistillation.Output o,
            float[][] centres, int height, int width) {
        int channels = o.channels();
        int anchors = o.anchors();
        float[] out = new float[images * channels * anchors];
        for (int i = 0; i < images; i++) {
            List<Label> labels = labels(boxes, perImage, i, height, width, channels - 4);
            assign(labels, teacher, i * channels * anchors, channels, anchors, centres, out);
        }
        return out;
    }

    private static List<Label> labels(float[] boxes, int perImage, int image, int height, int width, int classes) {
        List<Label> labels = new ArrayList<>();
        for (int m = 0; m < perImage; m++) {
            int at = (image * perImage + m) * 5;
            int c = (int) boxes[at];
            if (boxes[at] < 0 || c >= classes) {
                continue;
            }
            double cx = boxes[at + 1] * width;
            double cy = boxes[at + 2] * height;
            double w = boxes[at + 3] * width;
            double h = boxes[at + 4] * height;
            labels.add(new Label(c, cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2));
        }
        return labels;
    }

    /** Writes one image's targets at {@code base} of {@code out}, reading its teacher outputs at the same place. */
    private static void assign(List<Label> labels, float[] teacher, int base, int channels, int anchors,
            float[][] centres, float[] out) {
        if (labels.isEmpty()) {
            return;
        }
        int[] owner = new int[anchors];
        double[] ownerIou = new double[anchors];
        double[] alignment = new double[anchors];
        Arrays.fill(owner, -1);
        for (int g = 0; g < labels.size(); g++) {
            Label l = labels.get(g);
            double[] align = new double[anchors];
            double[] iou = new double[anchors];
            for (int a = 0; a < anchors; a++) {
                float x = centres[a][0];
                float y = centres[a][1];
                if (x - l.x1() <= 1e-9 || l.x2() - x <= 1e-9 || y - l.y1() <= 1e-9 || l.y2() - y <= 1e-9) {
                    align[a] = -1;
                    continue;
                }
                iou[a] = iou(teacher, base, anchors, a, l);
                double score = teacher[base + (4 + l.cls()) * anchors + a];
                align[a] = Math.pow(Math.max(score, 0), SCORE_POWER) * Math.pow(iou[a], IOU_POWER);
            }
            for (int a : topK(align)) {
                if (owner[a] < 0 || iou[a] > ownerIou[a]) {
                    owner[a] = g;
                    ownerIou[a] = iou[a];
                    alignment[a] = align[a];
                }
            }
        }
        write(labels, owner, ownerIou, alignment, base, channels, anchors, out);
    }

    /** The anchors of the {@link #TOP_K} highest alignments among the candidates (alignment ≥ 0). */
    private static List<Integer> topK(double[] align) {
        List<Integer> candidates = new ArrayList<>();
        for (int a = 0; a < align.length; a++) {
            if (align[a] >= 0) {
                candidates.add(a);
            }
        }
        candidates.sort((p, q) -> Double.compare(align[q], align[p]));
        return candidates.subList(0, Math.min(TOP_K, candidates.size()));
    }

    private static void write(List<Label> labels, int[] owner, double[] ownerIou, double[] alignment, int base,
            int channels, int anchors, float[] out) {
        double[] bestAlign = new double[labels.size()];
        double[] bestIou = new double[labels.size()];
        for (int a = 0; a < anchors; a++) {
            if (owner[a] >= 0) {
                bestAlign[owner[a]] = Math.max(bestAlign[owner[a]], alignment[a]);
                bestIou[owner[a]] = Math.max(bestIou[owner[a]], ownerIou[a]);
            }
        }
        for (int a = 0; a < anchors; a++) {
            int g = owner[a];
            if (g < 0) {
                continue;
            }
            double[] box = labels.get(g).centred();
            for (int k = 0; k < 4; k++) {
                out[base + k * anchors + a] = (float) box[k];
            }
            double target = alignment[a] * bestIou[g] / (bestAlign[g] + 1e-9);
            out[base + (4 + labels.get(g).cls()) * anchors + a] = (float) target;
        }
    }

    /** The IoU of the teacher's box at anchor {@code a} (centre and size) with label {@code l}. */
    private static double iou(float[] teacher, int base, int anchors, int a, Label l) {
        double cx = teacher[base + a];
        double cy = teacher[base + anchors + a];
        double w = teacher[base + 2 * anchors + a];
        double h = teacher[base + 3 * anchors + a];
        double ix = Math.min(cx + w / 2, l.x2()) - Math.max(cx - w / 2, l.x1());
        double iy = Math.min(cy + h / 2, l.y2()) - Math.max(cy - h / 2, l.y1());
        if (ix <= 0 || iy <= 0) {
            return 0;
        }
        double inter = ix * iy;
        double union = w * h + (l.x2() - l.x1()) * (l.y2() - l.y1()) - inter;
        return union > 0 ? inter / union : 0;
    }
}

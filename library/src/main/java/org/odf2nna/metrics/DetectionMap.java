package org.odf2nna.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * A detector's mean average precision over images, as COCO and Ultralytics' {@code val} define it: each image's
 * detections (in descending score) are matched to its ground-truth boxes at the ten IoU thresholds 0.50, 0.55, ...,
 * 0.95 (one box per detection and one detection per box, the class the same); then, per class that has ground truth,
 * the precision and recall of the detections in descending score give a precision envelope integrated at 101 recall
 * points; mAP50 is the mean of those APs at IoU 0.50 over the classes with ground truth, mAP50-95 the mean over all ten
 * thresholds. A class with ground truth and no detection has AP 0.
 *
 * <p>Boxes are compared in the space both are given in (pixels of the image, say); IoU is computed in float as
 * Ultralytics computes it, so that a pair at a threshold's edge is decided alike.
 */
public final class DetectionMap {

    /** The IoU thresholds 0.50:0.05:0.95, as float (what the matches are compared with). */
    static final float[] THRESHOLDS = thresholds();

    /** A box by its corners: {@code x1 <= x2}, {@code y1 <= y2}. */
    public record Box(float x1, float y1, float x2, float y2) {

        /** The box of a centre and a size. */
        public static Box ofCentre(float cx, float cy, float w, float h) {
            float dw = w / 2;
            float dh = h / 2;
            return new Box(cx - dw, cy - dh, cx + dw, cy + dh);
        }

        /** Intersection over union, float arithmetic with 1e-7 in the denominator (Ultralytics' box_iou). */
        public float iou(Box o) {
            float iw = Math.max(0f, Math.min(x2, o.x2) - Math.max(x1, o.x1));
            float ih = Math.max(0f, Math.min(y2, o.y2) - Math.max(y1, o.y1));
            float inter = iw * ih;
            return inter / ((x2 - x1) * (y2 - y1) + (o.x2 - o.x1) * (o.y2 - o.y1) - inter + 1e-7f);
        }

        /** The box clipped to [0, width] × [0, height]. */
        public Box clipped(float width, float height) {
            return new Box(clamp(x1, width), clamp(y1, height), clamp(x2, width), clamp(y2, height));
        }

        private static float clamp(float v, float most) {
            return Math.min(Math.max(v, 0f), most);
        }
    }

    /** One detection: its box, score and class. */
    public record Detection(Box box, float score, int classId) {
    }

    /** One ground-truth box and its class. */
    public record Truth(Box box, int classId) {

        /**
         * A label as Ultralytics writes it, centre and size normalised to the image, in input pixels of an image
         * {@code width} by {@code height}.
         */
        public static Truth ofNormalised(int classId, float cx, float cy, float w, float h, int width, int height) {
            Box n = Box.ofCentre(cx, cy, w, h);
            return new Truth(new Box(n.x1() * width, n.y1() * height, n.x2() * width, n.y2() * height), classId);
        }
    }

    /**
     * What the images gave.
     *
     * @param map50      mean AP at IoU 0.50 over the classes with ground truth
     * @param map50to95  mean AP over the ten thresholds and those classes
     * @param classes    the classes with ground truth
     * @param images     images added
     * @param truths     ground-truth boxes
     * @param detections detections
     */
    public record Result(double map50, double map50to95, int classes, long images, long truths, long detections) {
    }

    private final List<float[]> scores = new ArrayList<>();
    private final List<int[]> classIds = new ArrayList<>();
    private final List<boolean[][]> correct = new ArrayList<>();
    private final TreeMap<Integer, Integer> truthsPerClass = new TreeMap<>();
    private long images;
    private long truths;
    private long detections;

    /**
     * Adds one image.
     *
     * @param found    its detections, in descending score (as NMS gives them: the first wins a contested box)
     * @param expected its ground-truth boxes
     */
    public void add(List<Detection> found, List<Truth> expected) {
        images++;
        truths += expected.size();
        detections += found.size();
        expected.forEach(t -> truthsPerClass.merge(t.classId(), 1, Integer::sum));
        float[] s = new float[found.size()];
        int[] c = new int[found.size()];
        for (int d = 0; d < s.length; d++) {
            s[d] = found.get(d).score();
            c[d] = found.get(d).classId();
        }
        scores.add(s);
        classIds.add(c);
        correct.add(match(found, expected));
    }

    /**
     * Which detections are true positives at each threshold, as Ultralytics matches them: the pairs of a class at or
     * above the threshold, by descending IoU; each detection keeps its best pair; then each box keeps the pair of its
     * first detection (the highest scored).
     *
     * @return [detection][threshold]
     */
    static boolean[][] match(List<Detection> found, List<Truth> expected) {
        int n = found.size();
        int m = expected.size();
        boolean[][] hit = new boolean[n][THRESHOLDS.length];
        float[][] iou = new float[m][n];
        for (int t = 0; t < m; t++) {
            for (int d = 0; d < n; d++) {
                Truth truth = expected.get(t);
                Detection det = found.get(d);
                iou[t][d] = truth.classId() == det.classId() ? truth.box().iou(det.box()) : 0f;
            }
        }
        for (int k = 0; k < THRESHOLDS.length; k++) {
            int[] boxOf = new int[n];
            float[] best = new float[n];
            Arrays.fill(boxOf, -1);
            for (int t = 0; t < m; t++) {
                for (int d = 0; d < n; d++) {
                    float v = iou[t][d];
                    if (v >= THRESHOLDS[k] && (boxOf[d] < 0 || v > best[d])) {
                        boxOf[d] = t;
                        best[d] = v;
                    }
                }
            }
            boolean[] taken = new boolean[m];
            for (int d = 0; d < n; d++) {
                if (boxOf[d] >= 0 && !taken[boxOf[d]]) {
                    taken[boxOf[d]] = true;
                    hit[d][k] = true;
                }
            }
        }
        return hit;
    }

    /** The mean APs over the images added. */
    public Result result() {
        int total = (int) detections;
        float[] s = new float[total];
        int[] c = new int[total];
        boolean[][] tp = new boolean[total][];
        int at = 0;
        for (int i = 0; i < scores.size(); i++) {
            for (int d = 0; d < scores.get(i).length; d++, at++) {
                s[at] = scores.get(i)[d];
                c[at] = classIds.get(i)[d];
                tp[at] = correct.get(i)[d];
            }
        }
        Integer[] order = new Integer[total];
        for (int i = 0; i < total; i++) {
            order[i] = i;
        }
        // Descending score; a stable sort keeps ties in image order.
        Arrays.sort(order, (a, b) -> Float.compare(s[b], s[a]));
        double sum50 = 0;
        double sumAll = 0;
        for (var e : truthsPerClass.entrySet()) {
            double[] ap = classAp(e.getKey(), e.getValue(), order, c, tp);
            sum50 += ap[0];
            for (double v : ap) {
                sumAll += v / THRESHOLDS.length;
            }
        }
        int classes = truthsPerClass.size();
        return new Result(classes == 0 ? 0 : sum50 / classes, classes == 0 ? 0 : sumAll / classes, classes, images,
                truths, detections);
    }

    /** One class's AP at each threshold: its detections in {@code order}, against {@code labels} boxes. */
    private static double[] classAp(int classId, int labels, Integer[] order, int[] classOf, boolean[][] tp) {
        List<Integer> mine = new ArrayList<>();
        for (Integer i : order) {
            if (classOf[i] == classId) {
                mine.add(i);
            }
        }
        double[] ap = new double[THRESHOLDS.length];
        if (mine.isEmpty()) {
            return ap;
        }
        for (int k = 0; k < THRESHOLDS.length; k++) {
            double[] recall = new double[mine.size()];
            double[] precision = new double[mine.size()];
            long tpc = 0;
            long fpc = 0;
            for (int j = 0; j < mine.size(); j++) {
                if (tp[mine.get(j)][k]) {
                    tpc++;
                } else {
                    fpc++;
                }
                recall[j] = tpc / (labels + 1e-16);
                precision[j] = tpc / (double) (tpc + fpc);
            }
            ap[k] = averagePrecision(recall, precision);
        }
        return ap;
    }

    /**
     * The area under a precision-recall curve as COCO takes it: the curve with (0, 1) before it and (1, 0) after it,
     * precision replaced by its envelope (the most precision at any higher recall), read at the 101 recalls 0, 0.01,
     * ..., 1 by linear interpolation and integrated by the trapezoid rule.
     *
     * @param recall    recall after each detection, in descending score (never falling)
     * @param precision precision after each detection
     */
    public static double averagePrecision(double[] recall, double[] precision) {
        int n = recall.length + 2;
        double[] mrec = new double[n];
        double[] mpre = new double[n];
        mrec[n - 1] = 1;
        mpre[0] = 1;
        System.arraycopy(recall, 0, mrec, 1, recall.length);
        System.arraycopy(precision, 0, mpre, 1, precision.length);
        for (int i = n - 2; i >= 0; i--) {
            mpre[i] = Math.max(mpre[i], mpre[i + 1]);
        }
        double area = 0;
        double previousX = 0;
        double previousY = 0;
        for (int i = 0; i <= 100; i++) {
            double x = i == 100 ? 1.0 : i * 0.01;
            double y = interpolate(x, mrec, mpre);
            if (i > 0) {
                area += (x - previousX) * (y + previousY) / 2;
            }
            previousX = x;
            previousY = y;
        }
        return area;
    }

    /**
     * The value at {@code x} of the piecewise-linear curve through ({@code xs}, {@code ys}), {@code xs} never falling:
     * where several points share an x, the last of them (as NumPy's interp reads it).
     */
    static double interpolate(double x, double[] xs, double[] ys) {
        int last = xs.length - 1;
        if (x < xs[0]) {
            return ys[0];
        }
        if (x >= xs[last]) {
            return ys[last];
        }
        int lo = 0;
        int hi = last;
        // The last index with xs[j] <= x: xs[lo] <= x < xs[hi].
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (xs[mid] <= x) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        if (xs[lo] == x) {
            return ys[lo];
        }
        double slope = (ys[lo + 1] - ys[lo]) / (xs[lo + 1] - xs[lo]);
        return slope * (x - xs[lo]) + ys[lo];
    }

    private static float[] thresholds() {
        float[] t = new float[10];
        for (int i = 0; i < t.length; i++) {
            // torch.linspace(0.5, 0.95, 10) in float: start + i·step.
            t[i] = (float) (0.5 + i * (0.45 / 9));
        }
        return t;
    }
}

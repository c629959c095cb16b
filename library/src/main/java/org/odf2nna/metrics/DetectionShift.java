package org.odf2nna.metrics;

import java.util.ArrayList;
import java.util.List;
import org.odf2nna.metrics.DetectionMap.Detection;
import org.odf2nna.metrics.DetectionMap.Truth;

/**
 * How far a candidate detector's mAP can lie below the original's, from per-image counts (docs/promise.md,
 * "Detectors"). Per image, class c and IoU threshold τ, from both models' detections on it matched to its boxes as
 * {@link DetectionMap} matches them:
 * <ul>
 *   <li><b>lost</b> y = the most, over score thresholds s, by which the original's true positives scored ≥ s
 *       outnumber the candidate's;</li>
 *   <li><b>extra</b> x = the most, over s, by which the candidate's false positives scored ≥ s outnumber the
 *       original's.</li>
 * </ul>
 * With Ȳ, X̄ their means per image and G the mean number of boxes of class c per image (population means),
 * AP_orig − AP_cand ≤ ⌈100·Ȳ/G⌉/100 + Σ_{j=1..100} w_j·min(1, (X̄ + Ȳ)/(r_j·G)) for the 101-point AP
 * (r_j = j/100, w_j the trapezoid weights: 1/100, 1/200 at r = 1; {@link #apDropBound}). The bound is worst-case:
 * it holds for every pair of detectors and every distribution of images.
 *
 * <p>{@link #agrees} is the label-free per-image measure: whether the candidate's detections at a deployment
 * confidence pair one to one with the original's (same class, IoU at least a threshold).
 */
public final class DetectionShift {

    /** The IoU thresholds 0.50:0.05:0.95 (as {@link DetectionMap} matches at them). */
    public static final int THRESHOLDS = DetectionMap.THRESHOLDS.length;

    /** Σ_{j=1..100} w_j / r_j: what a unit of X̄ + Ȳ per G costs the AP at most (about 5.18). */
    public static final double HARMONIC = harmonic();

    private DetectionShift() {
    }

    /**
     * One image's counts.
     *
     * @param lost   [class][threshold] y
     * @param extra  [class][threshold] x
     * @param truths [class] the image's boxes of that class
     */
    public record PerImage(int[][] lost, int[][] extra, int[] truths) {
    }

    /**
     * One image's counts for classes 0 .. {@code classes} − 1.
     *
     * @param original  the original's detections on it, in descending score (as NMS gives them)
     * @param candidate the candidate's, likewise
     * @param truths    its ground-truth boxes
     */
    public static PerImage of(List<Detection> original, List<Detection> candidate, List<Truth> truths, int classes) {
        boolean[][] hitO = DetectionMap.match(original, truths);
        boolean[][] hitC = DetectionMap.match(candidate, truths);
        int[][] lost = new int[classes][THRESHOLDS];
        int[][] extra = new int[classes][THRESHOLDS];
        int[] boxes = new int[classes];
        truths.forEach(t -> boxes[t.classId()]++);
        for (int c = 0; c < classes; c++) {
            for (int k = 0; k < THRESHOLDS; k++) {
                float[] tpO = scores(original, hitO, c, k, true);
                float[] tpC = scores(candidate, hitC, c, k, true);
                float[] fpO = scores(original, hitO, c, k, false);
                float[] fpC = scores(candidate, hitC, c, k, false);
                lost[c][k] = mostAhead(tpO, tpC);
                extra[c][k] = mostAhead(fpC, fpO);
            }
        }
        return new PerImage(lost, extra, boxes);
    }

    /** The scores of class {@code c}'s true (or false) positives at threshold {@code k}, in descending order. */
    private static float[] scores(List<Detection> found, boolean[][] hit, int c, int k, boolean truePositive) {
        List<Float> s = new ArrayList<>();
        for (int d = 0; d < found.size(); d++) {
            if (found.get(d).classId() == c && hit[d][k] == truePositive) {
                s.add(found.get(d).score());
            }
        }
        float[] out = new float[s.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = s.get(i);
        }
        java.util.Arrays.sort(out);
        for (int i = 0; i < out.length / 2; i++) {
            float t = out[i];
            out[i] = out[out.length - 1 - i];
            out[out.length - 1 - i] = t;
        }
        return out;
    }

    /**
     * max over s of (#a ≥ s) − (#b ≥ s), at least 0; both in descending order. The difference rises only at a's
     * scores, so it is read there: after a's first i + 1 scores, b's scores at or above a[i] are counted.
     */
    static int mostAhead(float[] a, float[] b) {
        int most = 0;
        int j = 0;
        for (int i = 0; i < a.length; i++) {
            if (i + 1 < a.length && a[i + 1] == a[i]) {
                continue;
            }
            while (j < b.length && b[j] >= a[i]) {
                j++;
            }
            most = Math.max(most, i + 1 - j);
        }
        return most;
    }

    /**
     * The most one class's AP at one threshold can fall, given population means per image.
     *
     * @param lost   Ȳ
     * @param extra  X̄
     * @param truths G, &gt; 0
     */
    public static double apDropBound(double lost, double extra, double truths) {
        if (!(truths > 0)) {
            throw new IllegalArgumentException("a class without boxes has no AP");
        }
        if (lost <= 0 && extra <= 0) {
            return 0;
        }
        double shift = Math.min(100, Math.ceil(100 * lost / truths - 1e-12)) / 100;
        double drop = 0;
        for (int j = 1; j <= 100; j++) {
            double w = j == 100 ? 0.005 : 0.01;
            drop += w * Math.min(1, (extra + lost) / (j / 100.0 * truths));
        }
        return Math.min(1, shift + drop);
    }

    /**
     * The most mAP50-95 (or mAP50 when {@code thresholds} is 1) can fall, given population means: the mean of
     * {@link #apDropBound} over the classes with boxes (G &gt; 0) and the first {@code thresholds} thresholds.
     *
     * @param lost   [class][threshold] Ȳ
     * @param extra  [class][threshold] X̄
     * @param truths [class] G
     */
    public static double mapDropBound(double[][] lost, double[][] extra, double[] truths, int thresholds) {
        double sum = 0;
        int pairs = 0;
        for (int c = 0; c < truths.length; c++) {
            if (truths[c] > 0) {
                for (int k = 0; k < thresholds; k++) {
                    sum += apDropBound(lost[c][k], extra[c][k], truths[c]);
                    pairs++;
                }
            }
        }
        return pairs == 0 ? 0 : sum / pairs;
    }

    /** The per-image means of a set of images' counts: {lost, extra} as [class][threshold], and truths per class. */
    public static Means means(List<PerImage> images, int classes) {
        double[][] y = new double[classes][THRESHOLDS];
        double[][] x = new double[classes][THRESHOLDS];
        double[] g = new double[classes];
        for (PerImage p : images) {
            for (int c = 0; c < classes; c++) {
                g[c] += p.truths()[c] / (double) images.size();
                for (int k = 0; k < THRESHOLDS; k++) {
                    y[c][k] += p.lost()[c][k] / (double) images.size();
                    x[c][k] += p.extra()[c][k] / (double) images.size();
                }
            }
        }
        return new Means(y, x, g);
    }

    /** Means per image: lost and extra [class][threshold], truths [class]. */
    public record Means(double[][] lost, double[][] extra, double[] truths) {

        /** {@link #mapDropBound} at these means. */
        public double mapDropBound(int thresholds) {
            return DetectionShift.mapDropBound(lost, extra, truths, thresholds);
        }
    }

    /**
     * The certificate on sampled images, linearised so that each class is one bounded per-image loss: since
     * ⌈z⌉ ≤ z + 1 and min(1, v) ≤ v, mAP50-95 falls by at most 1/100 + (1/C)·Σ_c E[ℓ_c]/G_c with per image
     * ℓ_c = (1/10)·Σ_τ ((1 + H)·y + H·x), H = {@link #HARMONIC}. So mAP50-95 falls by at most t when every class
     * has E[ℓ_c − (t − 1/100)·g_c] ≤ 0; each class is tested so by the empirical-Bernstein bound at the whole
     * level (all must pass: an intersection-union test), every image's ℓ_c and g_c within [0, {@code range}].
     *
     * @param images    the validation images' counts
     * @param classes   the model's classes
     * @param tolerance t, a share (0.01 = one point of mAP)
     * @param range     the most ℓ_c or (t − 1/100)·g_c any image can reach, fixed before the images are seen
     * @param level     δ
     * @return the bounds, one per class with boxes; the round holds when all hold
     */
    public static List<LossBound> certify(List<PerImage> images, int classes, double tolerance, double range,
            double level) {
        List<LossBound> out = new ArrayList<>();
        double allowed = tolerance - 0.01;
        for (int c = 0; c < classes; c++) {
            double[] loss = new double[images.size()];
            double[] base = new double[images.size()];
            boolean any = false;
            for (int i = 0; i < loss.length; i++) {
                PerImage p = images.get(i);
                for (int k = 0; k < THRESHOLDS; k++) {
                    loss[i] += ((1 + HARMONIC) * p.lost()[c][k] + HARMONIC * p.extra()[c][k]) / THRESHOLDS;
                }
                base[i] = Math.max(0, allowed) * p.truths()[c];
                any |= p.truths()[c] > 0;
            }
            if (any) {
                out.add(allowed <= 0 ? new LossBound(loss.length, 0, 0, 0, Double.NaN, Double.NaN, tolerance, false,
                        "a tolerance of at most one point of mAP cannot be certified (the 101-point grid alone can "
                        + "cost one point)", true, 1 - level, false)
                        : BoundedRegression.judgeShift(base, loss, range, 0, level,
                                ChainCertificate.Reading.POPULATION, "class " + c + "'s per-image detection loss"));
            }
        }
        return out;
    }

    /**
     * The most ℓ_c can reach on an image (as {@link #certify} takes it): (1 + H)·(its boxes) + H·(its detections),
     * with at most {@code boxes} boxes and {@code detections} detections of a class per image.
     */
    public static double range(int boxes, int detections) {
        return (1 + HARMONIC) * boxes + HARMONIC * detections;
    }

    /**
     * Whether the candidate's detections on an image agree with the original's: those scored at least
     * {@code confidence} pair one to one, greedily in descending score, each with an unpaired one of the other's of
     * the same class at IoU at least {@code iou}.
     */
    public static boolean agrees(List<Detection> original, List<Detection> candidate, float confidence, float iou) {
        List<Detection> a = above(original, confidence);
        List<Detection> b = above(candidate, confidence);
        if (a.size() != b.size()) {
            return false;
        }
        boolean[] taken = new boolean[b.size()];
        for (Detection d : a) {
            int best = partner(d, b, taken, iou);
            if (best < 0) {
                return false;
            }
            taken[best] = true;
        }
        return true;
    }

    /** The untaken box of {@code d}'s class in {@code others} it overlaps most at IoU {@code iou} or more; -1: none. */
    private static int partner(Detection d, List<Detection> others, boolean[] taken, float iou) {
        int best = -1;
        float bestIou = iou;
        for (int j = 0; j < others.size(); j++) {
            float v = others.get(j).classId() == d.classId() ? d.box().iou(others.get(j).box()) : -1f;
            if (!taken[j] && v >= bestIou) {
                best = j;
                bestIou = v;
            }
        }
        return best;
    }

    /**
     * An image's errors at a working point: its boxes missed plus the false detections, the detections scored at least
     * {@code confidence} taken in descending score, each matched to the image's unmatched box of its class it overlaps
     * most at IoU at least {@code iou} (Ultralytics' predict default and val's first threshold).
     */
    public static int errors(List<Detection> found, List<DetectionMap.Truth> truths, float confidence, float iou) {
        List<Detection> kept = new java.util.ArrayList<>(above(found, confidence));
        kept.sort((p, q) -> Float.compare(q.score(), p.score()));
        List<Detection> boxes = truths.stream().map(t -> new Detection(t.box(), 1f, t.classId())).toList();
        boolean[] matched = new boolean[boxes.size()];
        int hits = 0;
        for (Detection d : kept) {
            int best = partner(d, boxes, matched, iou);
            if (best >= 0) {
                matched[best] = true;
                hits++;
            }
        }
        return kept.size() - hits + truths.size() - hits;
    }

    private static List<Detection> above(List<Detection> found, float confidence) {
        return found.stream().filter(d -> d.score() >= confidence).toList();
    }

    private static double harmonic() {
        double h = 0;
        for (int j = 1; j <= 100; j++) {
            h += (j == 100 ? 0.005 : 0.01) / (j / 100.0);
        }
        return h;
    }
}

package org.odf2nna.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.metrics.DetectionMap.Box;
import org.odf2nna.metrics.DetectionMap.Detection;
import org.odf2nna.metrics.DetectionMap.Truth;

/**
 * The mAP drop bound of {@link DetectionShift}, checked by simulation where the true rates are known: a population of
 * images large enough that its mAP is the population's, an original detector and candidates that lose, loosen, lower
 * and add detections at known rates; the bound computed from the population's means must lie above the mAP drop.
 */
public class DetectionShiftTest {

    private static final Box A = new Box(0, 0, 10, 10);
    private static final Box B = new Box(20, 20, 40, 30);

    @Test
    void countsLostTruePositivesAndExtraFalsePositivesPerThreshold() {
        List<Truth> truths = List.of(new Truth(A, 0), new Truth(B, 1));
        List<Detection> original = List.of(new Detection(A, 0.9f, 0), new Detection(B, 0.8f, 1));
        // The candidate finds A lower, loses B, and adds a false box of class 1 above B's old score.
        List<Detection> candidate = List.of(new Detection(new Box(50, 50, 60, 60), 0.85f, 1),
                new Detection(A, 0.5f, 0));
        DetectionShift.PerImage p = DetectionShift.of(original, candidate, truths, 2);
        // Class 0: above 0.5 the original has 1 true positive, the candidate none.
        assertEquals(1, p.lost()[0][0]);
        assertEquals(0, p.extra()[0][0]);
        assertEquals(1, p.lost()[1][9]);
        assertEquals(1, p.extra()[1][0]);
        assertEquals(1, p.truths()[0]);
        DetectionShift.PerImage same = DetectionShift.of(original, original, truths, 2);
        assertEquals(0, same.lost()[0][0] + same.lost()[1][0] + same.extra()[0][0] + same.extra()[1][0]);
    }

    @Test
    void mostAheadReadsTheCountingFunctions() {
        assertEquals(0, DetectionShift.mostAhead(new float[] {0.9f, 0.5f}, new float[] {0.95f, 0.6f}));
        assertEquals(1, DetectionShift.mostAhead(new float[] {0.9f, 0.5f}, new float[] {0.6f, 0.55f}));
        assertEquals(2, DetectionShift.mostAhead(new float[] {0.9f, 0.9f}, new float[] {}));
        assertEquals(1, DetectionShift.mostAhead(new float[] {0.9f, 0.5f}, new float[] {0.9f}));
    }

    /**
     * Six candidates at known rates on 20,000 images (the population's mAP to about 0.002): the bound from the
     * population's means always lies above the drop of mAP50-95 and of mAP50.
     */
    @Test
    void theBoundHoldsOnSimulatedPopulations() {
        double[][] rates = { // lose, loosen (box jitter), lower (score noise), add false boxes, add high false boxes
            {0, 0, 0, 0, 0}, {0.01, 0, 0, 0, 0}, {0.05, 0.5, 0.05, 0.2, 0}, {0, 2.0, 0, 0, 0}, {0.02, 0, 0.2, 1, 0.05},
            {0.2, 1, 0.1, 2, 0.3}};
        for (double[] r : rates) {
            Random rng = new Random(7);
            DetectionMap before = new DetectionMap();
            DetectionMap after = new DetectionMap();
            List<DetectionShift.PerImage> images = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                List<Truth> truths = truths(rng);
                List<Detection> o = original(truths, rng);
                List<Detection> c = candidate(o, r, rng);
                before.add(o, truths);
                after.add(c, truths);
                images.add(DetectionShift.of(o, c, truths, 3));
            }
            DetectionShift.Means m = DetectionShift.means(images, 3);
            double drop = before.result().map50to95() - after.result().map50to95();
            double drop50 = before.result().map50() - after.result().map50();
            System.out.printf("rates %s: mAP50-95 %.4f -> %.4f (drop %.4f, bound %.4f); mAP50 drop %.4f, bound %.4f%n",
                    java.util.Arrays.toString(r), before.result().map50to95(), after.result().map50to95(), drop,
                    m.mapDropBound(DetectionShift.THRESHOLDS), drop50, m.mapDropBound(1));
            assertTrue(drop <= m.mapDropBound(DetectionShift.THRESHOLDS) + 0.002, java.util.Arrays.toString(r)
                    + ": drop " + drop + " bound " + m.mapDropBound(DetectionShift.THRESHOLDS));
            assertTrue(drop50 <= m.mapDropBound(1) + 0.002, java.util.Arrays.toString(r) + ": mAP50 drop " + drop50
                    + " bound " + m.mapDropBound(1));
            if (r[0] == 0 && r[1] == 0 && r[2] == 0 && r[3] == 0) {
                assertEquals(0, m.mapDropBound(DetectionShift.THRESHOLDS), 1e-12);
            }
        }
    }

    /**
     * On 150 validation images nothing is certified, even for a candidate identical to the original: the per-image
     * loss may reach (1 + H)·boxes + H·300 and the bound's range term alone is far above any tolerance.
     */
    @Test
    void aFewHundredImagesCertifyNothing() {
        Random rng = new Random(3);
        List<DetectionShift.PerImage> images = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            List<Truth> truths = truths(rng);
            List<Detection> o = original(truths, rng);
            images.add(DetectionShift.of(o, o, truths, 3));
        }
        double range = DetectionShift.range(4, 300);
        for (LossBound b : DetectionShift.certify(images, 3, 0.05, range, 0.05)) {
            assertFalse(b.holds(), b.rule());
            assertTrue(b.smallSet(), b.rule());
        }
        for (LossBound b : DetectionShift.certify(images, 3, 0.01, range, 0.05)) {
            assertFalse(b.holds(), b.rule());
        }
        assertEquals(5.182, DetectionShift.HARMONIC, 1e-3);
    }

    @Test
    void agreementPairsTheConfidentBoxes() {
        List<Detection> o = List.of(new Detection(A, 0.9f, 0), new Detection(B, 0.1f, 1));
        assertTrue(DetectionShift.agrees(o, List.of(new Detection(new Box(0, 0, 10, 9), 0.8f, 0)), 0.25f, 0.5f));
        assertFalse(DetectionShift.agrees(o, List.of(new Detection(A, 0.8f, 1)), 0.25f, 0.5f));
        assertFalse(DetectionShift.agrees(o, List.of(), 0.25f, 0.5f));
        assertFalse(DetectionShift.agrees(o, List.of(new Detection(A, 0.8f, 0), new Detection(B, 0.3f, 1)), 0.25f,
                0.5f));
    }

    private static List<Truth> truths(Random rng) {
        List<Truth> t = new ArrayList<>();
        for (int n = 1 + rng.nextInt(4); n > 0; n--) {
            float x = rng.nextFloat() * 120;
            float y = rng.nextFloat() * 120;
            float s = 15 + rng.nextFloat() * 25;
            t.add(new Truth(new Box(x, y, x + s, y + s), rng.nextInt(3)));
        }
        return t;
    }

    /** A good detector: most boxes found, a little loose, scored high; a few false boxes scored low. */
    private static List<Detection> original(List<Truth> truths, Random rng) {
        List<Detection> d = new ArrayList<>();
        for (Truth t : truths) {
            if (rng.nextDouble() < 0.95) {
                d.add(new Detection(jitter(t.box(), 0.6 * rng.nextDouble(), rng), (float) (0.5 + 0.5
                        * rng.nextDouble()), t.classId()));
            }
        }
        for (int n = rng.nextInt(4); n > 0; n--) {
            d.add(new Detection(random(rng), (float) (0.6 * rng.nextDouble()), rng.nextInt(3)));
        }
        return sorted(d);
    }

    /** The original's detections, each lost, loosened and lowered at the rates given, with false boxes added. */
    private static List<Detection> candidate(List<Detection> o, double[] r, Random rng) {
        List<Detection> d = new ArrayList<>();
        for (Detection x : o) {
            if (rng.nextDouble() >= r[0]) {
                float score = r[2] == 0 ? x.score()
                        : (float) Math.min(1, Math.max(0.001, x.score() + r[2] * rng.nextGaussian()));
                d.add(new Detection(r[1] > 0 ? jitter(x.box(), r[1] * rng.nextDouble(), rng) : x.box(), score,
                        x.classId()));
            }
        }
        for (int n = poisson(r[3], rng); n > 0; n--) {
            d.add(new Detection(random(rng), (float) (0.5 * rng.nextDouble()), rng.nextInt(3)));
        }
        for (int n = poisson(r[4], rng); n > 0; n--) {
            d.add(new Detection(random(rng), (float) (0.9 + 0.1 * rng.nextDouble()), rng.nextInt(3)));
        }
        return sorted(d);
    }

    private static int poisson(double mean, Random rng) {
        int n = 0;
        for (double p = Math.exp(-mean), s = rng.nextDouble(); s > p; s *= rng.nextDouble()) {
            n++;
        }
        return n;
    }

    private static Box jitter(Box b, double amount, Random rng) {
        float w = b.x2() - b.x1();
        float s = (float) (amount * w / 4);
        return new Box(b.x1() + s * (float) rng.nextGaussian(), b.y1() + s * (float) rng.nextGaussian(),
                b.x2() + s * (float) rng.nextGaussian(), b.y2() + s * (float) rng.nextGaussian());
    }

    private static Box random(Random rng) {
        float x = rng.nextFloat() * 130;
        float y = rng.nextFloat() * 130;
        return new Box(x, y, x + 20, y + 20);
    }

    private static List<Detection> sorted(List<Detection> d) {
        d.sort((p, q) -> Float.compare(q.score(), p.score()));
        return d;
    }
}

package org.odf2nna.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.odf2nna.InputException;
import org.odf2nna.network.OutputHead;
import org.odf2nna.settings.Task;

class EvaluatorTest {

    private static final Path FILE = Path.of("data", "eval.csv");

    private static long[] lines(int rows) {
        long[] lines = new long[rows];
        for (int r = 0; r < rows; r++) {
            lines[r] = r + 2;
        }
        return lines;
    }

    private static Evaluator evaluator(Task task, int outputs, OutputHead head) {
        return new Evaluator(task, outputs, head, FILE, "label");
    }

    private static Metrics.Classification classify(int outputs, OutputHead head, float[] out, double[] targets) {
        Evaluator e = evaluator(Task.CLASSIFICATION, outputs, head);
        e.add(out, targets.length, targets, lines(targets.length));
        assertEquals(targets.length, e.rows());
        return (Metrics.Classification) e.metrics();
    }

    /** Pairwise ROC AUC: P(score of a positive > score of a negative), ties counting one half. */
    private static double bruteForceAuc(double[] scores, int[] labels) {
        double wins = 0;
        long pairs = 0;
        for (int p = 0; p < scores.length; p++) {
            if (labels[p] != 1) {
                continue;
            }
            for (int n = 0; n < scores.length; n++) {
                if (labels[n] != 0) {
                    continue;
                }
                pairs++;
                if (scores[p] > scores[n]) {
                    wins += 1;
                } else if (scores[p] == scores[n]) {
                    wins += 0.5;
                }
            }
        }
        return wins / pairs;
    }

    /** Macro F1 over the classes that occur in targets or predictions, F1 = 2TP / (2TP + FP + FN). */
    private static double handMacroF1(int[] actual, int[] predicted, int classes) {
        double sum = 0;
        int counted = 0;
        for (int c = 0; c < classes; c++) {
            int tp = 0;
            int fp = 0;
            int fn = 0;
            for (int r = 0; r < actual.length; r++) {
                if (actual[r] == c && predicted[r] == c) {
                    tp++;
                } else if (predicted[r] == c) {
                    fp++;
                } else if (actual[r] == c) {
                    fn++;
                }
            }
            if (tp + fp + fn == 0) {
                continue;
            }
            sum += 2.0 * tp / (2.0 * tp + fp + fn);
            counted++;
        }
        return sum / counted;
    }

    // ---- multi-class ----

    @Test
    void accuracyAndMacroF1OnAHandExample() {
        // targets     0 0 1 1 2
        // predictions 0 1 1 1 0
        // class 0: TP 1, FP 1, FN 1 -> F1 = 2/4 = 0.5
        // class 1: TP 2, FP 1, FN 0 -> F1 = 4/5 = 0.8
        // class 2: TP 0, FP 0, FN 1 -> F1 = 0
        float[] out = {
            5, 1, 0,
            0, 2, 1,
            0, 3, -1,
            1, 1.5f, 0,
            2, 0, 1};
        double[] targets = {0, 0, 1, 1, 2};
        Metrics.Classification m = classify(3, OutputHead.NONE, out, targets);
        assertEquals(3, m.classes());
        assertEquals(5, m.rows());
        assertEquals(3.0 / 5, m.accuracy(), 1e-15);
        assertEquals((0.5 + 0.8 + 0) / 3, m.macroF1(), 1e-15);
        assertTrue(Double.isNaN(m.rocAuc()), "ROC AUC only for two classes");
        assertEquals("accuracy", m.primaryName());
        assertEquals(m.accuracy(), m.primaryValue());
        assertTrue(m.higherIsBetter());
    }

    @Test
    void classesAbsentFromTargetsAndPredictionsAreSkipped() {
        // Same rows with a fourth output that is never the argmax and never a target: not averaged in.
        float[] out = {
            5, 1, 0, -9,
            0, 2, 1, -9,
            0, 3, -1, -9,
            1, 1.5f, 0, -9,
            2, 0, 1, -9};
        Metrics.Classification m = classify(4, OutputHead.NONE, out, new double[] {0, 0, 1, 1, 2});
        assertEquals(4, m.classes());
        assertEquals((0.5 + 0.8 + 0) / 3, m.macroF1(), 1e-15);
        // A class that is predicted but never a target does count (its F1 is 0).
        float[] out2 = {0, 0, 0, 9,  5, 0, 0, 0};
        Metrics.Classification m2 = classify(4, OutputHead.NONE, out2, new double[] {0, 0});
        // class 0: TP 1, FN 1 -> 2/3; class 3: FP 1 -> 0
        assertEquals((2.0 / 3 + 0) / 2, m2.macroF1(), 1e-15);
        assertEquals(0.5, m2.accuracy(), 0);
    }

    @Test
    void randomMultiClassAgainstHandComputationAcrossBatches() {
        Random random = new Random(31);
        int outputs = 5;
        int rows = 2000;
        float[] out = new float[rows * outputs];
        double[] targets = new double[rows];
        int[] actual = new int[rows];
        int[] predicted = new int[rows];
        int correct = 0;
        for (int r = 0; r < rows; r++) {
            actual[r] = random.nextInt(outputs);
            targets[r] = actual[r];
            int best = 0;
            for (int j = 0; j < outputs; j++) {
                // Informative but noisy: the true class gets a bonus.
                out[r * outputs + j] = (float) (random.nextGaussian() + (j == actual[r] ? 1.0 : 0));
                if (out[r * outputs + j] > out[r * outputs + best]) {
                    best = j;
                }
            }
            predicted[r] = best;
            correct += best == actual[r] ? 1 : 0;
        }
        for (OutputHead head : new OutputHead[] {OutputHead.NONE, OutputHead.SOFTMAX, OutputHead.LOG_SOFTMAX}) {
            Evaluator e = evaluator(Task.CLASSIFICATION, outputs, head);
            int start = 0;
            for (int size : new int[] {1, 7, 500, 1000, 492}) {
                float[] batch = java.util.Arrays.copyOfRange(out, start * outputs, (start + size) * outputs);
                double[] t = java.util.Arrays.copyOfRange(targets, start, start + size);
                e.add(batch, size, t, lines(size));
                start += size;
            }
            Metrics.Classification m = (Metrics.Classification) e.metrics();
            assertEquals(rows, m.rows());
            assertEquals((double) correct / rows, m.accuracy(), 1e-15);
            assertEquals(handMacroF1(actual, predicted, outputs), m.macroF1(), 1e-12);
        }
    }

    // ---- binary ----

    @Test
    void rocAucWithTiesAgainstBruteForceOneSigmoidOutput() {
        Random random = new Random(41);
        int rows = 600;
        float[] out = new float[rows];
        double[] scores = new double[rows];
        double[] targets = new double[rows];
        int[] labels = new int[rows];
        int correct = 0;
        for (int r = 0; r < rows; r++) {
            labels[r] = random.nextInt(3) == 0 ? 1 : 0;
            targets[r] = labels[r];
            // Probabilities on a coarse grid: lots of ties, within and across classes.
            int level = Math.max(0, Math.min(10, (int) Math.round(random.nextGaussian() * 2 + 5 + 2 * labels[r])));
            out[r] = level / 10f;
            scores[r] = out[r];
            int predicted = out[r] > 0.5f ? 1 : 0;
            correct += predicted == labels[r] ? 1 : 0;
        }
        Metrics.Classification m = classify(1, OutputHead.SIGMOID, out, targets);
        assertEquals(2, m.classes());
        assertEquals(bruteForceAuc(scores, labels), m.rocAuc(), 1e-12);
        assertEquals((double) correct / rows, m.accuracy(), 1e-15);
    }

    @Test
    void allTiedScoresGiveAucOneHalf() {
        float[] out = {0.3f, 0.3f, 0.3f, 0.3f};
        Metrics.Classification m = classify(1, OutputHead.SIGMOID, out, new double[] {0, 1, 1, 0});
        assertEquals(0.5, m.rocAuc(), 1e-15);
        Metrics.Classification perfect = classify(1, OutputHead.SIGMOID, new float[] {0.1f, 0.9f, 0.8f, 0.2f},
                new double[] {0, 1, 1, 0});
        assertEquals(1.0, perfect.rocAuc(), 1e-15);
        Metrics.Classification reversed = classify(1, OutputHead.SIGMOID, new float[] {0.9f, 0.1f, 0.2f, 0.8f},
                new double[] {0, 1, 1, 0});
        assertEquals(0.0, reversed.rocAuc(), 1e-15);
        Metrics.Classification oneClass = classify(1, OutputHead.SIGMOID, new float[] {0.9f, 0.1f},
                new double[] {1, 1});
        assertTrue(Double.isNaN(oneClass.rocAuc()), "undefined with a single class");
    }

    @Test
    void binaryViaTwoLogits() {
        Random random = new Random(43);
        int rows = 700;
        float[] out = new float[rows * 2];
        double[] diff = new double[rows];
        double[] targets = new double[rows];
        int[] labels = new int[rows];
        int correct = 0;
        for (int r = 0; r < rows; r++) {
            labels[r] = random.nextInt(2);
            targets[r] = labels[r];
            // Half-integer logits: exact differences, some ties.
            out[2 * r] = random.nextInt(9) * 0.5f - 2;
            out[2 * r + 1] = random.nextInt(9) * 0.5f - 2 + labels[r];
            diff[r] = out[2 * r + 1] - out[2 * r];
            int predicted = out[2 * r + 1] > out[2 * r] ? 1 : 0; // ties go to class 0 (first maximum)
            correct += predicted == labels[r] ? 1 : 0;
        }
        Metrics.Classification m = classify(2, OutputHead.NONE, out, targets);
        assertEquals(2, m.classes());
        assertEquals((double) correct / rows, m.accuracy(), 1e-15);
        assertEquals(bruteForceAuc(diff, labels), m.rocAuc(), 1e-12);
    }

    @Test
    void binaryViaTwoSoftmaxProbabilitiesAndLogSoftmax() {
        Random random = new Random(47);
        int rows = 500;
        float[] probs = new float[rows * 2];
        float[] logProbs = new float[rows * 2];
        double[] p1 = new double[rows];
        double[] targets = new double[rows];
        int[] labels = new int[rows];
        for (int r = 0; r < rows; r++) {
            labels[r] = random.nextInt(2);
            targets[r] = labels[r];
            float p = random.nextInt(20) / 20f + 0.025f; // ties
            probs[2 * r] = 1 - p;
            probs[2 * r + 1] = p;
            logProbs[2 * r] = (float) Math.log(1 - p);
            logProbs[2 * r + 1] = (float) Math.log(p);
            p1[r] = p;
        }
        double expected = bruteForceAuc(p1, labels);
        assertEquals(expected, classify(2, OutputHead.SOFTMAX, probs, targets).rocAuc(), 1e-12);
        assertEquals(expected, classify(2, OutputHead.LOG_SOFTMAX, logProbs, targets).rocAuc(), 1e-12);
        assertEquals(classify(2, OutputHead.SOFTMAX, probs, targets).accuracy(),
                classify(2, OutputHead.LOG_SOFTMAX, logProbs, targets).accuracy(), 0);
    }

    @Test
    void oneLogitReadAsClassificationOfClassOne() {
        Random random = new Random(53);
        int rows = 400;
        float[] out = new float[rows];
        double[] z = new double[rows];
        double[] targets = new double[rows];
        int[] labels = new int[rows];
        int correct = 0;
        for (int r = 0; r < rows; r++) {
            labels[r] = random.nextInt(2);
            targets[r] = labels[r];
            out[r] = (random.nextInt(13) - 6) * 0.5f + (labels[r] == 1 ? 0.75f : 0);
            z[r] = out[r];
            int predicted = out[r] > 0 ? 1 : 0; // sigmoid(z) > 0.5
            correct += predicted == labels[r] ? 1 : 0;
        }
        Metrics.Classification m = classify(1, OutputHead.NONE, out, targets);
        assertEquals(2, m.classes());
        assertEquals((double) correct / rows, m.accuracy(), 1e-15);
        assertEquals(bruteForceAuc(z, labels), m.rocAuc(), 1e-12);
    }

    @Test
    void confidentLogitsAreRankedWithoutSaturating() {
        // sigmoid(20) and sigmoid(30) are both 1.0f in float; the ranking of the logits must still count.
        // Positives at logits 30 and 25, negatives at 20 and 15: every positive outranks every negative.
        Metrics.Classification one = classify(1, OutputHead.NONE, new float[] {30, 20, 25, 15},
                new double[] {1, 0, 1, 0});
        assertEquals(1.0, one.rocAuc(), 1e-15);
        Metrics.Classification two = classify(2, OutputHead.NONE, new float[] {0, 30, 0, 20, -5, 25, 0, 15},
                new double[] {1, 0, 1, 0});
        assertEquals(1.0, two.rocAuc(), 1e-15);
        // Log-softmax: log p1 close to 0 for all rows, yet distinct in float.
        float[] logSoftmax = new float[8];
        float[] logits = {0, 30, 0, 20, -5, 25, 0, 15};
        for (int r = 0; r < 4; r++) {
            double a = logits[2 * r];
            double b = logits[2 * r + 1];
            double max = Math.max(a, b);
            double lse = max + Math.log(Math.exp(a - max) + Math.exp(b - max));
            logSoftmax[2 * r] = (float) (a - lse);
            logSoftmax[2 * r + 1] = (float) (b - lse);
        }
        Metrics.Classification log = classify(2, OutputHead.LOG_SOFTMAX, logSoftmax, new double[] {1, 0, 1, 0});
        assertEquals(1.0, log.rocAuc(), 1e-15);
    }

    // ---- regression ----

    @Test
    void regressionMseMaeAndR2() {
        Random random = new Random(59);
        int rows = 1000;
        float[] out = new float[rows];
        double[] y = new double[rows];
        double sse = 0;
        double sae = 0;
        double mean = 0;
        for (int r = 0; r < rows; r++) {
            y[r] = 100 + random.nextGaussian() * 3;
            out[r] = (float) (y[r] + random.nextGaussian());
            sse += (out[r] - y[r]) * (out[r] - y[r]);
            sae += Math.abs(out[r] - y[r]);
            mean += y[r];
        }
        mean /= rows;
        double sst = 0;
        for (double v : y) {
            sst += (v - mean) * (v - mean);
        }
        Evaluator e = evaluator(Task.REGRESSION, 1, OutputHead.NONE);
        for (int start = 0; start < rows; start += 300) {
            int n = Math.min(300, rows - start);
            e.add(java.util.Arrays.copyOfRange(out, start, start + n), n,
                    java.util.Arrays.copyOfRange(y, start, start + n), lines(n));
        }
        Metrics.Regression m = (Metrics.Regression) e.metrics();
        assertEquals(rows, m.rows());
        assertEquals(sse / rows, m.mse(), 1e-10);
        assertEquals(sae / rows, m.mae(), 1e-10);
        assertEquals(1 - sse / sst, m.r2(), 1e-10);
        assertEquals("mse", m.primaryName());
        assertEquals(m.mse(), m.primaryValue());
        assertFalse(m.higherIsBetter());
    }

    @Test
    void regressionHandExampleAndDegenerateCases() {
        // y = [1, 2, 3], prediction = [1, 3, 5]: errors 0, 1, 2 -> MSE 5/3, MAE 1, SST 2 -> R2 = 1 - 5/2.
        Evaluator e = evaluator(Task.REGRESSION, 1, OutputHead.NONE);
        e.add(new float[] {1, 3, 5}, 3, new double[] {1, 2, 3}, lines(3));
        Metrics.Regression m = (Metrics.Regression) e.metrics();
        assertEquals(5.0 / 3, m.mse(), 1e-15);
        assertEquals(1.0, m.mae(), 1e-15);
        assertEquals(-1.5, m.r2(), 1e-15);
        // Regression accepts any real target, including fractions and negatives.
        Evaluator any = evaluator(Task.REGRESSION, 1, OutputHead.NONE);
        any.add(new float[] {0}, 1, new double[] {-2.5}, lines(1));
        assertEquals(6.25, ((Metrics.Regression) any.metrics()).mse(), 1e-15);
        assertTrue(Double.isNaN(((Metrics.Regression) any.metrics()).r2()), "R2 undefined for a constant target");
        Metrics.Regression empty = (Metrics.Regression) evaluator(Task.REGRESSION, 1, OutputHead.NONE).metrics();
        assertTrue(Double.isNaN(empty.mse()));
        assertEquals(0, empty.rows());
    }

    @Test
    void regressionWithSeveralOutputsIsRefused() {
        InputException e = assertThrows(InputException.class, () -> evaluator(Task.REGRESSION, 3, OutputHead.NONE));
        assertEquals(InputException.Kind.USAGE, e.kind());
        assertTrue(e.getMessage().contains("3 outputs"), e.getMessage());
    }

    // ---- bad labels ----

    @ParameterizedTest
    @ValueSource(doubles = {2.5, -1, 3, 3.0000001, 100, Double.NaN, -0.5, 1e300})
    void badClassLabelsNameTheLineAndTargetColumn(double label) {
        Evaluator e = evaluator(Task.CLASSIFICATION, 3, OutputHead.SOFTMAX);
        float[] out = {0.2f, 0.3f, 0.5f, 0.1f, 0.1f, 0.8f};
        InputException error = assertThrows(InputException.class,
                () -> e.add(out, 2, new double[] {1, label}, new long[] {17, 18}));
        String message = error.getMessage();
        assertTrue(message.contains(FILE.toString()), message);
        assertTrue(message.contains("line 18"), message);
        assertTrue(message.contains("'label'"), message);
        assertEquals(InputException.Kind.BAD_INPUT, error.kind());
    }

    @Test
    void oneOutputHasTwoClasses() {
        Evaluator e = evaluator(Task.CLASSIFICATION, 1, OutputHead.SIGMOID);
        InputException error = assertThrows(InputException.class,
                () -> e.add(new float[] {0.9f}, 1, new double[] {2}, new long[] {5}));
        assertTrue(error.getMessage().contains("line 5"), error.getMessage());
        assertTrue(error.getMessage().contains("2 classes"), error.getMessage());
        // -0.0 is class 0, not an error.
        e.add(new float[] {0.1f}, 1, new double[] {-0.0}, new long[] {6});
        assertEquals(1.0, ((Metrics.Classification) e.metrics()).accuracy());
    }

    @Test
    void scoresAreOrderedAsAStableSortOfBoxedIndicesOrdersThem() {
        Random random = new Random(9);
        float[] special = {-0.0f, 0.0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
            -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE};
        float[] scores = new float[5000];
        for (int i = 0; i < scores.length; i++) {
            // ties on purpose: a few hundred distinct values, and the special ones
            scores[i] = i % 10 == 0 ? special[random.nextInt(special.length)]
                    : (random.nextInt(400) - 200) / 37f;
        }
        Integer[] boxed = new Integer[scores.length];
        for (int i = 0; i < boxed.length; i++) {
            boxed[i] = i;
        }
        java.util.Arrays.sort(boxed, (a, b) -> Float.compare(scores[a], scores[b]));
        int[] order = Evaluator.ascending(scores, scores.length);
        for (int i = 0; i < boxed.length; i++) {
            assertEquals(boxed[i], order[i], "position " + i);
        }
    }
}

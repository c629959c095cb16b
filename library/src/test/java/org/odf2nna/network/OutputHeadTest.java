package org.odf2nna.network;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class OutputHeadTest {

    /** exp(z_j) / sum_k exp(z_k) in double, straight from the definition (fine for moderate z). */
    private static double[] softmaxReference(float[] z, int base, int width) {
        double[] p = new double[width];
        double sum = 0;
        for (int j = 0; j < width; j++) {
            p[j] = Math.exp(z[base + j]);
            sum += p[j];
        }
        for (int j = 0; j < width; j++) {
            p[j] /= sum;
        }
        return p;
    }

    private static float[] randomLogits(Random random, int n, double scale) {
        float[] z = new float[n];
        for (int k = 0; k < n; k++) {
            z[k] = (float) (random.nextGaussian() * scale);
        }
        return z;
    }

    @Test
    void noneLeavesValuesAlone() {
        float[] z = {1, -2, 3.5f, 1e30f};
        OutputHead.NONE.apply(z, 2, 2);
        assertArrayEquals(new float[] {1, -2, 3.5f, 1e30f}, z);
    }

    @Test
    void softmaxMatchesTheDefinitionAndRowsSumToOne() {
        Random random = new Random(1);
        int rows = 50;
        int width = 5;
        float[] z = randomLogits(random, rows * width, 3);
        float[] p = z.clone();
        OutputHead.SOFTMAX.apply(p, rows, width);
        for (int r = 0; r < rows; r++) {
            double[] expected = softmaxReference(z, r * width, width);
            double sum = 0;
            for (int j = 0; j < width; j++) {
                assertEquals(expected[j], p[r * width + j], 1e-6);
                assertTrue(p[r * width + j] >= 0);
                sum += p[r * width + j];
            }
            assertEquals(1.0, sum, 1e-6);
        }
    }

    @Test
    void logSoftmaxIsTheLogOfSoftmax() {
        Random random = new Random(2);
        int rows = 40;
        int width = 4;
        float[] z = randomLogits(random, rows * width, 4);
        float[] logP = z.clone();
        OutputHead.LOG_SOFTMAX.apply(logP, rows, width);
        for (int r = 0; r < rows; r++) {
            double[] expected = softmaxReference(z, r * width, width);
            double sumP = 0;
            for (int j = 0; j < width; j++) {
                assertEquals(Math.log(expected[j]), logP[r * width + j], 1e-5);
                assertTrue(logP[r * width + j] <= 0);
                sumP += Math.exp(logP[r * width + j]);
            }
            assertEquals(1.0, sumP, 1e-5);
        }
    }

    @Test
    void softmaxIsStableForLargeLogits() {
        // Softmax is shift invariant: [1000, 1001, 1002] and [-1000, -999, -998] give softmax([0, 1, 2]),
        // although exp(1000) overflows and exp(-1000) underflows in double.
        float[] small = {0, 1, 2};
        double[] expected = softmaxReference(small, 0, 3);
        for (float shift : new float[] {1000, -1000, 80, 3e4f}) {
            float[] z = {small[0] + shift, small[1] + shift, small[2] + shift};
            float[] p = z.clone();
            OutputHead.SOFTMAX.apply(p, 1, 3);
            float[] logP = z.clone();
            OutputHead.LOG_SOFTMAX.apply(logP, 1, 3);
            for (int j = 0; j < 3; j++) {
                assertTrue(Float.isFinite(p[j]) && Float.isFinite(logP[j]), "shift " + shift);
                assertEquals(expected[j], p[j], 1e-3, "shift " + shift);
                assertEquals(Math.log(expected[j]), logP[j], 1e-2, "shift " + shift);
            }
        }
        // One dominant logit: probability exactly one and the log of the tiny one still finite.
        float[] z = {0, 500};
        float[] logP = z.clone();
        OutputHead.LOG_SOFTMAX.apply(logP, 1, 2);
        assertEquals(-500f, logP[0], 1e-3);
        assertEquals(0f, logP[1], 1e-6);
        float[] p = z.clone();
        OutputHead.SOFTMAX.apply(p, 1, 2);
        assertEquals(0f, p[0]);
        assertEquals(1f, p[1]);
    }

    @Test
    void sigmoidIsElementWise() {
        float[] z = {-3, 0, 2, 50, -800, 800};
        float[] s = z.clone();
        OutputHead.SIGMOID.apply(s, 3, 2);
        for (int k = 0; k < z.length; k++) {
            assertEquals(1 / (1 + Math.exp(-z[k])), s[k], 1e-7);
        }
    }

    @Test
    void onlyTheGivenRowsAreTouched() {
        float[] z = {1, 2, 3, 4, 5, 6};
        OutputHead.SOFTMAX.apply(z, 1, 2);
        assertArrayEquals(new float[] {3, 4, 5, 6}, java.util.Arrays.copyOfRange(z, 2, 6));
        float[] y = {1, 2, 3, 4};
        OutputHead.SIGMOID.apply(y, 1, 2);
        assertEquals(3f, y[2]);
        assertEquals(4f, y[3]);
    }

    @Test
    void displayNamesAreTheOnnxOperators() {
        assertEquals("Softmax", OutputHead.SOFTMAX.displayName());
        assertEquals("LogSoftmax", OutputHead.LOG_SOFTMAX.displayName());
        assertEquals("Sigmoid", OutputHead.SIGMOID.displayName());
        assertEquals("none", OutputHead.NONE.displayName());
    }
}

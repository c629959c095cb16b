package org.odf2nna.network;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class DenseLayerTest {

    // W is [inputs=2][units=3]: row i holds the weights leaving input i.
    private static final float[] W = {1, 2, 3,
                                      4, 5, 6};
    private static final float[] B = {0.5f, -1, 0};

    private static DenseLayer small(Activation activation) {
        return new DenseLayer(2, 3, W, B, activation);
    }

    static DenseLayer randomLayer(Random random, int inputs, int units, Activation activation) {
        float[] w = new float[inputs * units];
        float[] b = new float[units];
        for (int k = 0; k < w.length; k++) {
            w[k] = (float) random.nextGaussian();
        }
        for (int k = 0; k < b.length; k++) {
            b[k] = (float) random.nextGaussian();
        }
        return new DenseLayer(inputs, units, w, b, activation);
    }

    @Test
    void preActivationIsOneRowOfXTimesWPlusBInDouble() {
        // [0.5, -1, 0] + 2·[1, 2, 3] + 0.25·[4, 5, 6]
        assertArrayEquals(new double[] {3.5, 4.25, 7.5}, small(Activation.RELU).preActivation(new double[] {2, 0.25}));
    }

    /** y[r][j] = b[j] + sum_i x[r][i] * W[i][j], straight from the definition, in double. */
    private static double[] reference(DenseLayer layer, float[] x, int rows) {
        double[] y = new double[rows * layer.units()];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < layer.units(); j++) {
                double s = layer.bias()[j];
                for (int i = 0; i < layer.inputs(); i++) {
                    s += (double) x[r * layer.inputs() + i] * layer.weights()[i * layer.units() + j];
                }
                y[r * layer.units() + j] = s;
            }
        }
        return y;
    }

    @Test
    void layoutIsInputsByUnitsRowMajor() {
        DenseLayer layer = small(Activation.IDENTITY);
        assertEquals(2, layer.inputs());
        assertEquals(3, layer.units());
        assertEquals(1f, layer.weight(0, 0));
        assertEquals(3f, layer.weight(0, 2));
        assertEquals(4f, layer.weight(1, 0));
        assertEquals(6f, layer.weight(1, 2));
        assertArrayEquals(new float[] {2, 5}, layer.unitWeights(1));
        assertArrayEquals(new float[] {4, 5, 6}, layer.inputWeights(1));
        assertEquals(2 * 3 + 3, layer.parameterCount());
    }

    @Test
    void preActivationsMatchAHandComputation() {
        DenseLayer layer = small(Activation.IDENTITY);
        // x = [1, 2]:   [1*1 + 2*4 + 0.5, 1*2 + 2*5 - 1, 1*3 + 2*6 + 0] = [9.5, 11, 15]
        // x = [0, -1]:  [-4 + 0.5, -5 - 1, -6] = [-3.5, -6, -6]
        float[] y = layer.preActivations(new float[] {1, 2, 0, -1}, 2);
        assertArrayEquals(new float[] {9.5f, 11, 15, -3.5f, -6, -6}, y);
    }

    @Test
    void forwardAppliesTheActivationToEachPreActivation() {
        DenseLayer layer = small(Activation.RELU);
        assertArrayEquals(new float[] {9.5f, 11, 15, 0, 0, 0}, layer.forward(new float[] {1, 2, 0, -1}, 2));
        DenseLayer sig = small(Activation.SIGMOID);
        float[] y = sig.forward(new float[] {0, -1}, 1);
        assertEquals((float) (1 / (1 + Math.exp(3.5))), y[0], 1e-7);
        assertEquals((float) (1 / (1 + Math.exp(6))), y[1], 1e-7);
    }

    @Test
    void randomLayersMatchTheDefinition() {
        Random random = new Random(11);
        for (int trial = 0; trial < 20; trial++) {
            int inputs = 1 + random.nextInt(12);
            int units = 1 + random.nextInt(12);
            int rows = 1 + random.nextInt(9);
            DenseLayer layer = randomLayer(random, inputs, units, Activation.TANH);
            float[] x = new float[rows * inputs + 5]; // arrays may be longer than rows * inputs
            for (int k = 0; k < x.length; k++) {
                x[k] = random.nextInt(4) == 0 ? 0 : (float) random.nextGaussian();
            }
            double[] expected = reference(layer, x, rows);
            float[] pre = layer.preActivations(x, rows);
            float[] out = layer.forward(x, rows);
            assertEquals(rows * units, pre.length);
            for (int k = 0; k < expected.length; k++) {
                assertEquals(expected[k], pre[k], 1e-5 * Math.max(1, Math.abs(expected[k])));
                assertEquals(Math.tanh(expected[k]), out[k], 1e-6);
            }
        }
    }

    @Test
    void shortInputIsRejected() {
        DenseLayer layer = small(Activation.IDENTITY);
        assertThrows(IllegalArgumentException.class, () -> layer.preActivations(new float[3], 2));
    }

    @Test
    void keepUnitsSelectsColumnsInTheGivenOrder() {
        Random random = new Random(3);
        DenseLayer layer = randomLayer(random, 4, 5, Activation.SIGMOID);
        int[] kept = {4, 1, 2};
        DenseLayer smaller = layer.keepUnits(kept);
        assertEquals(4, smaller.inputs());
        assertEquals(3, smaller.units());
        assertEquals(layer.activation(), smaller.activation());
        for (int k = 0; k < kept.length; k++) {
            assertArrayEquals(layer.unitWeights(kept[k]), smaller.unitWeights(k));
            assertEquals(layer.bias()[kept[k]], smaller.bias()[k]);
        }
        float[] x = new float[3 * 4];
        for (int k = 0; k < x.length; k++) {
            x[k] = (float) random.nextGaussian();
        }
        float[] full = layer.forward(x, 3);
        float[] part = smaller.forward(x, 3);
        for (int r = 0; r < 3; r++) {
            for (int k = 0; k < kept.length; k++) {
                assertEquals(full[r * 5 + kept[k]], part[r * 3 + k], 0);
            }
        }
    }

    @Test
    void keepInputsSelectsRowsAndActsAsIfDroppedInputsWereZero() {
        Random random = new Random(4);
        DenseLayer layer = randomLayer(random, 5, 3, Activation.RELU);
        int[] kept = {0, 3, 4};
        DenseLayer smaller = layer.keepInputs(kept);
        assertEquals(3, smaller.inputs());
        assertEquals(3, smaller.units());
        assertArrayEquals(layer.bias(), smaller.bias());
        for (int k = 0; k < kept.length; k++) {
            assertArrayEquals(layer.inputWeights(kept[k]), smaller.inputWeights(k));
        }
        float[] xFull = {1.5f, 0, 0, -2, 0.25f};
        float[] xKept = {1.5f, -2, 0.25f};
        assertArrayEquals(layer.forward(xFull, 1), smaller.forward(xKept, 1), 1e-6f);
    }

    @Test
    void constructorValidatesShapes() {
        assertThrows(IllegalArgumentException.class, () -> new DenseLayer(0, 3, new float[0], new float[3], Activation.RELU));
        assertThrows(IllegalArgumentException.class, () -> new DenseLayer(2, 0, new float[0], new float[0], Activation.RELU));
        assertThrows(IllegalArgumentException.class, () -> new DenseLayer(-1, 3, new float[3], new float[3], Activation.RELU));
        assertThrows(IllegalArgumentException.class, () -> new DenseLayer(2, 3, new float[5], new float[3], Activation.RELU));
        assertThrows(IllegalArgumentException.class, () -> new DenseLayer(2, 3, new float[7], new float[3], Activation.RELU));
        assertThrows(IllegalArgumentException.class, () -> new DenseLayer(2, 3, new float[6], new float[2], Activation.RELU));
        assertThrows(IllegalArgumentException.class, () -> new DenseLayer(2, 3, new float[6], new float[4], Activation.RELU));
        assertThrows(NullPointerException.class, () -> new DenseLayer(2, 3, new float[6], new float[3], null));
        assertThrows(NullPointerException.class, () -> new DenseLayer(2, 3, null, new float[3], Activation.RELU));
    }

    @Test
    void mutatingTheArraysPassedInOrReturnedDoesNotChangeTheLayer() {
        float[] w = W.clone();
        float[] b = B.clone();
        DenseLayer layer = new DenseLayer(2, 3, w, b, Activation.IDENTITY);
        float[] before = layer.forward(new float[] {1, 2}, 1);
        w[0] = 100;
        b[0] = 100;
        layer.weights()[1] = 100;
        layer.bias()[1] = 100;
        layer.unitWeights(0)[0] = 100;
        layer.inputWeights(0)[0] = 100;
        assertArrayEquals(W, layer.weights());
        assertArrayEquals(B, layer.bias());
        assertArrayEquals(before, layer.forward(new float[] {1, 2}, 1));
        float[] x = {1, 2};
        layer.forward(x, 1);
        assertArrayEquals(new float[] {1, 2}, x, "forward must not write into its input");
    }

    @Test
    void withBiasAndWithWeightsReturnNewLayers() {
        DenseLayer layer = small(Activation.RELU);
        DenseLayer other = layer.withBias(new float[] {0, 0, 0});
        assertArrayEquals(B, layer.bias());
        assertArrayEquals(new float[] {0, 0, 0}, other.bias());
        assertArrayEquals(W, other.weights());
        assertThrows(IllegalArgumentException.class, () -> layer.withBias(new float[2]));
        DenseLayer third = layer.withWeights(new float[6], new float[3]);
        assertArrayEquals(new float[6], third.weights());
        assertArrayEquals(W, layer.weights());
    }

    @Test
    void equalityIsByValue() {
        DenseLayer a = small(Activation.RELU);
        DenseLayer b = new DenseLayer(2, 3, W.clone(), B.clone(), Activation.RELU);
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, small(Activation.TANH));
        assertNotEquals(a, a.withBias(new float[] {0.5f, -1, 1e-7f}));
        float[] w = W.clone();
        w[5] = Math.nextUp(w[5]);
        assertNotEquals(a, new DenseLayer(2, 3, w, B, Activation.RELU));
    }

    @Test
    void rowsInBlocksGiveTheBitsOfRowByRowSums() {
        Random random = new Random(11);
        DenseLayer layer = randomLayer(random, 13, 9, Activation.RELU);
        int rows = 3 * DenseLayer.ROW_BLOCK + 5; // a last block part full
        float[] x = new float[rows * 13];
        for (int k = 0; k < x.length; k++) {
            x[k] = k % 7 == 0 ? 0 : (float) random.nextGaussian(); // zeros are skipped, as before
        }
        float[] expected = new float[rows * 9];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < 9; j++) {
                double s = layer.bias()[j];
                for (int i = 0; i < 13; i++) {
                    double xi = x[r * 13 + i];
                    if (xi != 0) {
                        s += xi * layer.weights()[i * 9 + j];
                    }
                }
                expected[r * 9 + j] = (float) s;
            }
        }
        assertArrayEquals(expected, layer.preActivations(x, rows));
        assertArrayEquals(java.util.Arrays.copyOf(expected, 2 * 9), layer.preActivations(x, 2));
    }
}

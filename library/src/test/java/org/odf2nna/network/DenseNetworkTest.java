package org.odf2nna.network;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DenseNetworkTest {

    private static DenseNetwork net(Random random, OutputHead head, int... widths) {
        List<DenseLayer> layers = new ArrayList<>();
        for (int l = 0; l + 1 < widths.length; l++) {
            Activation a = l + 2 == widths.length ? Activation.IDENTITY : Activation.RELU;
            layers.add(DenseLayerTest.randomLayer(random, widths[l], widths[l + 1], a));
        }
        return new DenseNetwork(InputPrefix.NONE, layers, head);
    }

    private static float[] randomInput(Random random, int n) {
        float[] x = new float[n];
        for (int k = 0; k < n; k++) {
            x[k] = (float) random.nextGaussian();
        }
        return x;
    }

    @Test
    void shapesMustChainFromLayerToLayer() {
        Random random = new Random(1);
        DenseLayer a = DenseLayerTest.randomLayer(random, 4, 10, Activation.RELU);
        DenseLayer b = DenseLayerTest.randomLayer(random, 9, 3, Activation.IDENTITY);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DenseNetwork(InputPrefix.NONE, List.of(a, b), OutputHead.NONE));
        assertTrue(e.getMessage().contains("9") && e.getMessage().contains("10"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new DenseNetwork(InputPrefix.NONE, List.of(), OutputHead.NONE));
        DenseLayer c = DenseLayerTest.randomLayer(random, 10, 3, Activation.IDENTITY);
        assertThrows(NullPointerException.class, () -> new DenseNetwork(null, List.of(a, c), OutputHead.NONE));
        assertThrows(NullPointerException.class, () -> new DenseNetwork(InputPrefix.NONE, List.of(a, c), null));
    }

    @Test
    void sizesAndArchitecture() {
        DenseNetwork network = net(new Random(2), OutputHead.SOFTMAX, 4, 10, 3);
        assertEquals("4-10-3", network.architecture());
        assertEquals(4, network.inputs());
        assertEquals(3, network.outputs());
        assertEquals(1, network.hiddenLayerCount());
        assertArrayEquals(new int[] {10}, network.hiddenUnits());
        assertArrayEquals(new int[] {4, 10, 3}, network.widths());
        assertEquals(4 * 10 + 10 + 10 * 3 + 3, network.parameterCount());
        assertEquals(network.layer(1), network.outputLayer());

        DenseNetwork deep = net(new Random(3), OutputHead.NONE, 7, 5, 6, 2, 1);
        assertEquals("7-5-6-2-1", deep.architecture());
        assertEquals(3, deep.hiddenLayerCount());
        assertArrayEquals(new int[] {5, 6, 2}, deep.hiddenUnits());
        assertEquals((7 * 5 + 5) + (5 * 6 + 6) + (6 * 2 + 2) + (2 * 1 + 1), deep.parameterCount());

        DenseNetwork single = net(new Random(4), OutputHead.NONE, 3, 2);
        assertEquals("3-2", single.architecture());
        assertEquals(0, single.hiddenLayerCount());
        assertArrayEquals(new int[0], single.hiddenUnits());
    }

    @Test
    void forwardIsTheCompositionOfTheLayersAndTheHead() {
        Random random = new Random(5);
        for (OutputHead head : OutputHead.values()) {
            DenseNetwork network = net(random, head, 6, 8, 5, 3);
            int rows = 7;
            float[] x = randomInput(random, rows * 6);
            float[] expected = network.layer(2).forward(network.layer(1).forward(network.layer(0).forward(x, rows), rows), rows);
            head.apply(expected, rows, 3);
            assertArrayEquals(expected, network.forward(x, rows), 0f, head.toString());
        }
    }

    @Test
    void softmaxNetworkOutputsAreProbabilities() {
        Random random = new Random(6);
        DenseNetwork network = net(random, OutputHead.SOFTMAX, 3, 4, 4);
        float[] p = network.forward(randomInput(random, 10 * 3), 10);
        for (int r = 0; r < 10; r++) {
            double sum = 0;
            for (int j = 0; j < 4; j++) {
                sum += p[r * 4 + j];
            }
            assertEquals(1, sum, 1e-6);
        }
    }

    @Test
    void hiddenOutputsAreEachHiddenLayersActivatedOutput() {
        Random random = new Random(7);
        DenseNetwork network = net(random, OutputHead.NONE, 5, 6, 4, 2);
        int rows = 9;
        float[] x = randomInput(random, rows * 5);
        float[] x0 = x.clone();
        List<float[]> hidden = network.hiddenOutputs(x, rows);
        assertEquals(2, hidden.size());
        float[] h1 = network.layer(0).forward(x, rows);
        float[] h2 = network.layer(1).forward(h1, rows);
        assertArrayEquals(h1, hidden.get(0));
        assertArrayEquals(h2, hidden.get(1));
        for (float v : hidden.get(0)) {
            assertTrue(v >= 0, "ReLU output");
        }
        assertArrayEquals(x0, x, "the input is not modified");
        // The output layer applied to the last hidden output is the network's output (head NONE).
        assertArrayEquals(network.forward(x, rows), network.outputLayer().forward(h2, rows));
    }

    @Test
    void layerListIsCopied() {
        Random random = new Random(8);
        List<DenseLayer> layers = new ArrayList<>();
        layers.add(DenseLayerTest.randomLayer(random, 2, 3, Activation.RELU));
        layers.add(DenseLayerTest.randomLayer(random, 3, 1, Activation.IDENTITY));
        DenseNetwork network = new DenseNetwork(InputPrefix.NONE, layers, OutputHead.NONE);
        layers.remove(1);
        assertEquals(2, network.layers().size());
        assertThrows(UnsupportedOperationException.class, () -> network.layers().clear());
        DenseNetwork replaced = network.withLayers(List.of(network.layer(0).keepUnits(new int[] {0, 2}),
                network.layer(1).keepInputs(new int[] {0, 2})));
        assertEquals("2-2-1", replaced.architecture());
        assertEquals("2-3-1", network.architecture());
        assertEquals(network.head(), replaced.head());
        assertEquals(network.prefix(), replaced.prefix());
    }

    /** The network computed in float32 with sums in the given order (forward or backward over the inputs). */
    private static float[] forwardFloat(DenseNetwork network, float[] x, int rows, boolean backwards) {
        float[] h = x;
        for (DenseLayer layer : network.layers()) {
            float[] w = layer.weights();
            float[] b = layer.bias();
            int in = layer.inputs();
            int units = layer.units();
            float[] out = new float[rows * units];
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < units; j++) {
                    float acc = b[j];
                    for (int k = 0; k < in; k++) {
                        int i = backwards ? in - 1 - k : k;
                        acc += h[r * in + i] * w[i * units + j];
                    }
                    out[r * units + j] = layer.activation().apply(acc);
                }
            }
            h = out;
        }
        network.head().apply(h, rows, network.outputs());
        return h;
    }

    @Test
    void roundingBoundCoversFloat32SumsOfCancellingWeightsAndNothingMore() {
        Random random = new Random(21);
        // Large activations and output weights that cancel: the float32 sums lose far more than 1e-4 + 1e-3·|v|.
        int hidden = 60;
        float[] w1 = new float[3 * hidden];
        float[] b1 = new float[hidden];
        for (int j = 0; j < hidden; j++) {
            w1[j] = 1;
            w1[hidden + j] = (float) (0.01 * random.nextGaussian());
            w1[2 * hidden + j] = (float) (0.01 * random.nextGaussian());
            b1[j] = 5000;
        }
        float[] w2 = new float[hidden * 2];
        for (int j = 0; j < hidden; j++) {
            w2[j * 2] = j % 2 == 0 ? 40 : -40;
            w2[j * 2 + 1] = (float) random.nextGaussian();
        }
        DenseNetwork network = new DenseNetwork(InputPrefix.NONE, List.of(
                new DenseLayer(3, hidden, w1, b1, Activation.RELU),
                new DenseLayer(hidden, 2, w2, new float[2], Activation.IDENTITY)), OutputHead.NONE);
        int rows = 64;
        float[] x = randomInput(random, rows * 3);
        float[] reference = network.forward(x, rows);
        double[] bound = network.roundingBound(x, rows);
        double beyondTolerance = 0;
        for (boolean backwards : new boolean[] {false, true}) {
            float[] f = forwardFloat(network, x, rows, backwards);
            for (int i = 0; i < f.length; i++) {
                double diff = Math.abs(f[i] - reference[i]);
                beyondTolerance = Math.max(beyondTolerance, diff - (1e-4 + 1e-3 * Math.abs(reference[i])));
                assertTrue(diff <= bound[i], "value " + i + ": " + diff + " beyond the bound " + bound[i]);
            }
        }
        assertTrue(beyondTolerance > 0, "the case must need the bound");
        // a wrong weight is still caught: the bound (a worst case, n·u per sum) stays far below what changing one weight
        // by a fortieth of its size moves
        float[] wrong = w2.clone();
        wrong[0] += 1;
        DenseNetwork broken = network.withLayers(List.of(network.layer(0),
                new DenseLayer(hidden, 2, wrong, new float[2], Activation.IDENTITY)));
        float[] moved = broken.forward(x, rows);
        for (int r = 0; r < rows; r++) {
            assertTrue(Math.abs(moved[r * 2] - reference[r * 2]) > 10 * bound[r * 2], "row " + r);
        }
        // an ordinary small network gets a bound below the fixed tolerance of 1e-4
        DenseNetwork plain = net(random, OutputHead.SOFTMAX, 4, 8, 3);
        for (double v : plain.roundingBound(randomInput(random, 40), 10)) {
            assertTrue(v < 1e-4, "bound " + v);
        }
    }
}

package org.odf2nna.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.OutputHead;
import org.odf2nna.network.TestNetworks;
import org.odf2nna.settings.TrainingOptions;

class DenseTrainerTest {

    static DenseNetwork randomNetwork(Random random, int[] widths, Activation hidden, OutputHead head) {
        return TestNetworks.random(random, widths, hidden, head);
    }

    static float[] gaussian(Random random, int n, double scale) {
        return TestNetworks.gaussian(random, n, scale);
    }

    @Test
    void tensorflowComputesWhatTheInternalNetworkComputes() {
        Random random = new Random(1);
        List<Activation> activations = List.of(Activation.RELU, Activation.leakyRelu(0.1f), Activation.elu(0.7f),
                Activation.selu(Activation.SELU_ALPHA, Activation.SELU_GAMMA), Activation.SIGMOID, Activation.TANH,
                Activation.SOFTPLUS, Activation.hardSigmoid(0.2f, 0.5f), Activation.clip(-0.5f, 0.75f),
                Activation.IDENTITY);
        for (Activation a : activations) {
            for (OutputHead head : OutputHead.values()) {
                DenseNetwork net = randomNetwork(random, new int[] {5, 7, 6, 3}, a, head);
                float[] x = gaussian(random, 40 * 5, 2.0);
                float[] expected = net.forward(x, 40);
                float[] actual = DenseTrainer.predict(net, x, 40);
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], actual[i], 1e-5 + 1e-5 * Math.abs(expected[i]), a + " " + head + " at " + i);
                }
            }
        }
    }

    @Test
    void everyActivationAndLossHasGradients() {
        Random random = new Random(6);
        List<Activation> activations = List.of(Activation.RELU, Activation.leakyRelu(0.1f), Activation.elu(0.7f),
                Activation.selu(Activation.SELU_ALPHA, Activation.SELU_GAMMA), Activation.SIGMOID, Activation.TANH,
                Activation.SOFTPLUS, Activation.hardSigmoid(0.2f, 0.5f), Activation.clip(-0.5f, 0.75f),
                Activation.IDENTITY);
        for (Activation a : activations) {
            for (Loss loss : Loss.values()) {
                int outputs = loss == Loss.SOFTMAX_CROSS_ENTROPY ? 3 : 1;
                DenseNetwork start = randomNetwork(random, new int[] {4, 5, outputs}, a, OutputHead.NONE);
                TrainingData data = blobs(random, 64, outputs == 1 ? 2 : 3);
                TrainingResult result = DenseTrainer.train(start, data, data, loss,
                        new TrainingOptions(2, 16, 0.05f, 1, 0), (e, n) -> { });
                assertEquals(2, result.epochsRun(), a + " " + loss);
                assertTrue(Double.isFinite(result.history().get(2).trainLoss()), a + " " + loss);
                assertTrue(result.history().get(1).trainLoss() != result.history().get(2).trainLoss()
                        || result.history().get(2).trainLoss() == 0, a + " " + loss + ": weights moved");
            }
        }
    }

    /** Two Gaussian blobs per class in 4 dimensions: learnable, not trivially. */
    static TrainingData blobs(Random random, int rows, int classes) {
        float[] x = new float[rows * 4];
        float[] y = new float[rows];
        for (int r = 0; r < rows; r++) {
            int c = random.nextInt(classes);
            y[r] = c;
            for (int d = 0; d < 4; d++) {
                x[r * 4 + d] = (float) (random.nextGaussian() + (d == c % 4 ? 2.5 : 0) - (d == (c + 1) % 4 ? 1 : 0));
            }
        }
        return new TrainingData(x, y, rows, 4);
    }

    @Test
    void trainingImprovesAndKeepsTheBestEpoch() {
        Random random = new Random(2);
        DenseNetwork start = randomNetwork(random, new int[] {4, 12, 3}, Activation.RELU, OutputHead.NONE);
        TrainingData[] parts = blobs(random, 600, 3).split(0.2, 7);
        TrainingResult result = DenseTrainer.train(start, parts[0], parts[1], Loss.SOFTMAX_CROSS_ENTROPY,
                new TrainingOptions(30, 32, 0.01f, 3, 0), (e, n) -> { });
        TrainingResult.Epoch first = result.history().get(0);
        TrainingResult.Epoch best = result.history().get(result.bestEpoch());
        assertEquals(0, first.epoch());
        assertTrue(best.validationMetric() > first.validationMetric() + 0.2,
                "accuracy " + first.validationMetric() + " -> " + best.validationMetric());
        for (TrainingResult.Epoch e : result.history()) {
            assertTrue(e.validationMetric() <= best.validationMetric(), "kept epoch is the best");
        }
        // The returned weights are those of the best epoch: recompute its validation accuracy in plain Java.
        assertEquals(best.validationMetric(), accuracy(result.network(), parts[1]), 1e-9);
    }

    @Test
    void sameSeedSameWeights() {
        Random random = new Random(3);
        DenseNetwork start = randomNetwork(random, new int[] {4, 8, 8, 1}, Activation.TANH, OutputHead.NONE);
        TrainingData data = blobs(random, 300, 2);
        TrainingData[] parts = data.split(0.25, 11);
        TrainingOptions options = new TrainingOptions(5, 16, 0.005f, 42, 0);
        DenseNetwork a = DenseTrainer.train(start, parts[0], parts[1], Loss.SIGMOID_CROSS_ENTROPY, options,
                (e, n) -> { }).network();
        DenseNetwork b = DenseTrainer.train(start, parts[0], parts[1], Loss.SIGMOID_CROSS_ENTROPY, options,
                (e, n) -> { }).network();
        for (int l = 0; l < a.layers().size(); l++) {
            assertArrayEquals(a.layer(l).weights(), b.layer(l).weights());
            assertArrayEquals(a.layer(l).bias(), b.layer(l).bias());
        }
    }

    @Test
    void aDivergingRunReturnsTheStartingWeights() {
        Random random = new Random(4);
        DenseNetwork start = randomNetwork(random, new int[] {4, 6, 1}, Activation.RELU, OutputHead.NONE);
        float[] x = gaussian(random, 200 * 4, 1);
        float[] y = start.forward(x, 200); // the start network is already perfect
        TrainingData[] parts = new TrainingData(x, y, 200, 4).split(0.3, 1);
        TrainingResult result = DenseTrainer.train(start, parts[0], parts[1], Loss.MEAN_SQUARED_ERROR,
                new TrainingOptions(3, 8, 5f, 1, 0), (e, n) -> { });
        assertEquals(0, result.bestEpoch());
        assertSame(start, result.network());
        assertTrue(result.history().get(0).validationMetric() < 1e-10);
    }

    @Test
    void patienceStopsEarly() {
        Random random = new Random(5);
        DenseNetwork start = randomNetwork(random, new int[] {4, 6, 1}, Activation.RELU, OutputHead.NONE);
        float[] x = gaussian(random, 100 * 4, 1);
        float[] y = start.forward(x, 100);
        TrainingData[] parts = new TrainingData(x, y, 100, 4).split(0.3, 1);
        TrainingResult result = DenseTrainer.train(start, parts[0], parts[1], Loss.MEAN_SQUARED_ERROR,
                new TrainingOptions(50, 8, 5f, 1, 3), (e, n) -> { });
        assertEquals(3, result.epochsRun(), "no epoch beats a perfect start; stop after 3");
    }

    static double accuracy(DenseNetwork net, TrainingData data) {
        float[] out = net.forward(data.inputs(), data.rows());
        int correct = 0;
        for (int r = 0; r < data.rows(); r++) {
            int best = 0;
            for (int j = 1; j < net.outputs(); j++) {
                if (out[r * net.outputs() + j] > out[r * net.outputs() + best]) {
                    best = j;
                }
            }
            correct += best == (int) data.targets()[r] ? 1 : 0;
        }
        return (double) correct / data.rows();
    }
}

package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.OutputHead;
import org.odf2nna.network.TestNetworks;
import org.odf2nna.prune.LayerCovariance;
import org.odf2nna.prune.RowSource;

/**
 * The sweep's unit-cost moments with each layer's products summed a block of rows at a time in ONNX Runtime
 * ({@link ProgressivePruning#measure}) against the plain-Java sums row by row ({@link LayerCovariance#measure}).
 */
class LayerCovarianceBlockedTest {

    /** A 6-9-7-2 ReLU network whose unit 0 of the first hidden layer never fires and unit 1 of the second is 0.5. */
    private static DenseNetwork network() {
        DenseNetwork random = TestNetworks.random(new Random(57), new int[] {6, 9, 7, 2}, Activation.RELU,
                OutputHead.SOFTMAX);
        List<DenseLayer> layers = new ArrayList<>(random.layers());
        DenseLayer first = layers.get(0);
        float[] bias = first.bias().clone();
        bias[0] = -1e4f;
        layers.set(0, new DenseLayer(first.inputs(), first.units(), first.weights(), bias, first.activation()));
        DenseLayer second = layers.get(1);
        float[] w = second.weights().clone();
        for (int i = 0; i < second.inputs(); i++) {
            w[i * second.units() + 1] = 0;
        }
        float[] b = second.bias().clone();
        b[1] = 0.5f;
        layers.set(1, new DenseLayer(second.inputs(), second.units(), w, b, second.activation()));
        return random.withLayers(layers);
    }

    @Test
    void blockedMomentsEqualTheRowByRowOnes() {
        DenseNetwork network = network();
        int rows = 2_500;
        float[] x = TestNetworks.gaussian(new Random(4096), rows * 6, 2);
        for (int i = 0; i < x.length; i++) {
            x[i] += 3;
        }
        // Blocks of 1,024, 1,024 and 452 rows: the merge of blocks with different means is part of what is checked.
        RowSource source = RowSource.of(x, rows, 6, 1024);
        LayerCovariance rowByRow = LayerCovariance.measure(network, source);
        LayerCovariance blocked = ProgressivePruning.measure(network, source, Device.CPU);
        assertEquals(rowByRow.statistics().rows(), blocked.statistics().rows());
        for (int l = 0; l < 2; l++) {
            int m = network.hiddenUnits()[l];
            assertArrayEquals(rowByRow.statistics().mean(l), blocked.statistics().mean(l), "means, layer " + l);
            double[] a = rowByRow.covariances().get(l);
            double[] b = blocked.covariances().get(l);
            double[] sa = rowByRow.statistics().std(l);
            double[] sb = blocked.statistics().std(l);
            for (int i = 0; i < m; i++) {
                assertEquals(sa[i], sb[i], 1e-9 * sa[i], "std, layer " + l + " unit " + i);
                for (int j = 0; j < m; j++) {
                    double scale = Math.max(Math.abs(a[i * m + j]), sa[i] * sa[j]);
                    assertEquals(a[i * m + j], b[i * m + j], 1e-9 * scale, "covariance, layer " + l + " " + i + "," + j);
                    assertEquals(b[i * m + j], b[j * m + i], "symmetric, layer " + l);
                }
            }
        }
        // The unit that never fires and the constant one: exact zeros, as row by row (a refit's exactness reads them).
        double[] first = blocked.covariances().get(0);
        double[] second = blocked.covariances().get(1);
        for (int j = 0; j < 9; j++) {
            assertEquals(0.0, first[j], "layer 0 unit 0's row");
            assertEquals(0.0, first[j * 9], "layer 0 unit 0's column");
        }
        for (int j = 0; j < 7; j++) {
            assertEquals(0.0, second[7 + j], "layer 1 unit 1's row");
        }
        assertEquals(0.0, blocked.statistics().std(1)[1]);
        assertEquals(0.5, blocked.statistics().mean(1)[1]);
        assertTrue(blocked.statistics().std(1)[0] > 0, "a unit that varies has a spread");
    }
}

package org.odf2nna.network;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

public class Int8QuantizationTest {

    @Test
    void eachWeightMovesByAtMostHalfItsUnitsScaleAndTheCodesGiveItBackExactly() {
        Random random = new Random(3);
        DenseNetwork net = TestNetworks.random(random, new int[] {7, 9, 4}, Activation.RELU, OutputHead.NONE);
        for (DenseLayer layer : net.layers()) {
            DenseLayer q = Int8Quantization.quantize(layer);
            Int8Quantization.Codes codes = Int8Quantization.exactCodes(q);
            assertNotNull(codes);
            assertArrayEquals(q.weights(), Int8Quantization.dequantize(codes.codes(), codes.scales(), q.units()));
            assertArrayEquals(layer.bias(), q.bias());
            for (int i = 0; i < layer.inputs(); i++) {
                for (int j = 0; j < layer.units(); j++) {
                    float s = codes.scales()[j];
                    assertEquals(layer.weight(i, j), q.weight(i, j), s / 2 * (1 + 1e-6));
                    int code = codes.codes()[i * layer.units() + j];
                    assertTrue(code >= -127 && code <= 127);
                }
            }
            // Quantizing again changes nothing: what was judged is what gets written.
            assertArrayEquals(q.weights(), Int8Quantization.quantize(q).weights());
        }
    }

    @Test
    void aUnitWithoutWeightsStaysZeroAndFloatWeightsHaveNoExactCodes() {
        DenseLayer zero = new DenseLayer(2, 2, new float[] {0, 1, 0, -0.5f}, new float[] {0, 0}, Activation.IDENTITY);
        DenseLayer q = Int8Quantization.quantize(zero);
        // Unit 1 (weights 0, 0) stays exactly zero; unit 2's -0.5 is -64/127 of its largest weight, 1.
        assertArrayEquals(new float[] {0, 1, 0, -64f / 127}, q.weights(), 1e-7f);
        DenseLayer dense = new DenseLayer(3, 1, new float[] {1f, 0.123456f, 0.777777f}, new float[1],
                Activation.IDENTITY);
        assertNull(Int8Quantization.exactCodes(dense));
    }

    /** A quantized network in code against the float one, within the error int8 weights can cause. */
    @Test
    void outputsStayWithinTheQuantizationErrorOfTheFloatNetwork() {
        Random random = new Random(11);
        DenseNetwork net = TestNetworks.random(random, new int[] {12, 16, 8, 3}, Activation.RELU, OutputHead.NONE);
        boolean[] mixed = {true, false, true};
        DenseNetwork q = Int8Quantization.quantize(net, mixed);
        assertArrayEquals(net.layer(1).weights(), q.layer(1).weights());
        int rows = 50;
        float[] x = TestNetworks.gaussian(random, rows * 12, 2);
        float[] a = net.forward(x, rows);
        float[] b = q.forward(x, rows);
        double[] bound = bound(net, mixed, x, rows);
        double worst = 0;
        for (int k = 0; k < a.length; k++) {
            assertTrue(Math.abs(a[k] - b[k]) <= bound[k] + 1e-4, k + ": " + a[k] + " vs " + b[k] + ", bound "
                    + bound[k]);
            worst = Math.max(worst, Math.abs(a[k] - b[k]));
        }
        assertTrue(worst > 0, "int8 weights change something");
    }

    /**
     * Per output, what int8 weights can move it by: each int8 layer adds Σ_i |h_i| · s_j / 2 (its weights' error) to
     * the error it receives through |W_q|; ReLU does not magnify it.
     */
    public static double[] bound(DenseNetwork net, boolean[] int8, float[] x, int rows) {
        int outputs = net.outputs();
        double[] bound = new double[rows * outputs];
        List<DenseLayer> layers = net.layers();
        for (int r = 0; r < rows; r++) {
            double[] h = new double[net.inputs()];
            for (int i = 0; i < h.length; i++) {
                h[i] = x[r * h.length + i];
            }
            double[] e = new double[h.length];
            for (int l = 0; l < layers.size(); l++) {
                DenseLayer layer = layers.get(l);
                DenseLayer q = int8[l] ? Int8Quantization.quantize(layer) : layer;
                Int8Quantization.Codes codes = int8[l] ? Int8Quantization.exactCodes(q) : null;
                double[] pre = new double[layer.units()];
                double[] next = new double[layer.units()];
                for (int j = 0; j < layer.units(); j++) {
                    pre[j] = layer.bias()[j];
                    for (int i = 0; i < layer.inputs(); i++) {
                        pre[j] += h[i] * layer.weight(i, j);
                        next[j] += e[i] * Math.abs(q.weight(i, j));
                        if (codes != null) {
                            next[j] += Math.abs(h[i]) * codes.scales()[j] / 2;
                        }
                    }
                    pre[j] = layer.activation().apply(pre[j]);
                }
                h = pre;
                e = next;
            }
            System.arraycopy(e, 0, bound, r * outputs, outputs);
        }
        return bound;
    }
}

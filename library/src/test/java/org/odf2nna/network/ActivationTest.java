package org.odf2nna.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Each activation against the formula of the ONNX operator of the same name (operators.md), written out
 * here independently of the production switch.
 */
class ActivationTest {

    /** Points around the interesting places (0, the kinks, saturation) plus random ones. */
    private static double[] samplePoints() {
        double[] fixed = {0.0, -0.0, 1e-7, -1e-7, 0.5, -0.5, 1, -1, 2.5, -2.5, 3, -3, 10, -10, 40, -40};
        Random random = new Random(7);
        double[] points = new double[fixed.length + 200];
        System.arraycopy(fixed, 0, points, 0, fixed.length);
        for (int k = fixed.length; k < points.length; k++) {
            points[k] = (random.nextDouble() * 2 - 1) * 12;
        }
        return points;
    }

    private static void assertMatches(Activation activation, DoubleUnaryOperator reference) {
        for (double x : samplePoints()) {
            double expected = reference.applyAsDouble(x);
            double actual = activation.apply(x);
            assertEquals(expected, actual, 1e-12 * Math.max(1, Math.abs(expected)), activation + " at x=" + x);
            // The float overload must be the double one rounded, not a different formula.
            float xf = (float) x;
            assertEquals((float) reference.applyAsDouble(xf), activation.apply(xf),
                    Math.ulp((float) reference.applyAsDouble(xf)), activation + " (float) at x=" + xf);
        }
    }

    @Test
    void identity() {
        assertMatches(Activation.IDENTITY, x -> x);
    }

    @Test
    void relu() {
        assertMatches(Activation.RELU, x -> Math.max(0, x));
    }

    @Test
    void leakyReluUsesAlphaOnTheNegativeSide() {
        for (float alpha : new float[] {0.01f, 0.2f, 0.3f, 1.5f}) {
            assertMatches(Activation.leakyRelu(alpha), x -> x >= 0 ? x : (double) alpha * x);
        }
        assertEquals(-0.03, Activation.leakyRelu(0.01f).apply(-3.0), 1e-9);
        assertEquals(3.0, Activation.leakyRelu(0.01f).apply(3.0), 0);
    }

    @Test
    void eluUsesAlphaTimesExpMinusOneBelowZero() {
        for (float alpha : new float[] {1.0f, 0.5f, 2.0f}) {
            assertMatches(Activation.elu(alpha), x -> x >= 0 ? x : (double) alpha * (Math.exp(x) - 1));
        }
        // Saturates at -alpha for very negative x.
        assertEquals(-0.5, Activation.elu(0.5f).apply(-100.0), 1e-12);
    }

    @Test
    void seluDefaultsAreTheOnnxConstants() {
        // ONNX spec: alpha = 1.67326319217681884765625, gamma = 1.05070102214813232421875 (float32 values of
        // the paper's 1.6732632423543772... and 1.0507009873554804...).
        assertEquals(1.67326319217681884765625, Activation.SELU_ALPHA, 0);
        assertEquals(1.05070102214813232421875, Activation.SELU_GAMMA, 0);
        assertEquals(1.6732632423543772, Activation.SELU_ALPHA, 1e-6);
        assertEquals(1.0507009873554804, Activation.SELU_GAMMA, 1e-6);

        double a = 1.67326319217681884765625;
        double g = 1.05070102214813232421875;
        assertMatches(Activation.selu(Activation.SELU_ALPHA, Activation.SELU_GAMMA),
                x -> x > 0 ? g * x : g * (a * Math.exp(x) - a));
        // Selu(0) = 0 and the negative limit is -gamma*alpha.
        Activation selu = Activation.selu(Activation.SELU_ALPHA, Activation.SELU_GAMMA);
        assertEquals(0.0, selu.apply(0.0), 0);
        assertEquals(-g * a, selu.apply(-60.0), 1e-12);
    }

    @Test
    void sigmoid() {
        assertMatches(Activation.SIGMOID, x -> 1 / (1 + Math.exp(-x)));
        assertEquals(0.5, Activation.SIGMOID.apply(0.0), 0);
        for (double x : samplePoints()) {
            assertEquals(1.0, Activation.SIGMOID.apply(x) + Activation.SIGMOID.apply(-x), 1e-12);
        }
        assertEquals(0.0, Activation.SIGMOID.apply(-1000.0), 0);
        assertEquals(1.0, Activation.SIGMOID.apply(1000.0), 0);
    }

    @Test
    void tanh() {
        assertMatches(Activation.TANH, x -> (Math.exp(2 * x) - 1) / (Math.exp(2 * x) + 1));
    }

    @Test
    void softplusIsLogOfOnePlusExp() {
        // ln(exp(x) + 1), evaluated as max(x, 0) + ln(1 + exp(-|x|)) so that the reference itself neither
        // overflows nor loses the tiny values for very negative x.
        assertMatches(Activation.SOFTPLUS, x -> Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))));
        assertEquals(Math.log(2), Activation.SOFTPLUS.apply(0.0), 1e-15);
        assertEquals(Math.log(1 + Math.E), Activation.SOFTPLUS.apply(1.0), 1e-15);
    }

    @Test
    void softplusIsAccurateAndFiniteForLargeArguments() {
        // Stable reference: softplus(x) = max(x, 0) + log1p(exp(-|x|)); the plain formula overflows past ~709.
        for (double x : new double[] {20, 29.9, 30, 30.1, 31, 35, 50, 100, 700, 710, 1000, 1e6, 3e38,
                                      -20, -50, -700, -1000}) {
            double expected = Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
            double actual = Activation.SOFTPLUS.apply(x);
            assertTrue(Double.isFinite(actual), "softplus(" + x + ") = " + actual);
            assertEquals(expected, actual, 1e-13 * Math.max(1, Math.abs(expected)), "softplus(" + x + ")");
        }
        assertEquals(1000f, Activation.SOFTPLUS.apply(1000f), 0);
        assertEquals(100f, Activation.SOFTPLUS.apply(100f), 0);
        assertTrue(Activation.SOFTPLUS.apply(-1000.0) >= 0);
    }

    @Test
    void hardSigmoid() {
        Activation onnxDefault = Activation.hardSigmoid(0.2f, 0.5f);
        assertMatches(onnxDefault, x -> Math.max(0, Math.min(1, 0.2f * x + 0.5f)));
        assertEquals(0.0, onnxDefault.apply(-3.0), 1e-7);
        assertEquals(1.0, onnxDefault.apply(3.0), 1e-7);
        assertEquals(0.7, onnxDefault.apply(1.0), 1e-7);
        assertEquals(0.0, onnxDefault.apply(-100.0), 0);
        assertEquals(1.0, onnxDefault.apply(100.0), 0);
        Activation keras = Activation.hardSigmoid(1f / 6, 0.5f);
        assertMatches(keras, x -> Math.max(0, Math.min(1, (1f / 6) * x + 0.5f)));
    }

    @Test
    void clip() {
        Activation clip = Activation.clip(-1f, 2f);
        assertMatches(clip, x -> Math.min(2, Math.max(-1, x)));
        Activation relu6 = Activation.clip(0f, 6f);
        assertEquals(6.0, relu6.apply(7.5), 0);
        assertEquals(0.0, relu6.apply(-7.5), 0);
        assertEquals(3.25, relu6.apply(3.25), 0);
    }

    @Test
    void onnxNamesAndFactories() {
        assertEquals("Identity", Activation.IDENTITY.onnxName());
        assertEquals("Relu", Activation.RELU.onnxName());
        assertEquals("LeakyRelu", Activation.leakyRelu(0.1f).onnxName());
        assertEquals("Elu", Activation.elu(1f).onnxName());
        assertEquals("Selu", Activation.selu(1f, 1f).onnxName());
        assertEquals("Sigmoid", Activation.SIGMOID.onnxName());
        assertEquals("Tanh", Activation.TANH.onnxName());
        assertEquals("Softplus", Activation.SOFTPLUS.onnxName());
        assertEquals("HardSigmoid", Activation.hardSigmoid(0.2f, 0.5f).onnxName());
        assertEquals("Clip", Activation.clip(0, 1).onnxName());
        for (Activation.Kind kind : Activation.Kind.values()) {
            // Every kind has a name and an apply; none falls through to the default branch.
            Activation a = new Activation(kind, 0.5f, 1f);
            assertTrue(!a.onnxName().isEmpty());
            assertTrue(Double.isFinite(a.apply(0.25)));
        }
        assertEquals(Activation.Kind.LEAKY_RELU, Activation.leakyRelu(0.1f).kind());
        assertEquals(0.1f, Activation.leakyRelu(0.1f).alpha());
        assertEquals(-1f, Activation.clip(-1f, 2f).alpha());
        assertEquals(2f, Activation.clip(-1f, 2f).beta());
        assertEquals(0.2f, Activation.hardSigmoid(0.2f, 0.5f).alpha());
        assertEquals(0.5f, Activation.hardSigmoid(0.2f, 0.5f).beta());
    }
}

package org.odf2nna.tf.graphdef;

import java.util.List;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

/**
 * Elementwise ops: the binary arithmetic (numpy broadcasting, as TensorFlow and ONNX both do), the activations and
 * the unary maths of a BatchNormalization or a GELU. Constants are folded in Java (a BatchNormalization's
 * {@code rsqrt(variance + ε) · γ} becomes one vector); a neutral constant ({@code + 0}, {@code · 1}) leaves the
 * other input as it is.
 */
final class MathOps {

    private MathOps() {
    }

    static void register(TfTranslators.Registry r) {
        binary(r, "AddV2", "Add", Double::sum, 0);
        binary(r, "Add", "Add", Double::sum, 0);
        binary(r, "Sub", "Sub", (a, b) -> a - b, 0);
        binary(r, "Mul", "Mul", (a, b) -> a * b, 1);
        binary(r, "RealDiv", "Div", (a, b) -> a / b, 1);
        binary(r, "Maximum", "Max", Math::max, Double.NaN);
        binary(r, "Minimum", "Min", Math::min, Double.NaN);
        binary(r, "Pow", "Pow", Math::pow, 1);
        r.add("BiasAdd", MathOps::biasAdd);
        r.add("SquaredDifference", (n, g) -> {
            TfValue d = apply(n, g, "Sub", (a, b) -> a - b, n.input(0), n.input(1));
            return List.of(apply(n, g, "Mul", (a, b) -> a * b, d, d));
        });
        unary(r, "Relu", "Relu", x -> Math.max(0, x));
        unary(r, "Sigmoid", "Sigmoid", x -> 1 / (1 + Math.exp(-x)));
        unary(r, "Tanh", "Tanh", Math::tanh);
        unary(r, "Softplus", "Softplus", x -> Math.log1p(Math.exp(x)));
        unary(r, "Erf", "Erf", MathOps::erf);
        unary(r, "Sqrt", "Sqrt", Math::sqrt);
        unary(r, "Exp", "Exp", Math::exp);
        unary(r, "Neg", "Neg", x -> -x);
        unary(r, "Abs", "Abs", Math::abs);
        unary(r, "Reciprocal", "Reciprocal", x -> 1 / x);
        unary(r, "Inv", "Reciprocal", x -> 1 / x);
        r.add("Rsqrt", (n, g) -> {
            TfValue x = n.input(0);
            if (x.isConstant()) {
                return List.of(fold(x, v -> 1 / Math.sqrt(v)));
            }
            TfValue root = g.node("Sqrt", "Sqrt", List.of(g.tensor(x)), x.shape());
            return List.of(g.node("Reciprocal", List.of(root.name()), x.shape()));
        });
        r.add("Square", (n, g) -> List.of(apply(n, g, "Mul", (a, b) -> a * b, n.input(0), n.input(0))));
        r.add("Relu6", (n, g) -> clip(n, g, 0, 6));
        r.add("Elu", (n, g) -> activation(n, g, "Elu", x -> x > 0 ? x : Math.expm1(x),
                OnnxGraph.attribute("alpha", 1f)));
        r.add("Selu", (n, g) -> activation(n, g, "Selu",
                x -> 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * Math.expm1(x))));
        r.add("LeakyRelu", (n, g) -> {
            float alpha = n.real("alpha", 0.2f);
            return activation(n, g, "LeakyRelu", x -> x > 0 ? x : alpha * x, OnnxGraph.attribute("alpha", alpha));
        });
    }

    private static void binary(TfTranslators.Registry r, String tfOp, String onnxOp, DoubleBinaryOperator f,
                               double neutral) {
        r.add(tfOp, (n, g) -> {
            TfValue a = n.input(0);
            TfValue b = n.input(1);
            // x + 0, x - 0, x · 1, x / 1: the data as it is (Keras's Rescaling adds its zero offset, say).
            if (!Double.isNaN(neutral) && b.allEqual(neutral) && !a.isConstant()
                    && broadcast(n, a.shape(), b.shape()).length == a.rank()) {
                return List.of(a);
            }
            if (!Double.isNaN(neutral) && a.allEqual(neutral) && !b.isConstant() && (onnxOp.equals("Add")
                    || onnxOp.equals("Mul")) && broadcast(n, a.shape(), b.shape()).length == b.rank()) {
                return List.of(b);
            }
            return List.of(apply(n, g, onnxOp, f, a, b));
        });
    }

    /** {@code f(a, b)} folded when both are constants, else one ONNX node. */
    static TfValue apply(TfNode n, OnnxGraph g, String onnxOp, DoubleBinaryOperator f, TfValue a, TfValue b) {
        long[] shape = broadcast(n, a.shape(), b.shape());
        if (a.isConstant() && b.isConstant()) {
            return fold(shape, a, b, f);
        }
        return g.node(onnxOp, List.of(g.tensor(a), g.tensor(b)), shape);
    }

    private static List<TfValue> biasAdd(TfNode n, OnnxGraph g) {
        if (n.string("data_format", "NHWC").equals("NCHW") && n.input(0).rank() > 2) {
            throw n.refuse("data_format NCHW is not translated (Keras writes NHWC)");
        }
        TfValue bias = n.input(1);
        if (bias.rank() != 1) {
            throw n.refuse("the bias has shape " + java.util.Arrays.toString(bias.shape()) + "; expected a vector");
        }
        return List.of(apply(n, g, "Add", Double::sum, n.input(0), bias));
    }

    private static void unary(TfTranslators.Registry r, String tfOp, String onnxOp, DoubleUnaryOperator f) {
        r.add(tfOp, (n, g) -> activation(n, g, onnxOp, f));
    }

    private static List<TfValue> activation(TfNode n, OnnxGraph g, String onnxOp, DoubleUnaryOperator f,
                                            org.odf2nna.onnx.proto.OnnxProto.AttributeProto... attributes) {
        TfValue x = n.input(0);
        if (x.isConstant()) {
            return List.of(fold(x, f));
        }
        return List.of(g.node(onnxOp, List.of(x.name()), x.shape(), attributes));
    }

    private static List<TfValue> clip(TfNode n, OnnxGraph g, float min, float max) {
        TfValue x = n.input(0);
        if (x.isConstant()) {
            return List.of(fold(x, v -> Math.min(max, Math.max(min, v))));
        }
        String lo = g.tensor(TfValue.floats(new long[0], new float[] {min}));
        String hi = g.tensor(TfValue.floats(new long[0], new float[] {max}));
        return List.of(g.node("Clip", List.of(x.name(), lo, hi), x.shape()));
    }

    static TfValue fold(TfValue x, DoubleUnaryOperator f) {
        double[] v = x.doubles();
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) f.applyAsDouble(v[i]);
        }
        return TfValue.floats(x.shape(), out);
    }

    /** Numpy broadcasting of two static shapes (-1 for an unknown size, which matches any). */
    static long[] broadcast(TfNode n, long[] a, long[] b) {
        int rank = Math.max(a.length, b.length);
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long x = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            long y = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (x != y && x != 1 && y != 1 && x >= 0 && y >= 0) {
                throw n.refuse("shapes " + java.util.Arrays.toString(a) + " and " + java.util.Arrays.toString(b)
                        + " do not broadcast");
            }
            out[i] = x == 1 ? y : y == 1 ? x : Math.max(x, y);
        }
        return out;
    }

    /** {@code f} over two constants, broadcast to {@code shape}; integers stay integers when both are. */
    private static TfValue fold(long[] shape, TfValue a, TfValue b, DoubleBinaryOperator f) {
        int size = (int) TfValue.sizeOf(shape);
        double[] x = a.doubles();
        double[] y = b.doubles();
        double[] out = new double[size];
        int[] index = new int[shape.length];
        for (int i = 0; i < size; i++) {
            out[i] = f.applyAsDouble(x[offset(index, shape, a.shape())], y[offset(index, shape, b.shape())]);
            for (int d = shape.length - 1; d >= 0 && ++index[d] == shape[d]; d--) {
                index[d] = 0;
            }
        }
        if (!a.isFloat() && !b.isFloat()) {
            long[] ints = new long[size];
            for (int i = 0; i < size; i++) {
                ints[i] = (long) out[i];
            }
            return TfValue.ints(shape, ints);
        }
        float[] floats = new float[size];
        for (int i = 0; i < size; i++) {
            floats[i] = (float) out[i];
        }
        return TfValue.floats(shape, floats);
    }

    /** Row-major offset in a tensor of {@code own} shape of the broadcast position {@code index}. */
    private static int offset(int[] index, long[] shape, long[] own) {
        int offset = 0;
        int skip = shape.length - own.length;
        for (int d = 0; d < own.length; d++) {
            offset = (int) (offset * own[d] + (own[d] == 1 ? 0 : index[d + skip]));
        }
        return offset;
    }

    /** The error function (Abramowitz and Stegun 7.1.26 is too coarse; this is erf through the incomplete gamma). */
    static double erf(double x) {
        // Series for small |x|, continued fraction beyond: both to double precision.
        double ax = Math.abs(x);
        double result;
        if (ax < 2.5) {
            double sum = ax;
            double term = ax;
            for (int k = 1; k < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); k++) {
                term *= -ax * ax / k;
                sum += term / (2 * k + 1);
            }
            result = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            double f = 0;
            for (int k = 60; k >= 1; k--) {
                f = k / 2.0 / (ax + f);
            }
            result = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
        }
        return x < 0 ? -result : result;
    }
}

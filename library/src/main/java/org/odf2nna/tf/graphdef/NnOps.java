package org.odf2nna.tf.graphdef;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.odf2nna.onnx.Axes;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;

/**
 * The layers' ops: {@code MatMul}, the NHWC convolutions and poolings (each an ONNX NCHW op between two Transposes,
 * the kernel from HWIO to OIHW), the reductions of global pooling, {@code Softmax}/{@code LogSoftmax}, and the
 * inference {@code FusedBatchNormV3} (a scale and shift per channel, computed here).
 */
final class NnOps {

    private static final long[] TO_NCHW = {0, 3, 1, 2};
    private static final long[] TO_NHWC = {0, 2, 3, 1};

    private NnOps() {
    }

    static void register(TfTranslators.Registry r) {
        r.add("MatMul", NnOps::matMul);
        r.add("Conv2D", (n, g) -> conv(n, g, false));
        r.add("DepthwiseConv2dNative", (n, g) -> conv(n, g, true));
        r.add("MaxPool", (n, g) -> pool(n, g, "MaxPool"));
        r.add("AvgPool", (n, g) -> pool(n, g, "AveragePool"));
        r.add("Mean", (n, g) -> reduce(n, g, "ReduceMean"));
        r.add("Max", (n, g) -> reduce(n, g, "ReduceMax"));
        r.add("Softmax", (n, g) -> lastAxis(n, g, "Softmax"));
        r.add("LogSoftmax", (n, g) -> lastAxis(n, g, "LogSoftmax"));
        r.add("FusedBatchNormV3", NnOps::fusedBatchNorm);
        r.add("FusedBatchNorm", NnOps::fusedBatchNorm);
    }

    private static List<TfValue> matMul(TfNode n, OnnxGraph g) {
        TfValue a = n.input(0);
        TfValue b = n.input(1);
        if (n.bool("transpose_a", false)) {
            if (a.isConstant()) {
                throw n.refuse("transpose_a of a constant is not translated");
            }
            a = g.node("Transpose", "transpose_a", List.of(a.name()), new long[] {a.dim(1), a.dim(0)},
                    OnnxGraph.attribute("perm", 1L, 0L));
        }
        if (n.bool("transpose_b", false)) {
            b = b.isConstant() ? ArrayOps.transposed(b) : g.node("Transpose", "transpose_b", List.of(b.name()),
                    new long[] {b.dim(1), b.dim(0)}, OnnxGraph.attribute("perm", 1L, 0L));
        }
        if (a.rank() != 2 || b.rank() != 2) {
            throw n.refuse("operands of shapes " + Arrays.toString(a.shape()) + " and " + Arrays.toString(b.shape())
                    + "; MatMul multiplies matrices");
        }
        if (a.isConstant() && b.isConstant()) {
            throw n.refuse("a product of two constants is not folded");
        }
        return List.of(g.node("MatMul", List.of(g.tensor(a), g.tensor(b)), new long[] {a.dim(0), b.dim(1)}));
    }

    private static void requireNhwc(TfNode n) {
        if (!n.string("data_format", "NHWC").equals("NHWC")) {
            throw n.refuse("data_format " + n.string("data_format", "") + " is not translated (Keras writes NHWC)");
        }
    }

    private static List<TfValue> conv(TfNode n, OnnxGraph g, boolean depthwise) {
        requireNhwc(n);
        TfValue x = n.input(0);
        TfValue kernel = n.constant(1, "kernel");
        if (x.rank() != 4 || kernel.rank() != 4 || x.isConstant()) {
            throw n.refuse("expected a 4-d NHWC input and a 4-d kernel");
        }
        long[] k = kernel.shape();
        long[] strides = n.ints("strides", 1, 1, 1, 1);
        long[] dilations = n.ints("dilations", 1, 1, 1, 1);
        long in = k[2];
        long out = depthwise ? k[2] * k[3] : k[3];
        // HWIO → OIHW; a depthwise kernel [H, W, C, M] → [C·M, 1, H, W], output channel c·M + m.
        float[] w = kernel.floats();
        float[] oihw = new float[w.length];
        long perGroupIn = depthwise ? 1 : in;
        for (int h = 0; h < k[0]; h++) {
            for (int wd = 0; wd < k[1]; wd++) {
                for (int i = 0; i < k[2]; i++) {
                    for (int o = 0; o < k[3]; o++) {
                        long outChannel = depthwise ? i * k[3] + o : o;
                        long inChannel = depthwise ? 0 : i;
                        long to = ((outChannel * perGroupIn + inChannel) * k[0] + h) * k[1] + wd;
                        oihw[(int) to] = w[(int) (((h * k[1] + wd) * k[2] + i) * k[3] + o)];
                    }
                }
            }
        }
        TfValue weights = TfValue.floats(new long[] {out, perGroupIn, k[0], k[1]}, oihw);
        List<AttributeProto> attributes = new ArrayList<>(List.of(
                OnnxGraph.attribute("kernel_shape", k[0], k[1]),
                OnnxGraph.attribute("strides", strides[1], strides[2]),
                OnnxGraph.attribute("dilations", dilations[1], dilations[2])));
        if (depthwise) {
            attributes.add(OnnxGraph.attribute("group", in));
        }
        long[] size = {(k[0] - 1) * dilations[1] + 1, (k[1] - 1) * dilations[2] + 1};
        return List.of(nchw(n, g, "Conv", x, List.of(g.tensor(weights)), out, new Window(size, strides), attributes));
    }

    private static List<TfValue> pool(TfNode n, OnnxGraph g, String onnxOp) {
        requireNhwc(n);
        TfValue x = n.input(0);
        long[] ksize = n.ints("ksize");
        long[] strides = n.ints("strides");
        if (x.rank() != 4 || ksize.length != 4 || ksize[0] != 1 || ksize[3] != 1) {
            throw n.refuse("expected a 4-d NHWC input pooled over height and width");
        }
        List<AttributeProto> attributes = new ArrayList<>(List.of(
                OnnxGraph.attribute("kernel_shape", ksize[1], ksize[2]),
                OnnxGraph.attribute("strides", strides[1], strides[2])));
        return List.of(nchw(n, g, onnxOp, x, List.of(), x.dim(3), new Window(new long[] {ksize[1], ksize[2]},
                strides), attributes));
    }

    /**
     * {@code op} on the NHWC input {@code x} as ONNX computes it, in NCHW: Transpose, the op (TensorFlow's SAME
     * padding is ONNX's SAME_UPPER, extra padding at the end), Transpose back. Returns the NHWC output.
     */
    private static TfValue nchw(TfNode n, OnnxGraph g, String op, TfValue x, List<String> weights, long channels,
                                Window window, List<AttributeProto> attributes) {
        long[] strides = window.strides();
        String padding = n.string("padding", "VALID");
        List<AttributeProto> all = new ArrayList<>(attributes);
        long[] hw = new long[2];
        for (int d = 0; d < 2; d++) {
            long size = x.dim(1 + d);
            hw[d] = size < 0 ? -1 : padding.equals("SAME") ? (size + strides[1 + d] - 1) / strides[1 + d]
                    : (size - window.size()[d]) / strides[1 + d] + 1;
        }
        if (padding.equals("SAME")) {
            all.add(OnnxGraph.attribute("auto_pad", "SAME_UPPER"));
        } else if (!padding.equals("VALID")) {
            throw n.refuse("padding " + padding + " is not translated (SAME and VALID are)");
        }
        TfValue in = g.node("Transpose", "to_nchw", List.of(x.name()),
                new long[] {x.dim(0), x.dim(3), x.dim(1), x.dim(2)}, OnnxGraph.attribute("perm", TO_NCHW));
        List<String> inputs = new ArrayList<>(List.of(in.name()));
        inputs.addAll(weights);
        TfValue y = g.node(op, op, inputs, new long[] {x.dim(0), channels, hw[0], hw[1]},
                all.toArray(AttributeProto[]::new));
        return g.node("Transpose", "to_nhwc", List.of(y.name()), new long[] {x.dim(0), hw[0], hw[1], channels},
                OnnxGraph.attribute("perm", TO_NHWC));
    }

    /** A window's extent (height, width; dilated) and TensorFlow's strides ({@code [1, h, w, 1]}). */
    private record Window(long[] size, long[] strides) {
    }

    private static List<TfValue> reduce(TfNode n, OnnxGraph g, String onnxOp) {
        TfValue x = n.input(0);
        if (x.isConstant()) {
            throw n.refuse("a reduction of a constant is not folded");
        }
        long[] axes = n.constant(1, "axes").ints().clone();
        for (int i = 0; i < axes.length; i++) {
            axes[i] = Axes.of(axes[i], x.rank());
        }
        boolean keep = n.bool("keep_dims", false);
        List<Long> shape = new ArrayList<>();
        for (int d = 0; d < x.rank(); d++) {
            final long dim = d;
            if (Arrays.stream(axes).noneMatch(a -> a == dim)) {
                shape.add(x.dim(d));
            } else if (keep) {
                shape.add(1L);
            }
        }
        return List.of(g.node(onnxOp, List.of(x.name()), shape.stream().mapToLong(Long::longValue).toArray(),
                OnnxGraph.attribute("axes", axes), OnnxGraph.attribute("keepdims", keep ? 1L : 0L)));
    }

    private static List<TfValue> lastAxis(TfNode n, OnnxGraph g, String onnxOp) {
        TfValue x = n.input(0);
        if (x.isConstant()) {
            throw n.refuse("a " + onnxOp + " of a constant is not folded");
        }
        return List.of(g.node(onnxOp, List.of(x.name()), x.shape(), OnnxGraph.attribute("axis", -1L)));
    }

    /** Inference batch normalisation: {@code x · c + d} with {@code c = γ / √(σ² + ε)}, {@code d = β − μ·c}. */
    private static List<TfValue> fusedBatchNorm(TfNode n, OnnxGraph g) {
        if (n.bool("is_training", true)) {
            throw n.refuse("is_training is set; only the inference form is translated");
        }
        requireNhwc(n);
        TfValue x = n.input(0);
        float[] gamma = n.constant(1, "scale").floats();
        float[] beta = n.constant(2, "offset").floats();
        float[] mean = n.constant(3, "mean").floats();
        float[] variance = n.constant(4, "variance").floats();
        float epsilon = n.real("epsilon", 1e-4f);
        float[] c = new float[gamma.length];
        float[] d = new float[gamma.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = (float) (gamma[i] / Math.sqrt(variance[i] + (double) epsilon));
            d[i] = (float) (beta[i] - mean[i] * (double) c[i]);
        }
        long[] vector = {c.length};
        TfValue scaled = MathOps.apply(n, g, "Mul", (a, b) -> a * b, x, TfValue.floats(vector, c));
        return List.of(MathOps.apply(n, g, "Add", Double::sum, scaled, TfValue.floats(vector, d)));
    }
}

package org.odf2nna.tf.ops;

import static org.odf2nna.tf.ops.TranslationContext.attrInt;
import static org.odf2nna.tf.ops.TranslationContext.attrFloat;
import static org.odf2nna.tf.ops.TranslationContext.attrInts;
import static org.odf2nna.tf.ops.TranslationContext.attrString;
import static org.odf2nna.tf.ops.TranslationContext.has;
import static org.odf2nna.tf.ops.TranslationContext.unsupported;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Max;
import org.tensorflow.op.core.Squeeze;
import org.tensorflow.op.core.StridedSlice;
import org.tensorflow.op.math.Mean;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.op.nn.DepthwiseConv2dNative;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Convolutions, pools and batch normalisation. Layouts are ONNX's (NCHW); TensorFlow's ops on the CPU know only NHWC,
 * so each op reads its input channels-last (the form the last convolution or pool left, else transposed), leaves its
 * output so for the next ({@link TranslationContext#fromChannelsLast}), and pads explicitly so that the op runs VALID.
 */
final class ConvOps {

    private ConvOps() {
    }

    static void register(Translators.Registry r) {
        r.add("Conv", ConvOps::conv);
        r.add("MaxPool", (ctx, node) -> pool(ctx, node, true));
        r.add("AveragePool", (ctx, node) -> pool(ctx, node, false));
        r.add("GlobalAveragePool", (ctx, node) -> globalPool(ctx, node, true));
        r.add("GlobalMaxPool", (ctx, node) -> globalPool(ctx, node, false));
        r.add("BatchNormalization", ConvOps::batchNorm);
    }

    /** The kernel's geometry in two spatial dimensions. */
    private record Window(long[] kernel, long[] strides, long[] dilations) { }

    /** The spatial padding {top, left, bottom, right} of the node's pads or auto_pad. */
    private static int[] pads(NodeProto node, long[] pads, Operand<TFloat32> x, Window w) {
        int spatial = w.kernel().length;
        String auto = attrString(node, "auto_pad", "NOTSET");
        int[] p = new int[2 * spatial];
        if (pads != null) {
            for (int i = 0; i < p.length; i++) {
                p[i] = (int) pads[i];
            }
        }
        if (auto.startsWith("SAME")) {
            for (int i = 0; i < spatial; i++) {
                long size = x.shape().get(2 + i);
                if (size < 0) {
                    throw unsupported(node, "auto_pad " + auto + " needs spatial sizes known while building");
                }
                long s = w.strides()[i];
                long out = (size + s - 1) / s;
                long total = Math.max(0, (out - 1) * s + (w.kernel()[i] - 1) * w.dilations()[i] + 1 - size);
                long small = total / 2;
                p[i] = (int) (auto.equals("SAME_UPPER") ? small : total - small);
                p[i + spatial] = (int) (total - p[i]);
            }
        } else if (auto.equals("VALID")) {
            Arrays.fill(p, 0);
        }
        return p;
    }

    private static Operand<TFloat32> nhwc(Ops tf, Operand<TFloat32> x) {
        return tf.linalg.transpose(x, tf.constant(new int[] {0, 2, 3, 1}));
    }

    private static Operand<TFloat32> nchw(Ops tf, Operand<TFloat32> x) {
        return tf.linalg.transpose(x, tf.constant(new int[] {0, 3, 1, 2}));
    }

    private static Operand<TFloat32> padNhwc(Ops tf, Operand<TFloat32> x, int[] p, float value) {
        if (Arrays.stream(p).allMatch(v -> v == 0)) {
            return x;
        }
        int[][] paddings = {{0, 0}, {p[0], p[2]}, {p[1], p[3]}, {0, 0}};
        return tf.pad(x, tf.constant(paddings), tf.constant(value));
    }

    private static Operand<TFloat32> conv(TranslationContext ctx, NodeProto node) {
        Ops tf = ctx.tf();
        Operand<TFloat32> x = ctx.f(node, 0);
        Operand<TFloat32> w = ctx.f(node, 1);
        int rank = ctx.rank(node, x);
        boolean oneD = rank == 3;
        if (rank != 4 && !oneD) {
            throw unsupported(node, rank - 2 + "-D convolutions are not translated");
        }
        long[] strides = attrInts(node, "strides");
        long[] dilations = attrInts(node, "dilations");
        long[] pads = attrInts(node, "pads");
        if (oneD) {
            // A 1-D convolution as a 2-D one over a height of 1.
            x = tf.expandDims(x, tf.constant(2));
            w = tf.expandDims(w, tf.constant(2));
            strides = strides == null ? null : new long[] {1, strides[0]};
            dilations = dilations == null ? null : new long[] {1, dilations[0]};
            pads = pads == null ? null : new long[] {0, pads[0], 0, pads[1]};
        }
        Window win = new Window(new long[] {w.shape().get(2), w.shape().get(3)},
                strides == null ? new long[] {1, 1} : strides, dilations == null ? new long[] {1, 1} : dilations);
        Operand<TFloat32> xh = oneD ? nhwc(tf, x) : ctx.channelsLast(node, 0);
        int[] p = pads(node, pads, x, win);
        // ONNX filters are [M, C/g, kH, kW]; TensorFlow's [kH, kW, C/g, M].
        Operand<TFloat32> wh = tf.linalg.transpose(w, tf.constant(new int[] {2, 3, 1, 0}));
        Operand<TFloat32> y = convNhwc(tf, node, new Padded(xh, p), wh, x.shape().get(1), win);
        if (has(node, 2)) {
            y = tf.math.add(y, ctx.f(node, 2));
        }
        return oneD ? tf.squeeze(nchw(tf, y), Squeeze.axis(2L)) : ctx.fromChannelsLast(node, y);
    }

    /** NHWC values and the spatial padding {top, left, bottom, right} a convolution gives them. */
    private record Padded(Operand<TFloat32> values, int[] pads) {

        boolean none() {
            return Arrays.stream(pads).allMatch(v -> v == 0);
        }

        /**
         * Whether TensorFlow's SAME padding is this one whatever the input's size: at stride 1 it pads
         * (kernel − 1)·dilation in all, the smaller half before.
         */
        boolean same(Window win) {
            for (int i = 0; i < 2; i++) {
                long total = (win.kernel()[i] - 1) * win.dilations()[i];
                if (win.strides()[i] != 1 || pads[i] != total / 2 || pads[i + 2] != total - total / 2) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * The convolution of NHWC values: plain, depthwise, or one convolution per group. Where TensorFlow's SAME is the
     * node's padding, the op pads itself, and oneDNN's kernels skip the padded taps: padded first, a 3×3 convolution
     * of a 1×1 map multiplies nine taps where one holds data (ResNet-18's last stage on 28×28 digits), and so does its
     * gradient. (EXPLICIT padding would serve every node, but the C++ gradient of Conv2D that TensorFlow Java builds
     * drops it.) Other padding is a Pad before a VALID op.
     */
    private static Operand<TFloat32> convNhwc(Ops tf, NodeProto node, Padded xp, Operand<TFloat32> wh,
            long channels, Window win) {
        long groups = attrInt(node, "group", 1);
        long filters = wh.shape().get(3);
        List<Long> stride = List.of(1L, win.strides()[0], win.strides()[1], 1L);
        List<Long> dilation = List.of(1L, win.dilations()[0], win.dilations()[1], 1L);
        long[] kernel = win.kernel();
        boolean same = !xp.none() && xp.same(win);
        String padding = same ? "SAME" : "VALID";
        Operand<TFloat32> xh = same ? xp.values() : padNhwc(tf, xp.values(), xp.pads(), 0f);
        if (groups == 1) {
            return tf.nn.conv2d(xh, wh, stride, padding, Conv2d.dilations(dilation));
        }
        if (channels > 0 && groups == channels && filters % channels == 0) {
            // Depthwise: output channel c·mult + k of ONNX's group c is TensorFlow's too.
            Operand<TFloat32> wd = tf.reshape(wh, tf.constant(new int[] {(int) kernel[0], (int) kernel[1],
                (int) channels, (int) (filters / channels)}));
            return tf.nn.depthwiseConv2dNative(xh, wd, stride, padding, DepthwiseConv2dNative.dilations(dilation));
        }
        xh = same ? padNhwc(tf, xh, xp.pads(), 0f) : xh;
        if (channels < 0) {
            throw unsupported(node, "grouped convolution needs its channel count known while building");
        }
        int cg = (int) (channels / groups);
        int mg = (int) (filters / groups);
        List<Operand<TFloat32>> parts = new ArrayList<>();
        for (int gi = 0; gi < groups; gi++) {
            Operand<TFloat32> xg = lastAxis(tf, xh, gi * cg, (gi + 1) * cg);
            Operand<TFloat32> wg = lastAxis(tf, wh, gi * mg, (gi + 1) * mg);
            parts.add(tf.nn.conv2d(xg, wg, stride, "VALID", Conv2d.dilations(dilation)));
        }
        return tf.concat(parts, tf.constant(3));
    }

    /** [from, to) of a rank-4 tensor's last axis. */
    private static Operand<TFloat32> lastAxis(Ops tf, Operand<TFloat32> v, int from, int to) {
        return tf.stridedSlice(v, tf.constant(new int[] {0, 0, 0, from}), tf.constant(new int[] {0, 0, 0, to}),
                tf.constant(new int[] {1, 1, 1, 1}), StridedSlice.beginMask(7L), StridedSlice.endMask(7L));
    }

    private static Operand<TFloat32> pool(TranslationContext ctx, NodeProto node, boolean max) {
        Ops tf = ctx.tf();
        Operand<TFloat32> x = ctx.f(node, 0);
        if (ctx.rank(node, x) != 4) {
            throw unsupported(node, "only 2-D pooling is translated");
        }
        if (attrInt(node, "ceil_mode", 0) != 0) {
            throw unsupported(node, "ceil_mode=1 is not translated");
        }
        long[] dil = attrInts(node, "dilations");
        if (dil != null && Arrays.stream(dil).anyMatch(d -> d != 1)) {
            throw unsupported(node, "dilated pooling is not translated");
        }
        long[] kernel = attrInts(node, "kernel_shape");
        long[] strides = attrInts(node, "strides");
        strides = strides == null ? new long[] {1, 1} : strides;
        int[] p = pads(node, attrInts(node, "pads"), x, new Window(kernel, strides, new long[] {1, 1}));
        List<Long> k = List.of(1L, kernel[0], kernel[1], 1L);
        List<Long> s = List.of(1L, strides[0], strides[1], 1L);
        Operand<TFloat32> xh = ctx.channelsLast(node, 0);
        if (max) {
            Operand<TFloat32> padded = padNhwc(tf, xh, p, -Float.MAX_VALUE);
            return ctx.fromChannelsLast(node, tf.nn.maxPool(padded, tf.constant(new int[] {1, (int) kernel[0], (int) kernel[1], 1}),
                    tf.constant(new int[] {1, (int) strides[0], (int) strides[1], 1}), "VALID"));
        }
        Operand<TFloat32> sum = tf.nn.avgPool(padNhwc(tf, xh, p, 0f), k, s, "VALID");
        boolean padded = Arrays.stream(p).anyMatch(v -> v != 0);
        if (!padded || attrInt(node, "count_include_pad", 0) != 0) {
            return ctx.fromChannelsLast(node, sum);
        }
        // Padding left out of the count: divide by the share of each window that lies inside the input.
        Operand<TFloat32> inside = tf.nn.avgPool(padNhwc(tf, tf.onesLike(xh), p, 0f), k, s, "VALID");
        return ctx.fromChannelsLast(node, tf.math.div(sum, inside));
    }

    private static Operand<TFloat32> globalPool(TranslationContext ctx, NodeProto node, boolean average) {
        Ops tf = ctx.tf();
        Operand<TFloat32> x = ctx.f(node, 0);
        int r = ctx.rank(node, x);
        if (r == 4) {
            Operand<TFloat32> xh = ctx.channelsLast(node, 0);
            Operand<TInt32> spatial = tf.constant(new int[] {1, 2});
            return ctx.fromChannelsLast(node, average ? tf.math.mean(xh, spatial, Mean.keepDims(true))
                    : tf.max(xh, spatial, Max.keepDims(true)));
        }
        int[] axes = new int[r - 2];
        for (int i = 2; i < r; i++) {
            axes[i - 2] = i;
        }
        return average ? tf.math.mean(x, tf.constant(axes), Mean.keepDims(true))
                : tf.max(x, tf.constant(axes), Max.keepDims(true));
    }

    private static Operand<TFloat32> batchNorm(TranslationContext ctx, NodeProto node) {
        Ops tf = ctx.tf();
        if (attrInt(node, "training_mode", 0) != 0) {
            throw unsupported(node, "training_mode=1 is not translated (inference form only)");
        }
        Operand<TFloat32> x = ctx.f(node, 0);
        int[] shape = new int[ctx.rank(node, x) - 1];
        Arrays.fill(shape, 1);
        shape[0] = -1;
        Operand<TInt32> s = tf.constant(shape);
        Operand<TFloat32> scale = tf.reshape(ctx.f(node, 1), s);
        Operand<TFloat32> bias = tf.reshape(ctx.f(node, 2), s);
        Operand<TFloat32> mean = tf.reshape(ctx.f(node, 3), s);
        Operand<TFloat32> var = tf.reshape(ctx.f(node, 4), s);
        Operand<TFloat32> std = tf.math.sqrt(tf.math.add(var, tf.constant(attrFloat(node, "epsilon", 1e-5f))));
        return tf.math.add(tf.math.mul(tf.math.div(tf.math.sub(x, mean), std), scale), bias);
    }
}

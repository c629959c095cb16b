package org.odf2nna.keras;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.odf2nna.keras.KerasGraph.Value;
import org.odf2nna.keras.KerasLayers.Call;
import org.odf2nna.keras.KerasWeights.Weight;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;

/**
 * The convolutions, poolings and paddings of Keras (channels last) as ONNX nodes (channels first): kernels
 * {@code [k..., in, out]} become {@code [out, in, k...]}, "same" padding the explicit pads TensorFlow uses (the odd
 * one at the end), "causal" the left padding of Conv1D.
 */
final class KerasConvLayers {

    private KerasConvLayers() {
    }

    /** What a convolution or pooling window is: sizes, strides, dilations, and how it pads. */
    private record Window(long[] kernel, long[] strides, long[] dilations, String padding) {
    }

    /** Conv1D or Conv2D (with groups). */
    static Value conv(Call c, int spatial) {
        c.checkChannelsLast();
        Value x = input(c, spatial);
        Window w = window(c, spatial, "kernel_size", "strides", true);
        long filters = (long) KerasConfig.number(c.layer().config(), "filters", -1);
        long groups = (long) KerasConfig.number(c.layer().config(), "groups", 1);
        boolean bias = useBias(c);
        List<Weight> weights = bias ? c.weights("kernel", "bias") : c.weights("kernel");
        Weight kernel = weights.get(0);
        int[] ks = kernel.shape();
        long in = x.channels();
        if (ks.length != spatial + 2 || ks[spatial + 1] != filters || in >= 0 && ks[spatial] * groups != in) {
            throw c.refused("has a kernel " + kernel.path() + " of shape "
                    + Arrays.toString(ks) + " for " + in + " input channels, " + groups + " groups and " + filters
                    + " filters");
        }
        String n = c.layer().name();
        List<String> inputs = new ArrayList<>(List.of(x.name(), c.g().floats(n, "kernel",
                toOnnx(kernel.values(), ks), onnxDims(ks))));
        if (bias) {
            inputs.add(c.g().floats(n, "bias", weights.get(1).values(), filters));
        }
        Value out = convNode(c, x, w, inputs, groups, filters);
        return c.activated(out);
    }

    /** DepthwiseConv2D: one group per input channel, {@code depth_multiplier} outputs each. */
    static Value depthwise(Call c) {
        c.checkChannelsLast();
        Value x = input(c, 2);
        Window w = window(c, 2, "kernel_size", "strides", true);
        boolean bias = useBias(c);
        List<Weight> weights = bias ? c.weights("depthwise_kernel", "bias") : c.weights("depthwise_kernel");
        Weight kernel = weights.get(0);
        int[] ks = kernel.shape();
        if (ks.length != 4 || x.channels() >= 0 && ks[2] != x.channels()) {
            throw c.refused("has a depthwise kernel " + kernel.path() + " of shape "
                    + Arrays.toString(ks) + " for " + x.channels() + " input channels");
        }
        String n = c.layer().name();
        List<String> inputs = new ArrayList<>(List.of(x.name(), c.g().floats(n, "depthwise_kernel",
                depthwiseToOnnx(kernel.values(), ks), (long) ks[2] * ks[3], 1, ks[0], ks[1])));
        if (bias) {
            inputs.add(c.g().floats(n, "bias", weights.get(1).values(), (long) ks[2] * ks[3]));
        }
        return c.activated(convNode(c, x, w, inputs, ks[2], (long) ks[2] * ks[3]));
    }

    /** SeparableConv2D: the depthwise convolution, then a 1×1 one with the bias. */
    static Value separable(Call c) {
        c.checkChannelsLast();
        Value x = input(c, 2);
        Window w = window(c, 2, "kernel_size", "strides", true);
        boolean bias = useBias(c);
        List<Weight> weights = bias ? c.weights("depthwise_kernel", "pointwise_kernel", "bias")
                : c.weights("depthwise_kernel", "pointwise_kernel");
        int[] ds = weights.get(0).shape();
        int[] ps = weights.get(1).shape();
        if (ds.length != 4 || ps.length != 4 || ps[2] != ds[2] * ds[3] || x.channels() >= 0 && ds[2] != x.channels()) {
            throw c.refused("has kernels of shapes " + Arrays.toString(ds) + " and "
                    + Arrays.toString(ps) + " for " + x.channels() + " input channels");
        }
        String n = c.layer().name();
        long middle = (long) ds[2] * ds[3];
        Value depth = convNode(c, x, w, List.of(x.name(), c.g().floats(n, "depthwise_kernel",
                depthwiseToOnnx(weights.get(0).values(), ds), middle, 1, ds[0], ds[1])), ds[2], middle);
        List<String> inputs = new ArrayList<>(List.of(depth.name(), c.g().floats(n, "pointwise_kernel",
                toOnnx(weights.get(1).values(), ps), onnxDims(ps))));
        if (bias) {
            inputs.add(c.g().floats(n, "bias", weights.get(2).values(), ps[3]));
        }
        Window pointwise = new Window(new long[] {1, 1}, new long[] {1, 1}, new long[] {1, 1}, "valid");
        return c.activated(convNode(c, depth, pointwise, inputs, 1, ps[3]));
    }

    /** MaxPooling or AveragePooling (which, like TensorFlow's, leaves the padding out of the average). */
    static Value pool(Call c, int spatial, String op) {
        c.checkChannelsLast();
        Value x = input(c, spatial);
        Window w = window(c, spatial, "pool_size", "strides", false);
        long[] pads = new long[2 * spatial];
        long[] shape = outShape(c, x, w, pads, x.channels());
        String out = c.g().node(c.layer().name(), op, List.of(x.name()), KerasGraph.ints("kernel_shape", w.kernel()),
                KerasGraph.ints("strides", w.strides()), KerasGraph.ints("pads", pads));
        return new Value(out, shape, true);
    }

    /** GlobalMax/GlobalAverage pooling: [batch, channels], or kept as [batch, 1, ..., channels] with keepdims. */
    static Value globalPool(Call c, int spatial, String op) {
        c.checkChannelsLast();
        Value x = input(c, spatial);
        String n = c.layer().name();
        String pooled = c.g().node(n, op, List.of(x.name()));
        boolean keep = c.layer().config().has("keepdims") && c.layer().config().get("keepdims").getAsBoolean();
        if (keep) {
            long[] shape = x.shape();
            for (int i = 1; i <= spatial; i++) {
                shape[i] = 1;
            }
            return new Value(pooled, shape, true);
        }
        return new Value(c.g().node(n, "Flatten", List.of(pooled), KerasGraph.integer("axis", 1)),
                new long[] {-1, x.channels()}, false);
    }

    /** ZeroPadding1D/2D: a Pad of zeros around the spatial axes, in whichever layout the tensor is. */
    static Value zeroPadding(Call c, int spatial) {
        c.checkChannelsLast();
        Value x = c.in();
        if (x.rank() != spatial + 2) {
            throw c.refused("pads a tensor of rank " + x.rank() + "; a ZeroPadding"
                    + spatial + "D pads one of rank " + (spatial + 2));
        }
        long[][] pad = paddings(c, spatial);
        int r = x.rank();
        long[] pads = new long[2 * r];
        long[] shape = x.shape();
        for (int i = 0; i < spatial; i++) {
            int axis = x.channelsFirst() ? i + 2 : i + 1;
            pads[axis] = pad[i][0];
            pads[r + axis] = pad[i][1];
            int k = i + 1;
            shape[k] = shape[k] < 0 ? -1 : shape[k] + pad[i][0] + pad[i][1];
        }
        String name = c.layer().name();
        String out = c.g().node(name, "Pad", List.of(x.name(), c.g().int64s(name, "pads", pads)),
                KerasGraph.text("mode", "constant"));
        return x.as(out, shape);
    }

    /** ZeroPadding's {@code padding}: n, (a, b) per axis symmetric, or ((top, bottom), (left, right)). */
    private static long[][] paddings(Call c, int spatial) {
        JsonElement p = c.layer().config().get("padding");
        long[][] out = new long[spatial][2];
        if (p != null && p.isJsonPrimitive()) {
            for (long[] axis : out) {
                Arrays.fill(axis, p.getAsLong());
            }
            return out;
        }
        if (p == null || !p.isJsonArray()) {
            throw c.refused("has no padding it can read: " + p);
        }
        JsonArray a = p.getAsJsonArray();
        if (spatial == 1 && a.size() == 2 && a.get(0).isJsonPrimitive()) {
            return new long[][] {{a.get(0).getAsLong(), a.get(1).getAsLong()}};
        }
        for (int i = 0; i < spatial && i < a.size(); i++) {
            JsonElement e = a.get(i);
            out[i][0] = e.isJsonArray() ? e.getAsJsonArray().get(0).getAsLong() : e.getAsLong();
            out[i][1] = e.isJsonArray() ? e.getAsJsonArray().get(1).getAsLong() : e.getAsLong();
        }
        return out;
    }

    // ---- the shared pieces -----------------------------------------------------------------------------

    private static Value input(Call c, int spatial) {
        Value x = c.in();
        if (x.rank() != spatial + 2) {
            throw c.refused("reads a tensor of rank " + x.rank() + " (shape "
                    + Arrays.toString(x.shape()) + "); a " + c.layer().kind() + " layer reads one of rank "
                    + (spatial + 2) + " (batch, " + (spatial == 1 ? "steps" : "rows, columns") + ", channels)");
        }
        return c.g().channelsFirst(c.layer().name(), x);
    }

    private static boolean useBias(Call c) {
        return !c.layer().config().has("use_bias") || c.layer().config().get("use_bias").getAsBoolean();
    }

    private static Window window(Call c, int spatial, String sizeKey, String strideKey, boolean dilated) {
        long[] kernel = ints(c, sizeKey, spatial, -1);
        long[] strides = ints(c, strideKey, spatial, -1);
        if (strides[0] < 0) {
            strides = kernel.clone();
        }
        long[] dilations = dilated ? ints(c, "dilation_rate", spatial, 1) : filledLongs(spatial, 1);
        String padding = KerasConfig.string(c.layer().config(), "padding", "valid").toLowerCase(java.util.Locale.ROOT);
        if (!padding.equals("valid") && !padding.equals("same") && !(padding.equals("causal") && spatial == 1)) {
            throw c.refused("has padding '" + padding + "'; valid and same (and "
                    + "causal for Conv1D) are translated");
        }
        return new Window(kernel, strides, dilations, padding);
    }

    /** A Conv node with its pads; the output is channels first. */
    private static Value convNode(Call c, Value x, Window w, List<String> inputs, long groups, long filters) {
        int spatial = w.kernel().length;
        long[] pads = new long[2 * spatial];
        long[] shape = outShape(c, x, w, pads, filters);
        List<AttributeProto> attributes = new ArrayList<>(List.of(KerasGraph.ints("kernel_shape", w.kernel()),
                KerasGraph.ints("strides", w.strides()), KerasGraph.ints("dilations", w.dilations()),
                KerasGraph.ints("pads", pads)));
        if (groups != 1) {
            attributes.add(KerasGraph.integer("group", groups));
        }
        String out = c.g().node(c.layer().name(), "Conv", inputs, attributes.toArray(AttributeProto[]::new));
        return new Value(out, shape, true);
    }

    /**
     * The Keras output shape of a window over {@code x}, with ONNX's {@code pads} filled in: TensorFlow's "same"
     * pads so that the output has ceil(in / stride) positions, the odd pixel at the end.
     */
    private static long[] outShape(Call c, Value x, Window w, long[] pads, long channels) {
        int spatial = w.kernel().length;
        long[] shape = x.shape();
        shape[shape.length - 1] = channels;
        for (int i = 0; i < spatial; i++) {
            long in = shape[i + 1];
            long k = w.kernel()[i];
            long s = w.strides()[i];
            long reach = (k - 1) * w.dilations()[i] + 1;
            if (in < 0) {
                if (!w.padding().equals("valid")) {
                    throw c.refused("pads '" + w.padding() + "' a dimension of "
                            + "unknown size; give the model's input a fixed size");
                }
                continue;
            }
            long out;
            switch (w.padding()) {
                case "same" -> {
                    out = (in + s - 1) / s;
                    long total = Math.max((out - 1) * s + reach - in, 0);
                    pads[i] = total / 2;
                    pads[spatial + i] = total - total / 2;
                }
                case "causal" -> {
                    pads[i] = reach - 1;
                    out = (in - 1) / s + 1;
                }
                default -> out = in < reach ? 0 : (in - reach) / s + 1;
            }
            if (out <= 0) {
                throw c.refused("has a window of " + reach + " over " + in
                        + " positions; it gives no output");
            }
            shape[i + 1] = out;
        }
        return shape;
    }

    /** A Keras kernel {@code [k..., in, out]} as ONNX's {@code [out, in, k...]}. */
    static float[] toOnnx(float[] keras, int[] shape) {
        int spatial = shape.length - 2;
        int in = shape[spatial];
        int outs = shape[spatial + 1];
        int taps = 1;
        for (int i = 0; i < spatial; i++) {
            taps *= shape[i];
        }
        return tapsLast(keras, taps, in, outs, true);
    }

    private static long[] onnxDims(int[] shape) {
        int spatial = shape.length - 2;
        long[] dims = new long[shape.length];
        dims[0] = shape[spatial + 1];
        dims[1] = shape[spatial];
        for (int i = 0; i < spatial; i++) {
            dims[i + 2] = shape[i];
        }
        return dims;
    }

    /** A depthwise kernel {@code [kh, kw, C, m]} as ONNX's {@code [C·m, 1, kh, kw]} (output c·m + j). */
    static float[] depthwiseToOnnx(float[] keras, int[] shape) {
        int taps = shape[0] * shape[1];
        int channels = shape[2];
        int m = shape[3];
        return tapsLast(keras, taps, channels, m, false);
    }

    /**
     * A kernel {@code [taps, a, b]} (Keras's order) with its taps moved last: ONNX's {@code [b, a, taps]} when
     * {@code swap} (a convolution's outputs first), else {@code [a, b, taps]} (a depthwise one's channel, then
     * multiplier).
     */
    private static float[] tapsLast(float[] keras, int taps, int a, int b, boolean swap) {
        float[] onnx = new float[keras.length];
        for (int p = 0; p < taps; p++) {
            for (int i = 0; i < a; i++) {
                for (int j = 0; j < b; j++) {
                    onnx[(swap ? j * a + i : i * b + j) * taps + p] = keras[(p * a + i) * b + j];
                }
            }
        }
        return onnx;
    }

    /** A config field that is one number or one per spatial axis; {@code fallback} when absent or null. */
    private static long[] ints(Call c, String key, int spatial, long fallback) {
        JsonElement e = c.layer().config().get(key);
        if (e == null || e.isJsonNull()) {
            return filledLongs(spatial, fallback);
        }
        if (e.isJsonPrimitive()) {
            return filledLongs(spatial, e.getAsLong());
        }
        JsonArray a = e.getAsJsonArray();
        if (a.size() != spatial) {
            throw c.refused("has " + key + " " + a + "; it needs " + spatial
                    + " value" + (spatial == 1 ? "" : "s"));
        }
        long[] out = new long[spatial];
        for (int i = 0; i < spatial; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }

    private static long[] filledLongs(int n, long value) {
        long[] v = new long[n];
        Arrays.fill(v, value);
        return v;
    }
}

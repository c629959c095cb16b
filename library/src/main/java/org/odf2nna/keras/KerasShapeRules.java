package org.odf2nna.keras;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The shape a Keras layer gives, from the shapes it reads and its config, as Keras computes it ({@code -1} for an axis
 * of unknown size, the batch axis among them): convolutions and poolings with their padding and strides, Flatten,
 * Dense, Reshape, paddings and croppings, global poolings, merges, and the layers that pass their input through.
 * A layer whose shape rule is not here gives null: the walk then trusts what the config records
 * ({@link KerasShapes}).
 */
final class KerasShapeRules {

    /** Layers whose output has their (first) input's shape. */
    static final Set<String> PASS_THROUGH = Set.of("Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax",
            "ThresholdedReLU", "Dropout", "AlphaDropout", "GaussianDropout", "GaussianNoise", "SpatialDropout1D",
            "SpatialDropout2D", "SpatialDropout3D", "ActivityRegularization", "Rescaling", "Normalization",
            "BatchNormalization", "LayerNormalization", "GroupNormalization", "UnitNormalization", "Masking",
            "Identity");

    /** Element-wise merges (layers, and Keras 3's operations serialised as layers): their inputs broadcast. */
    static final Set<String> BROADCAST = Set.of("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum",
            "Divide", "TrueDivide");

    private KerasShapeRules() {
    }

    /** The output shape of {@code layer} on {@code inputs}, or null when it is unknown. */
    static long[] output(KerasConfig.Layer layer, List<long[]> inputs) {
        if (inputs.isEmpty() || inputs.stream().anyMatch(s -> s == null)) {
            return null;
        }
        long[] x = inputs.get(0);
        JsonObject c = layer.config();
        String kind = layer.kind();
        if (PASS_THROUGH.contains(kind)) {
            return x.clone();
        }
        if (BROADCAST.contains(kind)) {
            return broadcast(inputs);
        }
        return switch (kind) {
            case "Dense" -> withChannels(x, x.length - 1, (long) KerasConfig.number(c, "units", -1));
            case "Flatten" -> new long[] {x[0], elements(x)};
            case "Reshape" -> reshape(x, c.get("target_shape"));
            case "Conv1D", "Conv2D", "Conv3D", "SeparableConv1D", "SeparableConv2D" ->
                    window(x, c, (long) KerasConfig.number(c, "filters", -1), "kernel_size");
            case "DepthwiseConv1D", "DepthwiseConv2D" -> window(x, c, times(x[channelAxis(x, c)],
                    (long) KerasConfig.number(c, "depth_multiplier", 1)), "kernel_size");
            case "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
                    "AveragePooling3D" -> window(x, c, x[channelAxis(x, c)], "pool_size");
            case "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D", "GlobalAveragePooling1D",
                    "GlobalAveragePooling2D", "GlobalAveragePooling3D" -> globalPool(x, c);
            case "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D" -> pad(x, c, "padding", 1);
            case "Cropping1D", "Cropping2D", "Cropping3D" -> pad(x, c, "cropping", -1);
            case "UpSampling1D", "UpSampling2D", "UpSampling3D" -> upSample(x, c);
            case "Concatenate" -> concatenate(inputs, (int) KerasConfig.number(c, "axis", -1));
            default -> null;
        };
    }

    /** Whether a layer's config names the channels-first layout. */
    static boolean channelsFirst(JsonObject config) {
        return KerasConfig.string(config, "data_format", "channels_last").toLowerCase(Locale.ROOT)
                .equals("channels_first");
    }

    /** The axis of a shape a layer reads its channels from. */
    static int channelAxis(long[] shape, JsonObject config) {
        return channelsFirst(config) ? 1 : shape.length - 1;
    }

    private static long[] withChannels(long[] x, int axis, long channels) {
        long[] out = x.clone();
        out[axis] = channels;
        return out;
    }

    private static long times(long a, long b) {
        return a < 0 || b < 0 ? -1 : a * b;
    }

    /** The product of the axes after the batch one; -1 when one is unknown. */
    static long elements(long[] shape) {
        long n = 1;
        for (int i = 1; i < shape.length; i++) {
            n = times(n, shape[i]);
        }
        return n;
    }

    private static long[] reshape(long[] x, JsonElement target) {
        if (target == null || !target.isJsonArray()) {
            return null;
        }
        long[] t = dims(target.getAsJsonArray());
        long[] out = new long[t.length + 1];
        out[0] = x[0];
        long known = 1;
        int free = -1;
        for (int i = 0; i < t.length; i++) {
            out[i + 1] = t[i];
            if (t[i] < 0) {
                free = i + 1;
            } else {
                known *= t[i];
            }
        }
        long total = elements(x);
        if (free > 0) {
            out[free] = total < 0 || known == 0 ? -1 : total / known;
        }
        return out;
    }

    /** A convolution's or pooling's output: each spatial axis by the window, the channel axis {@code channels}. */
    private static long[] window(long[] x, JsonObject c, long channels, String sizeKey) {
        int spatial = x.length - 2;
        boolean first = channelsFirst(c);
        long[] size = perAxis(c.get(sizeKey), spatial, 1);
        long[] strides = perAxis(c.get("strides"), spatial, -1);
        if (strides[0] < 0) {
            // A pooling's strides default to its pool size.
            strides = sizeKey.equals("pool_size") ? size : perAxis(null, spatial, 1);
        }
        long[] dilation = perAxis(c.get("dilation_rate"), spatial, 1);
        String padding = KerasConfig.string(c, "padding", "valid").toLowerCase(Locale.ROOT);
        long[] out = x.clone();
        for (int i = 0; i < spatial; i++) {
            int axis = first ? i + 2 : i + 1;
            long d = x[axis];
            long k = (size[i] - 1) * dilation[i] + 1;
            out[axis] = d < 0 ? -1 : padding.equals("valid") ? Math.floorDiv(d - k, strides[i]) + 1
                    : Math.floorDiv(d + strides[i] - 1, strides[i]);
        }
        out[first ? 1 : x.length - 1] = channels;
        return out;
    }

    private static long[] globalPool(long[] x, JsonObject c) {
        boolean first = channelsFirst(c);
        long channels = x[channelAxis(x, c)];
        JsonElement keep = c.get("keepdims");
        if (keep != null && keep.isJsonPrimitive() && keep.getAsBoolean()) {
            long[] out = x.clone();
            for (int i = 1; i < x.length; i++) {
                out[i] = 1;
            }
            out[first ? 1 : x.length - 1] = channels;
            return out;
        }
        return new long[] {x[0], channels};
    }

    /** ZeroPadding ({@code sign} 1) or Cropping (-1): each spatial axis grows or shrinks by its two amounts. */
    private static long[] pad(long[] x, JsonObject c, String key, int sign) {
        int spatial = x.length - 2;
        long[][] amounts = pairs(c.get(key), spatial);
        if (amounts == null) {
            return null;
        }
        boolean first = channelsFirst(c);
        long[] out = x.clone();
        for (int i = 0; i < spatial; i++) {
            int axis = first ? i + 2 : i + 1;
            out[axis] = x[axis] < 0 ? -1 : x[axis] + sign * (amounts[i][0] + amounts[i][1]);
        }
        return out;
    }

    private static long[] upSample(long[] x, JsonObject c) {
        int spatial = x.length - 2;
        long[] size = perAxis(c.get("size"), spatial, 2);
        boolean first = channelsFirst(c);
        long[] out = x.clone();
        for (int i = 0; i < spatial; i++) {
            int axis = first ? i + 2 : i + 1;
            out[axis] = times(x[axis], size[i]);
        }
        return out;
    }

    private static long[] concatenate(List<long[]> inputs, int axis) {
        long[] out = inputs.get(0).clone();
        int a = axis < 0 ? out.length + axis : axis;
        if (a <= 0 || a >= out.length) {
            return null;
        }
        for (int i = 1; i < inputs.size(); i++) {
            if (inputs.get(i).length != out.length) {
                return null;
            }
            out[a] = out[a] < 0 || inputs.get(i)[a] < 0 ? -1 : out[a] + inputs.get(i)[a];
        }
        return out;
    }

    /** Numpy broadcasting of the inputs' shapes (aligned at their last axis; an axis of 1 stretches). */
    private static long[] broadcast(List<long[]> inputs) {
        int rank = inputs.stream().mapToInt(s -> s.length).max().orElse(0);
        long[] out = new long[rank];
        Arrays.fill(out, 1);
        for (long[] s : inputs) {
            for (int i = 0; i < s.length; i++) {
                int axis = rank - s.length + i;
                long d = s[i];
                if (out[axis] == 1 || out[axis] < 0 && d != 1) {
                    out[axis] = d;
                }
            }
        }
        return out;
    }

    /** An int or a list of ints per spatial axis ({@code fallback} on each when absent). */
    private static long[] perAxis(JsonElement e, int spatial, long fallback) {
        long[] out = new long[spatial];
        Arrays.fill(out, fallback);
        if (e == null || e.isJsonNull()) {
            return out;
        }
        if (e.isJsonPrimitive()) {
            Arrays.fill(out, e.getAsLong());
            return out;
        }
        JsonArray a = e.getAsJsonArray();
        for (int i = 0; i < spatial && i < a.size(); i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }

    /** A padding's or cropping's amounts: n, (a, b) one per axis, or ((before, after), ...); null when unreadable. */
    private static long[][] pairs(JsonElement e, int spatial) {
        long[][] out = new long[spatial][2];
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonPrimitive()) {
            for (long[] p : out) {
                Arrays.fill(p, e.getAsLong());
            }
            return out;
        }
        JsonArray a = e.getAsJsonArray();
        if (spatial == 1 && a.size() == 2 && a.get(0).isJsonPrimitive()) {
            return new long[][] {{a.get(0).getAsLong(), a.get(1).getAsLong()}};
        }
        for (int i = 0; i < spatial; i++) {
            if (i >= a.size()) {
                return null;
            }
            JsonElement p = a.get(i);
            out[i] = p.isJsonPrimitive() ? new long[] {p.getAsLong(), p.getAsLong()}
                    : new long[] {p.getAsJsonArray().get(0).getAsLong(), p.getAsJsonArray().get(1).getAsLong()};
        }
        return out;
    }

    /** A JSON shape as numbers, null entries as -1. */
    static long[] dims(JsonArray a) {
        long[] d = new long[a.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = a.get(i).isJsonNull() ? -1 : a.get(i).getAsLong();
        }
        return d;
    }
}

package org.odf2nna.keras;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The shapes of the weight arrays a Keras layer is built with, in the order Keras stores them, from its config and the
 * shape it reads ({@code -1} where that is unknown): what {@link KerasWrittenCheck} compares a written file's weights
 * with, since Keras refuses to load an array into a variable of another shape.
 */
final class KerasWeightShapes {

    private KerasWeightShapes() {
    }

    /** The weights' shapes of the layer, or null for a layer whose weights are not checked. */
    static List<long[]> expected(KerasShapes.LayerShapes s) {
        if (s.inputs().size() != 1 || s.inputs().get(0) == null) {
            return null;
        }
        long[] x = s.inputs().get(0);
        JsonObject c = s.layer().config();
        long channels = x[KerasShapeRules.channelAxis(x, c)];
        List<long[]> out = new ArrayList<>();
        switch (s.layer().kind()) {
            case "Dense" -> {
                long units = (long) KerasConfig.number(c, "units", -1);
                out.add(new long[] {x[x.length - 1], units});
                bias(out, c, units);
            }
            case "Conv1D", "Conv2D", "Conv3D" -> {
                long filters = (long) KerasConfig.number(c, "filters", -1);
                long groups = (long) KerasConfig.number(c, "groups", 1);
                out.add(kernel(c, x.length - 2, channels < 0 ? -1 : channels / groups, filters));
                bias(out, c, filters);
            }
            case "DepthwiseConv1D", "DepthwiseConv2D" -> {
                long multiplier = (long) KerasConfig.number(c, "depth_multiplier", 1);
                out.add(kernel(c, x.length - 2, channels, multiplier));
                bias(out, c, channels < 0 ? -1 : channels * multiplier);
            }
            case "SeparableConv1D", "SeparableConv2D" -> {
                long multiplier = (long) KerasConfig.number(c, "depth_multiplier", 1);
                long filters = (long) KerasConfig.number(c, "filters", -1);
                out.add(kernel(c, x.length - 2, channels, multiplier));
                long[] pointwise = new long[x.length];
                java.util.Arrays.fill(pointwise, 1);
                pointwise[x.length - 2] = channels < 0 ? -1 : channels * multiplier;
                pointwise[x.length - 1] = filters;
                out.add(pointwise);
                bias(out, c, filters);
            }
            case "BatchNormalization" -> {
                long width = perAxisWidth(x, c);
                for (int k = 0; k < KerasConfig.batchNormRoles(flag(c, "scale"), flag(c, "center")).size(); k++) {
                    out.add(new long[] {width});
                }
            }
            default -> {
                return null;
            }
        }
        return out;
    }

    /** A convolution's kernel: its window, then its input and output channels. */
    private static long[] kernel(JsonObject c, int spatial, long in, long out) {
        long[] k = new long[spatial + 2];
        JsonElement size = c.get("kernel_size");
        for (int i = 0; i < spatial; i++) {
            k[i] = size == null || size.isJsonNull() ? -1 : size.isJsonPrimitive() ? size.getAsLong()
                    : size.getAsJsonArray().get(i).getAsLong();
        }
        k[spatial] = in;
        k[spatial + 1] = out;
        return k;
    }

    private static void bias(List<long[]> out, JsonObject c, long width) {
        if (flag(c, "use_bias")) {
            out.add(new long[] {width});
        }
    }

    /** A boolean field, true when absent (Keras' default for use_bias, scale and center). */
    private static boolean flag(JsonObject c, String key) {
        JsonElement e = c.get(key);
        return e == null || e.isJsonNull() || e.getAsBoolean();
    }

    /** The size of the axis a BatchNormalization normalises (its {@code axis}, the last by default). */
    private static long perAxisWidth(long[] x, JsonObject c) {
        int axis = KerasConfig.axis(c);
        if (axis == 0) {
            return -1;
        }
        int a = axis < 0 ? x.length + axis : axis;
        return a > 0 && a < x.length ? x[a] : -1;
    }
}

package org.odf2nna.keras;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.odf2nna.InputException;
import org.odf2nna.keras.KerasGraph.Value;
import org.odf2nna.keras.KerasWeights.Weight;

/**
 * One translator per Keras layer class, registered by class name (as onnx-tensorflow's handlers are by operator):
 * each adds the layer's ONNX nodes to a {@link KerasGraph} and gives the tensor it computes. The convolutions and
 * poolings are {@link KerasConvLayers}'; the activations {@link KerasActivations}'.
 */
final class KerasLayers {

    /** What a translator is handed: the graph, the layer, the tensors it reads, and its weights (read on demand). */
    record Call(KerasGraph g, KerasConfig.Layer layer, List<Value> inputs, Supplier<List<Weight>> weights,
            boolean keras2) {

        /** The error of an input whose translation this layer refuses: its file and place, and {@code why}. */
        InputException refused(String why) {
            return new InputException(g.file(), layer.place(), why);
        }

        /** The one tensor the layer reads. */
        Value in() {
            if (inputs.size() != 1) {
                throw refused("reads " + inputs.size() + " tensors; a " + layer.kind()
                        + " layer reads one");
            }
            return inputs.get(0);
        }

        /** Its weights, exactly {@code count} of them (those of {@code roles}, in order). */
        List<Weight> weights(String... roles) {
            List<Weight> w = weights.get();
            if (w.size() != roles.length) {
                throw refused("has " + w.size() + " weight arrays ("
                        + KerasWeights.paths(w) + "); a " + layer.kind() + " layer with its config has "
                        + roles.length + " (" + String.join(", ", roles) + ")");
            }
            return w;
        }

        /** Refuses a layer configured channels first. */
        void checkChannelsLast() {
            String format = KerasConfig.string(layer.config(), "data_format", "channels_last");
            if (!format.equals("channels_last")) {
                throw refused("has data_format '" + format + "'; only channels_last "
                        + "(Keras' default) is translated; rebuild the model channels_last");
            }
        }

        /** {@code out} through the layer's own {@code activation}. */
        Value activated(Value out) {
            String activation = KerasActivations.name(g, layer.name(), layer.config().get("activation"));
            return KerasActivations.apply(g, layer.name(), out, activation, keras2);
        }
    }

    /** A layer class's translation. */
    interface Translator {
        Value translate(Call call);
    }

    /** Layers that pass their input on unchanged at inference. */
    static final Set<String> IDENTITY = Set.of("Dropout", "AlphaDropout", "GaussianDropout", "GaussianNoise",
            "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "ActivityRegularization");

    private static final Map<String, Translator> BY_CLASS = registry();

    private KerasLayers() {
    }

    private static Map<String, Translator> registry() {
        Map<String, Translator> m = new TreeMap<>();
        for (String kind : IDENTITY) {
            m.put(kind, Call::in);
        }
        for (String kind : List.of("Activation", "ReLU", "LeakyReLU", "ELU", "Softmax")) {
            m.put(kind, c -> KerasActivations.layer(c.g(), c.layer(), c.in(), c.keras2()));
        }
        // The layers with a method of their own in this class; the convolutions (KerasConvLayers) and merges below.
        m.putAll(Map.<String, Translator>of(
                "Rescaling", KerasLayers::rescaling,
                "Normalization", KerasLayers::normalization,
                "BatchNormalization", KerasLayers::batchNormalization,
                "Dense", KerasLayers::dense,
                "Flatten", KerasLayers::flatten,
                "Reshape", KerasLayers::reshape,
                "Average", KerasLayers::average,
                "Concatenate", KerasLayers::concatenate));
        m.put("ZeroPadding1D", c -> KerasConvLayers.zeroPadding(c, 1));
        m.put("ZeroPadding2D", c -> KerasConvLayers.zeroPadding(c, 2));
        m.put("Conv1D", c -> KerasConvLayers.conv(c, 1));
        m.put("Conv2D", c -> KerasConvLayers.conv(c, 2));
        m.put("DepthwiseConv2D", KerasConvLayers::depthwise);
        m.put("SeparableConv2D", KerasConvLayers::separable);
        m.put("MaxPooling1D", c -> KerasConvLayers.pool(c, 1, "MaxPool"));
        m.put("MaxPooling2D", c -> KerasConvLayers.pool(c, 2, "MaxPool"));
        m.put("AveragePooling1D", c -> KerasConvLayers.pool(c, 1, "AveragePool"));
        m.put("AveragePooling2D", c -> KerasConvLayers.pool(c, 2, "AveragePool"));
        m.put("GlobalMaxPooling1D", c -> KerasConvLayers.globalPool(c, 1, "GlobalMaxPool"));
        m.put("GlobalMaxPooling2D", c -> KerasConvLayers.globalPool(c, 2, "GlobalMaxPool"));
        m.put("GlobalAveragePooling1D", c -> KerasConvLayers.globalPool(c, 1, "GlobalAveragePool"));
        m.put("GlobalAveragePooling2D", c -> KerasConvLayers.globalPool(c, 2, "GlobalAveragePool"));
        m.put("Add", c -> merge(c, "Add"));
        m.put("Subtract", c -> merge(c, "Sub"));
        m.put("Multiply", c -> merge(c, "Mul"));
        m.put("Maximum", c -> merge(c, "Max"));
        m.put("Minimum", c -> merge(c, "Min"));
        m.put("Divide", c -> merge(c, "Div"));
        m.put("TrueDivide", c -> merge(c, "Div"));
        return m;
    }

    /** The translator of layer class {@code kind}, or null when none is registered. */
    static Translator of(String kind) {
        return BY_CLASS.get(kind);
    }

    /** The classes translated, for messages. */
    static String classes() {
        return String.join(", ", BY_CLASS.keySet());
    }

    // ---- per-value layers ----------------------------------------------------------------------------

    /** x · scale + offset, each a number or one per channel. */
    private static Value rescaling(Call c) {
        Value x = c.in();
        float[] scale = numbers(c, "scale", 1);
        float[] offset = numbers(c, "offset", 0);
        return affine(c, x, scale, offset);
    }

    /** (x − mean) / max(√variance, 1e-7) per channel, or its inverse; mean and variance from the config or weights. */
    private static Value normalization(Call c) {
        Value x = c.in();
        JsonElement axis = c.layer().config().get("axis");
        boolean lastAxis = axis == null || axis.isJsonNull() ? false : KerasConfig.axis(c.layer().config()) == -1
                || KerasConfig.axis(c.layer().config()) == x.rank() - 1;
        if (axis != null && !axis.isJsonNull() && !lastAxis) {
            throw c.refused("normalises axis " + axis + "; only the last axis (the "
                    + "channels, Keras' default) or none is translated");
        }
        float[] mean;
        float[] variance;
        JsonElement given = c.layer().config().get("mean");
        if (given != null && !given.isJsonNull()) {
            mean = numbers(c, "mean", 0);
            variance = numbers(c, "variance", 1);
        } else {
            List<Weight> w = c.weights.get();
            if (w.size() < 2) {
                throw c.refused("has " + w.size() + " weight arrays ("
                        + KerasWeights.paths(w) + "); an adapted Normalization has its mean and variance");
            }
            mean = w.get(0).values();
            variance = w.get(1).values();
        }
        if (mean.length != variance.length) {
            throw c.refused("has " + mean.length + " means and " + variance.length
                    + " variances");
        }
        boolean invert = c.layer().config().has("invert") && c.layer().config().get("invert").getAsBoolean();
        float[] scale = new float[mean.length];
        float[] shift = new float[mean.length];
        for (int j = 0; j < mean.length; j++) {
            double sd = Math.max(Math.sqrt(variance[j]), 1e-7);
            scale[j] = (float) (invert ? sd : 1 / sd);
            shift[j] = (float) (invert ? mean[j] : -mean[j] / sd);
        }
        return affine(c, x, scale, shift);
    }

    /** Keras' BatchNormalization at inference: ONNX's BatchNormalization on the channel axis. */
    private static Value batchNormalization(Call c) {
        Value x = c.in();
        int axis = KerasConfig.axis(c.layer().config());
        if (axis != -1 && axis != x.rank() - 1) {
            throw c.refused("normalises axis " + c.layer().config().get("axis") + "; only "
                    + "the last axis (channels_last) is translated");
        }
        boolean scale = !c.layer().config().has("scale") || c.layer().config().get("scale").getAsBoolean();
        boolean center = !c.layer().config().has("center") || c.layer().config().get("center").getAsBoolean();
        List<String> roles = KerasConfig.batchNormRoles(scale, center);
        List<Weight> w = c.weights(roles.toArray(String[]::new));
        int channels = w.get(w.size() - 1).values().length;
        float[] gamma = scale ? w.get(0).values() : filled(channels, 1);
        float[] beta = center ? w.get(scale ? 1 : 0).values() : filled(channels, 0);
        float[] mean = w.get(w.size() - 2).values();
        float[] variance = w.get(w.size() - 1).values();
        double epsilon = KerasConfig.number(c.layer().config(), "epsilon", 1e-3);
        Value cf = c.g().channelsFirst(c.layer().name(), x);
        String n = c.layer().name();
        String out = c.g().node(n, "BatchNormalization", List.of(cf.name(),
                c.g().floats(n, "gamma", gamma, channels), c.g().floats(n, "beta", beta, channels),
                c.g().floats(n, "moving_mean", mean, channels), c.g().floats(n, "moving_variance", variance,
                channels)), KerasGraph.real("epsilon", (float) epsilon));
        return cf.as(out, cf.shape());
    }

    /** x · s + t with s and t scalars or one per channel (the Keras last axis). */
    private static Value affine(Call c, Value x, float[] s, float[] t) {
        String n = c.layer().name();
        String out = x.name();
        if (!(s.length == 1 && s[0] == 1)) {
            out = c.g().node(n, "Mul", List.of(out, c.g().floats(n, "scale", s, dims(c, x, s.length))));
        }
        if (!(t.length == 1 && t[0] == 0)) {
            out = c.g().node(n, "Add", List.of(out, c.g().floats(n, "offset", t, dims(c, x, t.length))));
        }
        return x.as(out, x.shape());
    }

    private static long[] dims(Call c, Value x, int n) {
        if (n == 1) {
            return new long[0];
        }
        if (x.channels() >= 0 && x.channels() != n) {
            throw c.refused("has " + n + " values per channel for a tensor of "
                    + x.channels() + " channels");
        }
        return KerasGraph.channelDims(x, n);
    }

    // ---- Dense and shapes ------------------------------------------------------------------------------

    /** Gemm on a matrix; MatMul and Add over the last axis of a higher-rank tensor (channels last). */
    private static Value dense(Call c) {
        Value x = c.g().channelsLast(c.layer().name(), c.in());
        long units = (long) KerasConfig.number(c.layer().config(), "units", -1);
        boolean bias = !c.layer().config().has("use_bias") || c.layer().config().get("use_bias").getAsBoolean();
        List<Weight> w = bias ? c.weights("kernel", "bias") : c.weights("kernel");
        Weight kernel = w.get(0);
        if (kernel.shape().length != 2 || kernel.shape()[1] != units
                || x.channels() >= 0 && kernel.shape()[0] != x.channels()) {
            throw c.refused("has a kernel " + kernel.path() + " of shape "
                    + Arrays.toString(kernel.shape()) + " for " + x.channels() + " inputs and " + units + " units");
        }
        String n = c.layer().name();
        String k = c.g().floats(n, "kernel", kernel.values(), kernel.shape()[0], units);
        float[] b = bias ? w.get(1).values() : new float[(int) units];
        String bName = c.g().floats(n, "bias", b, units);
        long[] shape = x.shape();
        shape[shape.length - 1] = units;
        String out = x.rank() == 2 ? c.g().node(n, "Gemm", List.of(x.name(), k, bName))
                : c.g().node(n, "Add", List.of(c.g().node(n, "MatMul", List.of(x.name(), k)), bName));
        return c.activated(x.as(out, shape));
    }

    private static Value flatten(Call c) {
        Value x = c.in();
        if (x.rank() == 2) {
            return x;
        }
        Value last = c.g().channelsLast(c.layer().name(), x);
        return new Value(c.g().node(c.layer().name(), "Flatten", List.of(last.name()), KerasGraph.integer("axis", 1)),
                new long[] {-1, product(x.shape(), 1)}, false);
    }

    private static Value reshape(Call c) {
        Value x = c.g().channelsLast(c.layer().name(), c.in());
        JsonElement target = c.layer().config().get("target_shape");
        if (target == null || !target.isJsonArray()) {
            throw c.refused("is a Reshape without a target_shape");
        }
        JsonArray t = target.getAsJsonArray();
        long[] onnx = new long[t.size() + 1];
        long[] shape = new long[t.size() + 1];
        shape[0] = -1;
        long known = 1;
        int free = -1;
        for (int i = 0; i < t.size(); i++) {
            onnx[i + 1] = t.get(i).getAsLong();
            shape[i + 1] = onnx[i + 1];
            if (onnx[i + 1] < 0) {
                free = i + 1;
            } else {
                known *= onnx[i + 1];
            }
        }
        long total = product(x.shape(), 1);
        if (free > 0 && total > 0) {
            shape[free] = total / known;
        }
        String name = c.layer().name();
        String out = c.g().node(name, "Reshape", List.of(x.name(), c.g().int64s(name, "shape", onnx)));
        return new Value(out, shape, false);
    }

    // ---- merges ----------------------------------------------------------------------------------------

    /** The inputs in one layout: channels first when the first is. */
    private static List<Value> sameLayout(Call c) {
        boolean first = c.inputs().get(0).channelsFirst();
        List<Value> out = new ArrayList<>();
        for (Value v : c.inputs()) {
            out.add(first ? c.g().channelsFirst(c.layer().name(), v) : c.g().channelsLast(c.layer().name(), v));
        }
        return out;
    }

    private static Value merge(Call c, String op) {
        if (c.inputs().size() == 1 && !op.equals("Max") && !op.equals("Min")) {
            Double number = constantArgument(c);
            if (number != null) {
                return withConstant(c, op, number);
            }
        }
        if (c.inputs().size() < 2) {
            throw c.refused("merges " + c.inputs().size() + " tensors; it needs two "
                    + "or more");
        }
        List<Value> in = sameLayout(c);
        if (op.equals("Sub") && in.size() != 2) {
            throw c.refused("subtracts " + in.size() + " tensors; Keras takes two");
        }
        String out = in.get(0).name();
        for (int i = 1; i < in.size(); i++) {
            out = c.g().node(c.layer().name(), op, List.of(out, in.get(i).name()));
        }
        return in.get(0).as(out, in.get(0).shape());
    }

    /**
     * The number a Keras operation on a tensor and a constant was called with ({@code x + 3.0} and {@code x * (1/6)}
     * in MobileNetV3's hard-sigmoid are {@code keras.src.ops.numpy} Add and Multiply with a number among their
     * arguments), or null when the call has none. Negative when it came first: {@code 3.0 - x} is kept as such by
     * {@link #withConstant}, which reads the position again.
     */
    private static Double constantArgument(Call c) {
        JsonArray args = callArguments(c);
        if (args == null) {
            return null;
        }
        for (JsonElement a : args) {
            if (a.isJsonPrimitive() && a.getAsJsonPrimitive().isNumber()) {
                return a.getAsDouble();
            }
        }
        return null;
    }

    /** The positional arguments of the layer's one call (Keras 3's {@code inbound_nodes[0].args}), or null. */
    private static JsonArray callArguments(Call c) {
        JsonElement nodes = c.layer().json().get("inbound_nodes");
        if (nodes == null || !nodes.isJsonArray() || nodes.getAsJsonArray().size() != 1
                || !nodes.getAsJsonArray().get(0).isJsonObject()) {
            return null;
        }
        JsonElement args = nodes.getAsJsonArray().get(0).getAsJsonObject().get("args");
        return args != null && args.isJsonArray() ? args.getAsJsonArray() : null;
    }

    /** {@code x op number} (or {@code number op x} where the number is the first argument), in x's layout. */
    private static Value withConstant(Call c, String op, double number) {
        Value x = c.in();
        JsonArray args = callArguments(c);
        boolean numberFirst = args != null && args.size() > 0 && args.get(0).isJsonPrimitive()
                && args.get(0).getAsJsonPrimitive().isNumber();
        String k = c.g().floats(c.layer().name(), "constant", new float[] {(float) number});
        String out = c.g().node(c.layer().name(), op, numberFirst ? List.of(k, x.name()) : List.of(x.name(), k));
        return x.as(out, x.shape());
    }

    private static Value average(Call c) {
        Value sum = merge(c, "Add");
        String out = c.g().node(c.layer().name(), "Mul", List.of(sum.name(),
                c.g().floats(c.layer().name(), "inverse_count", new float[] {1f / c.inputs().size()})));
        return sum.as(out, sum.shape());
    }

    private static Value concatenate(Call c) {
        List<Value> in = sameLayout(c);
        int axis = (int) KerasConfig.number(c.layer().config(), "axis", -1);
        int onnxAxis = c.g().onnxAxis(in.get(0), axis, c.layer().place());
        long[] shape = in.get(0).shape();
        int k = axis < 0 ? axis + shape.length : axis;
        List<String> names = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            names.add(in.get(i).name());
            if (i > 0) {
                long d = in.get(i).shape()[k];
                shape[k] = shape[k] < 0 || d < 0 ? -1 : shape[k] + d;
            }
        }
        String out = c.g().node(c.layer().name(), "Concat", names, KerasGraph.integer("axis", onnxAxis));
        return in.get(0).as(out, shape);
    }

    // ---- config values ---------------------------------------------------------------------------------

    /** A config field that is a number or a list of numbers; {@code fallback} when absent. */
    static float[] numbers(Call c, String key, float fallback) {
        JsonElement e = c.layer().config().get(key);
        if (e == null || e.isJsonNull()) {
            return new float[] {fallback};
        }
        if (e.isJsonPrimitive()) {
            return new float[] {e.getAsFloat()};
        }
        if (e.isJsonArray()) {
            List<Float> values = new ArrayList<>();
            flattenNumbers(e, values);
            float[] out = new float[values.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = values.get(i);
            }
            return out;
        }
        throw c.refused("has a " + key + " that is not a number or a list: " + e);
    }

    private static void flattenNumbers(JsonElement e, List<Float> into) {
        if (e.isJsonArray()) {
            for (JsonElement x : e.getAsJsonArray()) {
                flattenNumbers(x, into);
            }
        } else {
            into.add(e.getAsFloat());
        }
    }

    static float[] filled(int n, float value) {
        float[] v = new float[n];
        Arrays.fill(v, value);
        return v;
    }

    /** The product of {@code shape[from..]}, or -1 when one is unknown. */
    static long product(long[] shape, int from) {
        long p = 1;
        for (int i = from; i < shape.length; i++) {
            if (shape[i] < 0) {
                return -1;
            }
            p *= shape[i];
        }
        return p;
    }
}

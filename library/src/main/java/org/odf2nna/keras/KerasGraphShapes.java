package org.odf2nna.keras;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The widths a pruned Keras model's config records, set to the written model's: each layer's output width (the last
 * axis) follows from the layers it reads ({@code Concatenate} sums them, {@code Flatten} multiplies, a merge broadcasts,
 * a weighted layer has its own), and each record of an input's shape (a layer's {@code build_config}, the tensors its
 * {@code inbound_nodes} name, a {@code Reshape}'s target) gets the new width in its last axis. Keras builds each layer
 * from its {@code build_config} before loading the weights, so these must agree with the weights written.
 */
final class KerasGraphShapes {

    private KerasGraphShapes() {
    }

    /** An InputLayer's width: the last axis of its batch shape. */
    static long inputWidth(KerasConfig.Layer layer) {
        JsonElement shape = layer.config().get("batch_shape");
        if (shape == null || !shape.isJsonArray()) {
            shape = layer.config().get("batch_input_shape");
        }
        JsonArray a = shape.getAsJsonArray();
        return a.get(a.size() - 1).getAsLong();
    }

    /**
     * Sets {@code layer}'s output width in {@code width} where its writing did not (a layer without weights), then
     * its recorded input shapes to the widths of the layers it reads.
     */
    static void update(KerasConfig.Layer layer, Map<String, Long> width) {
        List<JsonObject> tensors = new ArrayList<>();
        tensors(layer.json().get("inbound_nodes"), tensors);
        if (!width.containsKey(layer.name())) {
            width.put(layer.name(), outputWidth(layer, tensors, width));
        }
        List<Long> inputs = new ArrayList<>();
        for (JsonObject t : tensors) {
            long w = width.getOrDefault(history(t), -1L);
            inputs.add(w);
            if (w > 0) {
                setLast(t.get("shape"), w);
            }
        }
        JsonElement build = layer.json().get("build_config");
        if (build != null && build.isJsonObject() && build.getAsJsonObject().has("input_shape") && !inputs.isEmpty()) {
            JsonArray shape = build.getAsJsonObject().getAsJsonArray("input_shape");
            if (shape.size() > 0 && shape.get(0).isJsonArray()) {
                for (int i = 0; i < shape.size() && i < inputs.size(); i++) {
                    setLast(shape.get(i), inputs.get(i));
                }
            } else {
                setLast(shape, inputs.get(0));
            }
        }
    }

    /** The width of a layer without weights of its own, from its inputs' (their old shapes read from the config). */
    private static long outputWidth(KerasConfig.Layer layer, List<JsonObject> tensors, Map<String, Long> width) {
        List<Long> in = new ArrayList<>();
        for (JsonObject t : tensors) {
            in.add(width.getOrDefault(history(t), -1L));
        }
        if (in.isEmpty()) {
            return -1;
        }
        switch (layer.kind()) {
            case "Flatten" -> {
                long[] old = dims(tensors.get(0).get("shape"));
                long positions = 1;
                for (int i = 1; i < old.length - 1; i++) {
                    positions *= old[i];
                }
                return old.length <= 2 ? in.get(0) : positions * in.get(0);
            }
            case "Reshape" -> {
                return reshape(layer, dims(tensors.get(0).get("shape")), in.get(0));
            }
            case "Concatenate" -> {
                int axis = (int) KerasConfig.number(layer.config(), "axis", -1);
                int rank = dims(tensors.get(0).get("shape")).length;
                if (axis == -1 || axis == rank - 1) {
                    long sum = 0;
                    for (long w : in) {
                        sum += w;
                    }
                    return sum;
                }
                return in.get(0);
            }
            default -> {
                long max = -1;
                for (long w : in) {
                    max = Math.max(max, w);
                }
                return max;
            }
        }
    }

    /** A Reshape whose target ends in its input's channels keeps ending in them: the new width goes there too. */
    private static long reshape(KerasConfig.Layer layer, long[] oldInput, long newWidth) {
        JsonElement t = layer.config().get("target_shape");
        if (t == null || !t.isJsonArray() || t.getAsJsonArray().isEmpty()) {
            return -1;
        }
        JsonArray target = t.getAsJsonArray();
        long last = target.get(target.size() - 1).getAsLong();
        if (oldInput.length > 0 && last == oldInput[oldInput.length - 1] && newWidth > 0) {
            target.set(target.size() - 1, new JsonPrimitive(newWidth));
            return newWidth;
        }
        return last;
    }

    /** The {@code __keras_tensor__} configs (with a keras_history and a shape) in a layer's inbound nodes. */
    private static void tensors(JsonElement e, List<JsonObject> out) {
        eachTensor(e, o -> o.has("keras_history") && o.has("shape"), o -> List.of("args", "config"), out::add);
    }

    /**
     * Hands {@code visit} each object under {@code e} that {@code isTensor} accepts (a {@code __keras_tensor__}
     * config), looking through arrays and, in any other object, under the keys {@code keys} names.
     */
    static void eachTensor(JsonElement e, Predicate<JsonObject> isTensor, Function<JsonObject, Iterable<String>> keys,
            Consumer<JsonObject> visit) {
        if (e == null || e.isJsonNull() || e.isJsonPrimitive()) {
            return;
        }
        if (e.isJsonArray()) {
            for (JsonElement x : e.getAsJsonArray()) {
                eachTensor(x, isTensor, keys, visit);
            }
            return;
        }
        JsonObject o = e.getAsJsonObject();
        if (isTensor.test(o)) {
            visit.accept(o);
            return;
        }
        for (String key : keys.apply(o)) {
            if (o.has(key)) {
                eachTensor(o.get(key), isTensor, keys, visit);
            }
        }
    }

    private static String history(JsonObject tensor) {
        return tensor.getAsJsonArray("keras_history").get(0).getAsString();
    }

    private static long[] dims(JsonElement shape) {
        if (shape == null || !shape.isJsonArray()) {
            return new long[0];
        }
        JsonArray a = shape.getAsJsonArray();
        long[] d = new long[a.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = a.get(i).isJsonNull() ? -1 : a.get(i).getAsLong();
        }
        return d;
    }

    private static void setLast(JsonElement shape, long w) {
        if (shape != null && shape.isJsonArray() && shape.getAsJsonArray().size() >= 2) {
            JsonArray a = shape.getAsJsonArray();
            if (!a.get(a.size() - 1).isJsonNull()) {
                a.set(a.size() - 1, new JsonPrimitive(w));
            }
        }
    }
}

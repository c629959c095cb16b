package org.odf2nna.keras;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The shapes of a Keras model's layers, walked from its config: each layer reads what its inbound layers give (the
 * layer before it in a Sequential) and gives what {@link KerasShapeRules} computes from its config. Where a layer has
 * no rule, the layers reading it trust the shapes their config records. Keras builds each layer from the input shapes
 * its config records ({@code build_config}, and a functional model's inbound tensors) before loading the weights, so
 * a written config records the shapes this walk gives ({@link #record}), and a written file is checked against it
 * ({@link KerasWrittenCheck}).
 */
final class KerasShapes {

    /** One layer: the shapes it reads and the shape it gives ({@code -1} for an unknown axis; null when unknown). */
    record LayerShapes(KerasConfig.Layer layer, List<long[]> inputs, long[] output) {
    }

    private KerasShapes() {
    }

    /** The shapes of every layer of a model config ({@code {"class_name": ..., "config": {"layers": ...}}}). */
    static List<LayerShapes> walk(JsonObject root) {
        return walk(root, (layer, inputs) -> {
        });
    }

    /**
     * Sets every input shape {@code root}'s config records to what the walk gives, once its weighted layers have their
     * written widths ({@code units}, {@code filters}); a Reshape whose target ended in its input's channels in
     * {@code original} (the config before pruning) ends in the new number of channels.
     */
    static void record(JsonObject root, JsonObject original) {
        Map<String, long[]> before = new HashMap<>();
        for (LayerShapes s : walk(original)) {
            if (!s.inputs().isEmpty()) {
                before.put(s.layer().name(), s.inputs().get(0));
            }
        }
        Map<String, long[]> outputs = new HashMap<>();
        for (LayerShapes s : walk(root, (layer, inputs) -> followChannels(layer, inputs, before.get(layer.name())))) {
            if (s.output() != null) {
                outputs.put(s.layer().name(), s.output());
            }
            recordInputs(s, outputs);
        }
    }

    /** The walk, with {@code beforeOutput} handed each layer and its inputs before its output is computed. */
    private static List<LayerShapes> walk(JsonObject root, BiConsumer<KerasConfig.Layer, List<long[]>> beforeOutput) {
        JsonElement config = root.get("config");
        JsonElement list = config == null ? null : config.isJsonArray() ? config
                : config.isJsonObject() ? config.getAsJsonObject().get("layers") : null;
        List<LayerShapes> out = new ArrayList<>();
        if (list == null || !list.isJsonArray()) {
            return out;
        }
        boolean sequential = KerasConfig.string(root, "class_name", "").equals("Sequential");
        Map<String, long[]> outputs = new HashMap<>();
        long[] previous = sequential ? modelInput(root) : null;
        JsonArray layers = list.getAsJsonArray();
        for (int i = 0; i < layers.size(); i++) {
            KerasConfig.Layer layer = KerasConfig.layer(layers.get(i).getAsJsonObject(), i);
            List<long[]> inputs;
            long[] output;
            if (layer.kind().equals("InputLayer")) {
                inputs = List.of();
                output = declared(layer.config());
            } else {
                inputs = sequential ? new ArrayList<>(java.util.Collections.singletonList(previous))
                        : inboundShapes(layer, outputs);
                trustRecorded(layer, inputs);
                beforeOutput.accept(layer, inputs);
                output = KerasShapeRules.output(layer, inputs);
            }
            out.add(new LayerShapes(layer, inputs, output));
            if (output != null) {
                outputs.put(layer.name(), output);
            }
            previous = output;
        }
        return out;
    }

    /** A Sequential's input shape: its InputLayer's, else the first layer's or the model's recorded one. */
    private static long[] modelInput(JsonObject root) {
        JsonObject config = root.get("config") != null && root.get("config").isJsonObject()
                ? root.getAsJsonObject("config") : new JsonObject();
        JsonElement shape = config.get("build_input_shape");
        if (shape == null || !shape.isJsonArray()) {
            JsonElement build = root.get("build_config");
            shape = build != null && build.isJsonObject() ? build.getAsJsonObject().get("input_shape") : null;
        }
        return shape != null && shape.isJsonArray() && !isListOfShapes(shape.getAsJsonArray())
                ? KerasShapeRules.dims(shape.getAsJsonArray()) : null;
    }

    /** An InputLayer's (or a Keras 2 first layer's) declared batch shape; null when it declares none. */
    static long[] declared(JsonObject config) {
        for (String key : List.of("batch_shape", "batch_input_shape")) {
            if (config.has(key) && config.get(key).isJsonArray()) {
                return KerasShapeRules.dims(config.getAsJsonArray(key));
            }
        }
        return null;
    }

    /** The shapes a functional layer's first call reads: its inbound layers' outputs (null where unknown). */
    private static List<long[]> inboundShapes(KerasConfig.Layer layer, Map<String, long[]> outputs) {
        List<long[]> inputs = new ArrayList<>();
        JsonElement nodes = layer.json().get("inbound_nodes");
        if (nodes == null || !nodes.isJsonArray() || nodes.getAsJsonArray().isEmpty()) {
            return inputs;
        }
        for (String name : KerasConfig.callInputs(nodes.getAsJsonArray().get(0))) {
            inputs.add(outputs.get(name));
        }
        return inputs;
    }

    /** Where an input is unknown (a layer without a shape rule before it), the shape the config records. */
    private static void trustRecorded(KerasConfig.Layer layer, List<long[]> inputs) {
        List<long[]> recorded = recordedInputs(layer);
        if (recorded.isEmpty()) {
            eachInboundTensor(layer.json(), (name, tensor) -> recorded.add(tensor.get("shape").isJsonArray()
                    ? KerasShapeRules.dims(tensor.getAsJsonArray("shape")) : null));
        }
        for (int i = 0; i < inputs.size(); i++) {
            if (inputs.get(i) == null && i < recorded.size()) {
                inputs.set(i, recorded.get(i));
            }
        }
        if (inputs.size() == 1 && inputs.get(0) == null) {
            inputs.set(0, declared(layer.config()));
        }
    }

    /** The input shapes a layer's {@code build_config} records, one per input; empty when it records none. */
    static List<long[]> recordedInputs(KerasConfig.Layer layer) {
        List<long[]> out = new ArrayList<>();
        JsonArray shape = buildShape(layer.json());
        if (shape == null) {
            return out;
        }
        if (isListOfShapes(shape)) {
            for (JsonElement s : shape) {
                out.add(s.isJsonArray() ? KerasShapeRules.dims(s.getAsJsonArray()) : null);
            }
        } else {
            out.add(KerasShapeRules.dims(shape));
        }
        return out;
    }

    /** A layer's {@code build_config.input_shape}, or null. */
    static JsonArray buildShape(JsonObject layer) {
        JsonElement build = layer.get("build_config");
        if (build == null || !build.isJsonObject()) {
            return null;
        }
        JsonElement shape = build.getAsJsonObject().get("input_shape");
        return shape != null && shape.isJsonArray() ? shape.getAsJsonArray() : null;
    }

    static boolean isListOfShapes(JsonArray shape) {
        return shape.size() > 0 && (shape.get(0).isJsonArray() || shape.get(0).isJsonNull() && shape.size() > 1
                && shape.get(1).isJsonArray());
    }

    /**
     * The {@code __keras_tensor__} configs (a keras_history and a shape) a functional layer's inbound nodes hold, with
     * the name of the layer that gives each.
     */
    static void eachInboundTensor(JsonObject layer, BiConsumer<String, JsonObject> visit) {
        eachTensor(layer.get("inbound_nodes"), visit);
    }

    private static void eachTensor(JsonElement e, BiConsumer<String, JsonObject> visit) {
        if (e == null || e.isJsonNull() || e.isJsonPrimitive()) {
            return;
        }
        if (e.isJsonArray()) {
            for (JsonElement x : e.getAsJsonArray()) {
                eachTensor(x, visit);
            }
            return;
        }
        JsonObject o = e.getAsJsonObject();
        JsonElement history = o.get("keras_history");
        if (history != null && history.isJsonArray() && o.has("shape")) {
            visit.accept(history.getAsJsonArray().get(0).getAsString(), o);
            return;
        }
        // The call's positional arguments, as KerasConfig.callInputs reads them, not its keyword ones.
        for (String key : List.of("args", "config")) {
            eachTensor(o.get(key), visit);
        }
    }

    /** Writes a layer's inputs into its build_config, and each inbound tensor's shape as its layer gives it. */
    private static void recordInputs(LayerShapes s, Map<String, long[]> outputs) {
        JsonArray shape = buildShape(s.layer().json());
        if (shape != null && !s.inputs().isEmpty()) {
            if (isListOfShapes(shape)) {
                for (int i = 0; i < shape.size() && i < s.inputs().size(); i++) {
                    shape.set(i, merged(shape.get(i), s.inputs().get(i)));
                }
            } else {
                s.layer().json().getAsJsonObject("build_config").add("input_shape", merged(shape, s.inputs().get(0)));
            }
        }
        eachInboundTensor(s.layer().json(), (name, tensor) -> {
            long[] given = outputs.get(name);
            if (given != null) {
                tensor.add("shape", merged(tensor.get("shape"), given));
            }
        });
    }

    /** {@code shape} as the walk gives it: its known axes from {@code computed}, the others as recorded. */
    private static JsonElement merged(JsonElement recorded, long[] computed) {
        if (computed == null) {
            return recorded;
        }
        JsonArray old = recorded != null && recorded.isJsonArray() ? recorded.getAsJsonArray() : null;
        boolean sameRank = old != null && old.size() == computed.length;
        JsonArray out = new JsonArray();
        for (int i = 0; i < computed.length; i++) {
            if (computed[i] >= 0 && i > 0) {
                out.add(new JsonPrimitive(computed[i]));
            } else if (sameRank) {
                out.add(old.get(i));
            } else {
                out.add(JsonNull.INSTANCE);
            }
        }
        return out;
    }

    /** A Reshape whose target ended in its input's channels before pruning keeps ending in them. */
    private static void followChannels(KerasConfig.Layer layer, List<long[]> inputs, long[] before) {
        if (!layer.kind().equals("Reshape") || before == null || inputs.isEmpty() || inputs.get(0) == null) {
            return;
        }
        long[] now = inputs.get(0);
        JsonElement t = layer.config().get("target_shape");
        if (t == null || !t.isJsonArray() || t.getAsJsonArray().isEmpty() || now.length == 0) {
            return;
        }
        JsonArray target = t.getAsJsonArray();
        long oldChannels = before[before.length - 1];
        long newChannels = now[now.length - 1];
        if (oldChannels != newChannels && newChannels > 0
                && target.get(target.size() - 1).getAsLong() == oldChannels) {
            target.set(target.size() - 1, new JsonPrimitive(newChannels));
        }
    }
}

package org.odf2nna.keras;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.odf2nna.InputException;
import org.odf2nna.keras.KerasGraph.Value;

/**
 * The layers of a Keras model before its dense head, translated into an ONNX graph in config order (Sequential: each
 * layer reads the one before; functional: each reads the layers its {@code inbound_nodes} name), one
 * {@link KerasLayers} translator per layer. The dense head after it is read as a dense chain by {@link KerasReader}.
 */
final class KerasBackbone {

    /** The layer classes of a dense chain: a model of these alone is read as today, without a graph. */
    static final Set<String> CHAIN_CLASSES = Set.of("InputLayer", "Dense", "Dropout", "AlphaDropout",
            "GaussianDropout", "GaussianNoise", "SpatialDropout1D", "ActivityRegularization", "Flatten",
            "BatchNormalization", "Activation", "ReLU", "LeakyReLU", "ELU", "Softmax");

    private final Path file;
    private final List<JsonObject> layers;
    private final boolean sequential;
    private final KerasWeights weights;
    private final boolean keras2;
    final KerasGraph graph;
    /** The tensor each translated layer gives, by layer name. */
    private final Map<String, Value> byLayer = new HashMap<>();
    /** Weight groups counted by class, as {@link KerasReader#groupName} numbers them. */
    final Map<String, Integer> classCounts = new HashMap<>();
    private Value last;
    private int next;
    String inputName = "input";

    KerasBackbone(Path file, List<JsonObject> layers, boolean sequential, KerasWeights weights, String kerasVersion) {
        this.file = file;
        this.layers = layers;
        this.sequential = sequential;
        this.weights = weights;
        this.keras2 = !kerasVersion.startsWith("3");
        this.graph = new KerasGraph(file);
    }

    /** Whether a model of these layers has more than a dense chain's classes. */
    static boolean needed(List<JsonObject> layers) {
        for (JsonObject layer : layers) {
            if (!CHAIN_CLASSES.contains(KerasConfig.string(layer, "class_name", "?"))) {
                return true;
            }
        }
        return false;
    }

    /** The next layer to translate (the first one the translation has not reached). */
    int next() {
        return next;
    }

    /** Translates the layers up to {@code end} (exclusive). */
    void translateUpTo(int end) {
        for (; next < end; next++) {
            translate(KerasConfig.layer(layers.get(next), next));
        }
    }

    /** The tensor layer {@code index} reads (its one input), once the layers before it are translated. */
    Value inputOf(int index) {
        List<Value> in = inputs(KerasConfig.layer(layers.get(index), index));
        if (in.size() != 1) {
            throw new InputException(file, KerasConfig.place(KerasConfig.layer(layers.get(index), index).name()),
                    "reads " + in.size() + " tensors; the dense head reads one");
        }
        return in.get(0);
    }

    /** The tensor the last translated layer gives. */
    Value last() {
        return last;
    }

    private void translate(KerasConfig.Layer layer) {
        String group = sequential && layer.kind().equals("InputLayer") ? null
                : KerasReader.groupName(layer.kind(), classCounts);
        checkNotCustom(layer);
        if (layer.kind().equals("InputLayer")) {
            inputName = layer.name();
            last = graph.input(layer.name(), inputShape(layer));
            byLayer.put(layer.name(), last);
            return;
        }
        List<Value> in = inputs(layer);
        KerasLayers.Translator t = KerasLayers.of(layer.kind());
        if (t == null) {
            throw new InputException(file, layer.place(), unsupported(layer.kind()));
        }
        last = t.translate(new KerasLayers.Call(graph, layer, in, () -> weights.of(layer.name(), group,
                layer.place()), keras2));
        byLayer.put(layer.name(), last);
    }

    private String unsupported(String kind) {
        String what = kind.equals("Lambda") ? "is a Lambda layer (Python code inside the model), which cannot be read"
                : kind.equals("Sequential") || kind.equals("Functional") || kind.equals("Model")
                ? "is a nested " + kind + " model; flatten it into one model (or save the inner model alone)"
                : "is a " + kind + " layer, which is not translated";
        return what + "; translated: " + KerasLayers.classes() + ", and InputLayer; or export the model to ONNX "
                + "(tf2onnx, or model.export(path, format=\"onnx\")) and give that file";
    }

    private void checkNotCustom(KerasConfig.Layer layer) {
        String module = KerasConfig.string(layer.json(), "module", "");
        if (!module.isEmpty() && !module.startsWith("keras")) {
            throw new InputException(file, layer.place(), "is the custom layer '" + layer.kind() + "' from module '"
                    + module + "', which cannot be read; export the model to ONNX and give that file");
        }
    }

    /** The tensors a layer reads: the layer before it in a Sequential; those its inbound_nodes name otherwise. */
    private List<Value> inputs(KerasConfig.Layer layer) {
        if (sequential) {
            if (last == null) {
                last = graph.input(inputName, firstShape(layer));
            }
            return List.of(last);
        }
        JsonElement nodes = layer.json().get("inbound_nodes");
        if (nodes == null || !nodes.isJsonArray() || nodes.getAsJsonArray().size() != 1) {
            throw new InputException(file, layer.place(), "is called " + (nodes == null || !nodes.isJsonArray() ? 0
                    : nodes.getAsJsonArray().size()) + " times in the model; a layer called once (not shared) is "
                    + "translated");
        }
        List<String> names = new ArrayList<>();
        inbound(nodes, names);
        List<Value> out = new ArrayList<>();
        for (String name : names) {
            Value v = byLayer.get(name);
            if (v == null) {
                throw new InputException(file, layer.place(), "reads '" + name + "', which no layer before it in the "
                        + "config gives");
            }
            out.add(v);
        }
        return out;
    }

    /** Layer names in inbound_nodes, in order: the call's positional arguments and config, not its keyword ones. */
    static void inbound(JsonElement e, List<String> names) {
        names.addAll(KerasConfig.callInputs(e));
    }

    private long[] inputShape(KerasConfig.Layer layer) {
        long[] shape = declared(layer.config(), layer.json());
        if (shape == null) {
            throw new InputException(file, layer.place(), "is an InputLayer without a batch_shape");
        }
        return shape;
    }

    /** A Sequential without an InputLayer: the first layer's declared input shape. */
    private long[] firstShape(KerasConfig.Layer layer) {
        long[] shape = declared(layer.config(), layer.json());
        if (shape == null) {
            throw new InputException(file, layer.place(), "is a Sequential model's first layer without an input "
                    + "shape; add an InputLayer (keras.Input) and save the model again");
        }
        return shape;
    }

    private static long[] declared(JsonObject config, JsonObject json) {
        for (String key : List.of("batch_shape", "batch_input_shape")) {
            if (config.has(key) && config.get(key).isJsonArray()) {
                return dims(config.getAsJsonArray(key));
            }
        }
        JsonElement build = json.get("build_config");
        if (build != null && build.isJsonObject() && build.getAsJsonObject().has("input_shape")
                && build.getAsJsonObject().get("input_shape").isJsonArray()) {
            return dims(build.getAsJsonObject().getAsJsonArray("input_shape"));
        }
        return null;
    }

    private static long[] dims(JsonArray a) {
        long[] shape = new long[a.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = a.get(i).isJsonNull() ? -1 : a.get(i).getAsLong();
        }
        shape[0] = -1;
        return shape;
    }

    /**
     * Where the dense head starts: the first Dense of the longest run of dense-chain layers at the end of the config
     * list, each reading the one before it alone (functional models), the last being the model's output; the list's
     * size when there is none.
     */
    int headStart(JsonObject modelConfig) {
        int start = layers.size();
        for (int i = layers.size() - 1; i >= 1; i--) {
            KerasConfig.Layer layer = KerasConfig.layer(layers.get(i), i);
            if (!CHAIN_CLASSES.contains(layer.kind()) || layer.kind().equals("InputLayer")
                    || layer.kind().equals("Flatten") || !sequential && !readsOnly(layer, i - 1)) {
                break;
            }
            start = i;
        }
        while (start < layers.size() && !KerasConfig.layer(layers.get(start), start).kind().equals("Dense")) {
            start++;
        }
        if (!sequential && start < layers.size() && !outputIsLast(modelConfig)) {
            return layers.size();
        }
        return start;
    }

    /** The first Dense after {@code from}, or the list's size. */
    int nextDense(int from) {
        for (int i = from + 1; i < layers.size(); i++) {
            if (KerasConfig.layer(layers.get(i), i).kind().equals("Dense")) {
                return i;
            }
        }
        return layers.size();
    }

    /** Whether layer {@code i} reads only layer {@code previous}, and no other layer reads that one. */
    private boolean readsOnly(KerasConfig.Layer layer, int previous) {
        String before = KerasConfig.layer(layers.get(previous), previous).name();
        List<String> names = new ArrayList<>();
        inbound(layer.json().get("inbound_nodes"), names);
        if (!names.equals(List.of(before))) {
            return false;
        }
        for (int j = 0; j < layers.size(); j++) {
            if (j != layer.index()) {
                List<String> other = new ArrayList<>();
                inbound(layers.get(j).get("inbound_nodes"), other);
                if (other.contains(before)) {
                    return false;
                }
            }
        }
        return true;
    }

    private boolean outputIsLast(JsonObject modelConfig) {
        List<String> outputs = new ArrayList<>();
        inbound(modelConfig.get("output_layers"), outputs);
        String lastName = KerasConfig.layer(layers.get(layers.size() - 1), layers.size() - 1).name();
        return outputs.equals(List.of(lastName));
    }

    /** The model's output tensor when the whole model is the graph: the functional output, or the last layer's. */
    Value output(JsonObject modelConfig) {
        if (sequential) {
            return last;
        }
        List<String> outputs = new ArrayList<>();
        inbound(modelConfig.get("output_layers"), outputs);
        if (outputs.size() != 1 || !byLayer.containsKey(outputs.get(0))) {
            throw new InputException(file, null, "the functional model has " + outputs.size() + " outputs ("
                    + String.join(", ", outputs) + "); a model with one output is read");
        }
        return byLayer.get(outputs.get(0));
    }
}

package org.odf2nna.keras;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.odf2nna.InputException;
import org.odf2nna.network.Activation;
import org.odf2nna.network.OutputHead;

/**
 * The one reading of a Keras model's config (the JSON Keras writes for a model and its layers), shared by the two
 * routes that meet it: Keras files ({@link KerasReader}: {@code config.json} of a {@code .keras}, the
 * {@code model_config} attribute of an {@code .h5}) and Keras SavedModels ({@code tf.KerasChain}: the object graph's
 * metadata or {@code keras_metadata.pb}). It reads the model's class and its layer list, each layer's class, name
 * and config, walks the chain's layers ({@link #walk}: what each is, a no-op, a Dense, an activation, or another that
 * a route folds or refuses), reads the activations (names, activation layers) as element-wise {@link Activation}s and
 * output heads, and what the activations after a Dense layer amount to. Where the weights are, and which layers besides Dense and the
 * activations a route folds (BatchNormalization in files), is each route's own.
 */
public final class KerasConfig {

    /** Layers that do nothing at inference on a matrix input. */
    public static final Set<String> NO_OPS = Set.of("InputLayer", "Dropout", "AlphaDropout", "GaussianDropout",
            "GaussianNoise", "SpatialDropout1D", "ActivityRegularization", "Flatten");

    static final String SUPPORTED_ACTIVATIONS = "linear, relu, relu6, sigmoid, tanh, elu, selu, softplus, "
            + "leaky_relu, hard_sigmoid, and softmax or log_softmax on the last layer";

    /** One element-wise activation or head that a Keras layer applies, and the layer it came from. */
    public record Step(String layer, String keras, Activation elementwise, OutputHead head) {

        /** Whether the step does nothing ({@code Activation('linear')}). */
        public boolean linear() {
            return keras.equals("linear");
        }
    }

    /**
     * One layer of the list: its position (from 0), its class, its name, its config (empty when it has none) and its
     * whole JSON.
     */
    public record Layer(int index, String kind, String name, JsonObject config, JsonObject json) {

        /** How errors name the layer. */
        public String place() {
            return KerasConfig.place(name);
        }
    }

    /** How errors name a layer: {@code layer 'dense_1'}. */
    public static String place(String layerName) {
        return "layer '" + layerName + "'";
    }

    /**
     * The axis a layer's config names: -1 when it names none, 0 when it is not a single axis (so that only -1 and 1,
     * the feature axis of a dense chain, pass the callers' checks).
     */
    static int axis(JsonObject config) {
        JsonElement axis = config.get("axis");
        return axis == null || axis.isJsonNull() ? -1
                : axis.isJsonArray() && axis.getAsJsonArray().size() == 1 ? axis.getAsJsonArray().get(0).getAsInt()
                : axis.isJsonPrimitive() ? axis.getAsInt() : 0;
    }

    /** What the activations after a Dense layer amount to: its element-wise activation, and the model's head. */
    public record Applied(Activation activation, OutputHead head) {
    }

    private final Path source;
    private final boolean keras3;

    /**
     * A reader of configs from {@code source} (the file or folder errors name), written by Keras
     * {@code kerasVersion} ("" when unknown: read as Keras 2, which matters to hard_sigmoid alone).
     */
    public KerasConfig(Path source, String kerasVersion) {
        this.source = source;
        this.keras3 = kerasVersion.startsWith("3");
    }

    // ---- the model and its layers --------------------------------------------------------------------

    /** Checks the model's class: Sequential, Functional or Model (the error names a subclassed model). */
    public void checkModelClass(String className) {
        if (!className.equals("Sequential") && !className.equals("Functional") && !className.equals("Model")) {
            throw new InputException(source, null, "the model is a " + (className.isEmpty()
                    ? "model without a class_name" : "'" + className + "'") + " (a subclassed model?); only Sequential "
                    + "models and functional models that form one chain are read");
        }
    }

    /** The layer list of a model of class {@code className} whose {@code config} is given (a list, or an object). */
    public List<JsonObject> layerList(String className, JsonElement config) {
        JsonElement list = config == null ? null : config.isJsonArray() ? config
                : config.isJsonObject() ? config.getAsJsonObject().get("layers") : null;
        if (list == null || !list.isJsonArray()) {
            throw new InputException(source, null, "the " + className + " model's config has no layer list");
        }
        List<JsonObject> layers = new ArrayList<>();
        for (JsonElement e : list.getAsJsonArray()) {
            if (!e.isJsonObject()) {
                throw new InputException(source, null, "the model's layer list holds something that is not a layer: " + e);
            }
            layers.add(e.getAsJsonObject());
        }
        return layers;
    }

    /** The {@code index}-th layer (from 0) of a list: its class, its name (else "Class #n") and its config. */
    public static Layer layer(JsonObject layer, int index) {
        String kind = string(layer, "class_name", "?");
        JsonObject config = layer.has("config") && layer.get("config").isJsonObject()
                ? layer.getAsJsonObject("config") : new JsonObject();
        return new Layer(index, kind, string(config, "name", string(layer, "name", kind + " #" + (index + 1))), config,
                layer);
    }

    /**
     * What a route does with the layers of a dense chain as {@link #walk} hands them over, in order. The walk
     * decides what each layer is; where the weights are, and which other layers a route folds, are the route's.
     */
    public interface ChainWalk {

        /** Every layer first, whatever its class (the file route counts weight groups and reads input widths). */
        default void layer(Layer layer) {
        }

        /** A Dense layer, whose weights the route reads. */
        void dense(Layer layer);

        /** A step applied to the chain's output so far: a Dense layer's own activation, or an activation layer's. */
        void step(Layer layer, Step step);

        /** A layer neither Dense, a no-op nor an activation layer: the route folds it, or refuses it. */
        void other(Layer layer);
    }

    /**
     * Walks a chain's layers in order, handing each to {@code walk} by what it is: no-ops are skipped, a Dense
     * layer's activation follows it as a step, linear activation layers do nothing.
     *
     * @throws InputException when the chain has no Dense layer
     */
    public void walk(List<JsonObject> layers, ChainWalk walk) {
        walk(layers, 0, walk);
    }

    /** {@link #walk(List, ChainWalk)} from layer {@code from} on (a dense head after a backbone). */
    public void walk(List<JsonObject> layers, int from, ChainWalk walk) {
        boolean dense = false;
        for (int index = from; index < layers.size(); index++) {
            Layer layer = layer(layers.get(index), index);
            walk.layer(layer);
            if (NO_OPS.contains(layer.kind())) {
                continue;
            }
            if (layer.kind().equals("Dense")) {
                walk.dense(layer);
                dense = true;
                Step own = activationStep(layer.name(), layer.config().get("activation"));
                if (own != null) {
                    walk.step(layer, own);
                }
                continue;
            }
            Step step = activationLayer(layer.kind(), layer.name(), layer.config());
            if (step == null) {
                walk.other(layer);
            } else if (!step.linear()) {
                walk.step(layer, step);
            }
        }
        if (!dense) {
            throw new InputException(source, null, "the Keras model has no Dense layer");
        }
    }

    // ---- activations ---------------------------------------------------------------------------------

    /** The step an activation layer (Activation, ReLU, LeakyReLU, ELU, Softmax) applies; null for other classes. */
    public Step activationLayer(String kind, String name, JsonObject config) {
        String place = place(name);
        switch (kind) {
            case "Activation": {
                Step s = activationStep(name, config.get("activation"));
                return s != null ? s : new Step(name, "linear", Activation.IDENTITY, null);
            }
            case "ReLU": {
                double threshold = number(config, "threshold", 0);
                double slope = number(config, "negative_slope", 0);
                JsonElement max = config.get("max_value");
                if (threshold != 0) {
                    throw new InputException(source, place, "is a ReLU with threshold " + threshold + "; only threshold 0 "
                            + "is supported");
                }
                if (max == null || max.isJsonNull()) {
                    return slope == 0 ? new Step(name, "ReLU", Activation.RELU, null)
                            : new Step(name, "ReLU", Activation.leakyRelu((float) slope), null);
                }
                if (slope != 0) {
                    throw new InputException(source, place, "is a ReLU with both max_value and negative_slope; not supported");
                }
                return new Step(name, "ReLU", Activation.clip(0, max.getAsFloat()), null);
            }
            case "LeakyReLU": {
                // Keras 3 names the slope negative_slope, Keras 2 alpha.
                double alpha = config.has("negative_slope") ? number(config, "negative_slope", 0.3)
                        : number(config, "alpha", 0.3);
                return new Step(name, "LeakyReLU", Activation.leakyRelu((float) alpha), null);
            }
            case "ELU":
                return new Step(name, "ELU", Activation.elu((float) number(config, "alpha", 1.0)), null);
            case "Softmax": {
                int a = axis(config);
                if (a != -1 && a != 1) {
                    throw new InputException(source, place, "is a Softmax over axis " + config.get("axis")
                            + "; only the last axis is "
                            + "supported");
                }
                return new Step(name, "softmax", null, OutputHead.SOFTMAX);
            }
            default:
                return null;
        }
    }

    /** The step a layer's {@code activation} field applies; null for linear. */
    public Step activationStep(String layer, JsonElement value) {
        String name = activationName(layer, value);
        switch (name) {
            case "linear":
            case "":
                return null;
            case "relu":
                return new Step(layer, name, Activation.RELU, null);
            case "relu6":
                return new Step(layer, name, Activation.clip(0, 6), null);
            case "sigmoid":
                return new Step(layer, name, Activation.SIGMOID, OutputHead.SIGMOID);
            case "tanh":
                return new Step(layer, name, Activation.TANH, null);
            case "elu":
                return new Step(layer, name, Activation.elu(1.0f), null);
            case "selu":
                return new Step(layer, name, Activation.selu(Activation.SELU_ALPHA, Activation.SELU_GAMMA), null);
            case "softplus":
                return new Step(layer, name, Activation.SOFTPLUS, null);
            case "leaky_relu":
                return new Step(layer, name, Activation.leakyRelu(0.2f), null);
            case "hard_sigmoid":
                // Keras 3: relu6(x + 3) / 6; Keras 2 (tf.keras SavedModels too): clip(0.2 x + 0.5, 0, 1).
                return keras3 ? new Step(layer, name, Activation.hardSigmoid(1f / 6, 0.5f), null)
                        : new Step(layer, name, Activation.hardSigmoid(0.2f, 0.5f), null);
            case "softmax":
                return new Step(layer, name, null, OutputHead.SOFTMAX);
            case "log_softmax":
                return new Step(layer, name, null, OutputHead.LOG_SOFTMAX);
            default:
                throw new InputException(source, "layer '" + layer + "'", "uses the activation '" + name
                        + "', which is not supported (supported: " + SUPPORTED_ACTIVATIONS + ")");
        }
    }

    /** {@code "relu"}, or newer Keras' {@code {"class_name": "function", "config": "relu"}}, in lower case. */
    private String activationName(String layer, JsonElement value) {
        if (value == null || value.isJsonNull()) {
            return "linear";
        }
        if (value.isJsonPrimitive()) {
            return value.getAsString().toLowerCase(Locale.ROOT);
        }
        if (value.isJsonObject()) {
            JsonObject o = value.getAsJsonObject();
            JsonElement config = o.get("config");
            if (config != null && config.isJsonPrimitive()) {
                return config.getAsString().toLowerCase(Locale.ROOT);
            }
            throw new InputException(source, "layer '" + layer + "'", "uses the activation object '"
                    + string(o, "class_name", "?") + "', which is not supported (supported: " + SUPPORTED_ACTIVATIONS + ")");
        }
        throw new InputException(source, "layer '" + layer + "'", "has an activation that is not a name: " + value);
    }

    /**
     * What the steps after the Dense layer {@code dense} amount to: at most one element-wise activation on a hidden
     * layer; on the last, an element-wise activation, a head (softmax, log_softmax, sigmoid), or one then the other.
     */
    public Applied apply(String dense, List<Step> steps, boolean last) {
        Activation activation = Activation.IDENTITY;
        OutputHead head = OutputHead.NONE;
        if (!last) {
            if (steps.size() > 1) {
                throw twoActivations(dense, steps);
            }
            if (steps.size() == 1) {
                Step s = steps.get(0);
                if (s.elementwise() == null) {
                    throw new InputException(source, "layer '" + s.layer() + "'", s.keras() + " on a hidden layer is "
                            + "not element-wise; only the last layer may end in " + s.keras());
                }
                activation = s.elementwise();
            }
        } else if (steps.size() == 1) {
            Step s = steps.get(0);
            if (s.head() != null) {
                head = s.head();
            } else {
                activation = s.elementwise();
            }
        } else if (steps.size() == 2) {
            Step a = steps.get(0);
            Step h = steps.get(1);
            if (a.elementwise() == null || h.head() == null) {
                throw twoActivations(dense, steps);
            }
            activation = a.elementwise();
            head = h.head();
        } else if (steps.size() > 2) {
            throw twoActivations(dense, steps);
        }
        return new Applied(activation, head);
    }

    private InputException twoActivations(String dense, List<Step> steps) {
        List<String> what = new ArrayList<>();
        for (Step s : steps) {
            what.add(s.keras() + " (" + s.layer() + ")");
        }
        return new InputException(source, "layer '" + dense + "'", "is followed by " + String.join(" then ", what)
                + "; only one element-wise activation per layer, and a softmax, log_softmax or sigmoid head after the "
                + "last one, are supported");
    }

    // ---- inbound nodes -------------------------------------------------------------------------------

    /**
     * Adds the layer names that inbound nodes (or a model's {@code input_layers} and {@code output_layers}) read, in
     * order: Keras 2's {@code ["name", 0, 0, {}]} and Keras 3's {@code keras_history}. Within a JSON object only the
     * {@code follow} keys are searched, in their order, or every key when {@code follow} is null.
     */
    /**
     * The layer names one call of a layer reads (one entry of its {@code inbound_nodes}), in order: the call's
     * positional arguments and config, not its keyword ones. Keras 2 writes {@code [["dense", 0, 0, {}], ...]}; Keras 3
     * {@code {"args": [{"config": {"keras_history": ["dense", 0, 0]}}], "kwargs": {...}}}.
     */
    public static List<String> callInputs(JsonElement call) {
        List<String> names = new ArrayList<>();
        inboundNames(call, names, List.of("args", "config"));
        return names;
    }

    static void inboundNames(JsonElement e, java.util.Collection<String> names, List<String> follow) {
        if (e == null || e.isJsonNull() || e.isJsonPrimitive()) {
            return;
        }
        if (e.isJsonArray()) {
            com.google.gson.JsonArray a = e.getAsJsonArray();
            if (a.size() >= 3 && a.get(0).isJsonPrimitive() && a.get(0).getAsJsonPrimitive().isString()
                    && a.get(1).isJsonPrimitive() && a.get(1).getAsJsonPrimitive().isNumber()) {
                names.add(a.get(0).getAsString());
                return;
            }
            for (JsonElement x : a) {
                inboundNames(x, names, follow);
            }
            return;
        }
        JsonObject o = e.getAsJsonObject();
        JsonElement history = o.get("keras_history");
        if (history != null && history.isJsonArray() && history.getAsJsonArray().size() > 0) {
            names.add(history.getAsJsonArray().get(0).getAsString());
            return;
        }
        for (String key : follow == null ? o.keySet() : follow) {
            if (o.has(key)) {
                inboundNames(o.get(key), names, follow);
            }
        }
    }

    // ---- fields --------------------------------------------------------------------------------------

    /** The field as a string, or {@code fallback} when it is absent or not a primitive. */
    public static String string(JsonObject o, String field, String fallback) {
        JsonElement e = o.get(field);
        return e != null && e.isJsonPrimitive() ? e.getAsString() : fallback;
    }

    /** The field as a number, or {@code fallback} when it is absent or not a number. */
    public static double number(JsonObject o, String field, double fallback) {
        JsonElement e = o.get(field);
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber() ? e.getAsDouble() : fallback;
    }

    /**
     * The weight arrays a BatchNormalization stores, in Keras's order: gamma (with {@code scale}), beta (with
     * {@code center}), the moving mean and the moving variance.
     */
    static java.util.List<String> batchNormRoles(boolean scale, boolean center) {
        java.util.List<String> roles = new java.util.ArrayList<>();
        if (scale) {
            roles.add("gamma");
        }
        if (center) {
            roles.add("beta");
        }
        roles.add("moving_mean");
        roles.add("moving_variance");
        return roles;
    }
}

package org.odf2nna.keras;

import static org.odf2nna.keras.KerasArrays.matrix;
import static org.odf2nna.keras.KerasArrays.vector;
import static org.odf2nna.keras.KerasFileParts.GSON;
import static org.odf2nna.keras.KerasFileParts.writeH5;
import static org.odf2nna.keras.KerasFileParts.zip;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import io.jhdf.api.WritableGroup;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.odf2nna.InputException;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.OutputHead;

/**
 * A new Keras 3 Sequential config and its weights file, for a network that did not come from a {@code .keras} file
 * (a legacy {@code .h5}, an ONNX model, a SavedModel): an InputLayer and one Dense per layer, an activation Keras'
 * names cannot carry as a layer of its own, the head as the last layer's activation ({@link KerasWriter}). Its own
 * room because it builds the config from nothing, where {@link KerasWriter} otherwise keeps a source file's.
 */
final class SequentialConfig {

    /** The Keras version whose config layout a new config follows. */
    static final String FRESH_KERAS_VERSION = "3.5.0";

    private SequentialConfig() {
    }

    static byte[] fresh(DenseNetwork network, KerasModel source) {
        JsonArray layers = new JsonArray();
        layers.add(inputLayer(network.inputs(), source == null ? "input_layer" : source.inputName()));
        Map<String, Integer> classCounts = new HashMap<>();
        Map<String, Object> weights = new LinkedHashMap<>();
        for (int l = 0; l < network.layers().size(); l++) {
            DenseLayer d = network.layer(l);
            boolean last = l == network.layers().size() - 1;
            String name = source != null && l < source.layout().dense().size() ? source.layout().dense().get(l).name()
                    : l == 0 ? "dense" : "dense_" + l;
            String activation = kerasName(d.activation());
            JsonObject extra = activation == null ? activationLayer(d.activation(), name) : null;
            String headName = last ? headName(network.head()) : null;
            if (headName != null && activation != null && activation.equals("linear")) {
                activation = headName;
                headName = null;
            }
            layers.add(layer("Dense", denseConfig(name, d.units(), activation == null ? "linear" : activation),
                    d.inputs()));
            String group = "layers/" + KerasReader.groupName("Dense", classCounts) + "/vars/";
            weights.put(group + "0", matrix(d.weights(), d.inputs(), d.units(), false));
            weights.put(group + "1", vector(d.bias(), false));
            if (extra != null) {
                layers.add(extra);
                KerasReader.groupName(extra.get("class_name").getAsString(), classCounts);
            }
            if (headName != null) {
                layers.add(layer("Activation", headConfig(name, headName), d.units()));
                KerasReader.groupName("Activation", classCounts);
            }
        }
        JsonObject metadata = new JsonObject();
        metadata.addProperty("keras_version", FRESH_KERAS_VERSION);
        metadata.addProperty("producer", "odf2nna-onnx");
        return zip(List.of(
                new KerasModel.ZipPart(KerasReader.METADATA_ENTRY, GSON.toJson(metadata).getBytes(StandardCharsets.UTF_8)),
                new KerasModel.ZipPart(KerasReader.CONFIG_ENTRY,
                        GSON.toJson(sequential(layers, network.inputs())).getBytes(StandardCharsets.UTF_8)),
                new KerasModel.ZipPart(KerasReader.WEIGHTS_ENTRY, freshWeights(weights))));
    }

    private static JsonObject inputLayer(int inputs, String name) {
        JsonObject input = new JsonObject();
        input.add("batch_shape", shape(inputs));
        input.addProperty("dtype", "float32");
        input.addProperty("sparse", false);
        input.addProperty("name", name);
        return layer("InputLayer", input, -1);
    }

    /** A Dense layer's config as Keras 3 writes it, with a bias and the default initialisers. */
    private static JsonObject denseConfig(String name, int units, String activation) {
        JsonObject dense = layerConfig(name);
        dense.addProperty("units", units);
        dense.addProperty("activation", activation);
        dense.addProperty("use_bias", true);
        dense.add("kernel_initializer", initializer("GlorotUniform", true));
        dense.add("bias_initializer", initializer("Zeros", false));
        for (String key : List.of("kernel_regularizer", "bias_regularizer", "kernel_constraint", "bias_constraint")) {
            dense.add(key, JsonNull.INSTANCE);
        }
        return dense;
    }

    /** The start of a layer's config (a model's too), the fields every Keras layer has, as Keras writes them. */
    private static JsonObject layerConfig(String name) {
        JsonObject config = new JsonObject();
        config.addProperty("name", name);
        config.addProperty("trainable", true);
        config.addProperty("dtype", "float32");
        return config;
    }

    /** The Activation layer of a head (softmax, sigmoid) that the last Dense layer's activation cannot carry. */
    private static JsonObject headConfig(String denseName, String headName) {
        JsonObject head = layerConfig(denseName + "_" + headName);
        head.addProperty("activation", headName);
        return head;
    }

    /** The model config's root: a built Sequential of {@code layers} on {@code inputs} features. */
    private static JsonObject sequential(JsonArray layers, int inputs) {
        JsonObject config = layerConfig("sequential");
        config.add("layers", layers);
        config.add("build_input_shape", shape(inputs));
        JsonObject root = new JsonObject();
        root.addProperty("module", "keras");
        root.addProperty("class_name", "Sequential");
        root.add("config", config);
        root.add("registered_name", JsonNull.INSTANCE);
        JsonObject build = new JsonObject();
        build.add("input_shape", shape(inputs));
        root.add("build_config", build);
        return root;
    }

    /** The weights file: each path {@code layers/GROUP/vars/N} becomes that dataset, groups in order of first use. */
    private static byte[] freshWeights(Map<String, Object> weights) {
        return writeH5(out -> {
            WritableGroup layersGroup = out.putGroup("layers");
            Map<String, WritableGroup> groups = new HashMap<>();
            for (Map.Entry<String, Object> w : weights.entrySet()) {
                String[] parts = w.getKey().split("/");
                WritableGroup g = groups.get(parts[1]);
                if (g == null) {
                    g = layersGroup.putGroup(parts[1]).putGroup(parts[2]);
                    groups.put(parts[1], g);
                }
                g.putDataset(parts[3], w.getValue());
            }
            return true;
        });
    }

    /** The Keras activation name that computes {@code a}, or null when it needs a layer of its own. */
    static String kerasName(Activation a) {
        switch (a.kind()) {
            case IDENTITY: return "linear";
            case RELU: return "relu";
            case SIGMOID: return "sigmoid";
            case TANH: return "tanh";
            case SOFTPLUS: return "softplus";
            case SELU:
                return a.alpha() == Activation.SELU_ALPHA && a.beta() == Activation.SELU_GAMMA ? "selu" : unsupported(a);
            case ELU:
                return a.alpha() == 1f ? "elu" : null;
            case LEAKY_RELU:
                return null;
            case CLIP:
                return a.alpha() == 0 && a.beta() == 6 ? "relu6" : a.alpha() == 0 ? null : unsupported(a);
            case HARD_SIGMOID:
                return Math.abs(a.alpha() - 1f / 6) < 1e-7 && a.beta() == 0.5f ? "hard_sigmoid" : unsupported(a);
            default:
                return unsupported(a);
        }
    }

    private static String unsupported(Activation a) {
        throw InputException.usage("the activation " + a + " has no Keras equivalent; write ONNX instead");
    }

    private static JsonObject activationLayer(Activation a, String dense) {
        JsonObject c = new JsonObject();
        c.addProperty("trainable", true);
        c.addProperty("dtype", "float32");
        String kind;
        switch (a.kind()) {
            case LEAKY_RELU:
                kind = "LeakyReLU";
                c.addProperty("negative_slope", a.alpha());
                break;
            case ELU:
                kind = "ELU";
                c.addProperty("alpha", a.alpha());
                break;
            default:
                kind = "ReLU";
                c.addProperty("max_value", a.beta());
                c.addProperty("negative_slope", 0.0);
                c.addProperty("threshold", 0.0);
                break;
        }
        c.addProperty("name", dense + "_" + KerasReader.snakeCase(kind));
        return layer(kind, c, -1);
    }

    private static String headName(OutputHead head) {
        return switch (head) {
            case SOFTMAX -> "softmax";
            case LOG_SOFTMAX -> "log_softmax";
            case SIGMOID -> "sigmoid";
            default -> null;
        };
    }

    private static JsonObject layer(String className, JsonObject config, int inputWidth) {
        JsonObject o = new JsonObject();
        o.addProperty("module", "keras.layers");
        o.addProperty("class_name", className);
        o.add("config", config);
        o.add("registered_name", JsonNull.INSTANCE);
        if (inputWidth > 0) {
            JsonObject build = new JsonObject();
            build.add("input_shape", shape(inputWidth));
            o.add("build_config", build);
        }
        return o;
    }

    private static JsonObject initializer(String className, boolean seeded) {
        JsonObject o = new JsonObject();
        o.addProperty("module", "keras.initializers");
        o.addProperty("class_name", className);
        JsonObject c = new JsonObject();
        if (seeded) {
            c.add("seed", JsonNull.INSTANCE);
        }
        o.add("config", c);
        o.add("registered_name", JsonNull.INSTANCE);
        return o;
    }

    private static JsonArray shape(int width) {
        JsonArray a = new JsonArray();
        a.add(JsonNull.INSTANCE);
        a.add(width);
        return a;
    }
}

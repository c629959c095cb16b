package org.odf2nna.keras;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Locale;
import org.odf2nna.InputException;
import org.odf2nna.network.Activation;

/**
 * The activations Keras names ({@code activation="gelu"}, {@code Activation("swish")}), as ONNX nodes on a tensor of
 * the translated graph, at opset 13 (gelu from Erf, swish and hard_silu from their definitions).
 */
final class KerasActivations {

    static final String NAMES = "linear, relu, relu6, leaky_relu, elu, selu, gelu, swish/silu, hard_sigmoid, "
            + "hard_silu/hard_swish, mish, sigmoid, tanh, softplus, softsign, exponential, softmax, log_softmax";

    private KerasActivations() {
    }

    /** The activation a layer's {@code activation} field names, in lower case ("linear" when it names none). */
    static String name(KerasGraph g, String layer, JsonElement value) {
        if (value == null || value.isJsonNull()) {
            return "linear";
        }
        if (value.isJsonPrimitive()) {
            return value.getAsString().toLowerCase(Locale.ROOT);
        }
        if (value.isJsonObject()) {
            JsonElement config = value.getAsJsonObject().get("config");
            if (config != null && config.isJsonPrimitive()) {
                return config.getAsString().toLowerCase(Locale.ROOT);
            }
        }
        throw new InputException(g.file(), KerasConfig.place(layer), "has an activation that is not a name: " + value
                + "; use one of " + NAMES);
    }

    /** {@code v} through the activation {@code name} (Keras 3's meaning of hard_sigmoid unless {@code keras2}). */
    static KerasGraph.Value apply(KerasGraph g, String layer, KerasGraph.Value v, String name, boolean keras2) {
        String x = v.name();
        String out;
        switch (name) {
            case "linear", "" -> {
                return v;
            }
            case "relu" -> out = g.node(layer, "Relu", List.of(x));
            case "relu6" -> out = g.node(layer, "Clip", List.of(x, g.floats(layer, "clip_min", new float[] {0}),
                    g.floats(layer, "clip_max", new float[] {6})));
            case "leaky_relu" -> out = g.node(layer, "LeakyRelu", List.of(x), KerasGraph.real("alpha", 0.2f));
            case "elu" -> out = g.node(layer, "Elu", List.of(x), KerasGraph.real("alpha", 1f));
            case "selu" -> out = g.node(layer, "Selu", List.of(x), KerasGraph.real("alpha", Activation.SELU_ALPHA),
                    KerasGraph.real("gamma", Activation.SELU_GAMMA));
            case "sigmoid" -> out = g.node(layer, "Sigmoid", List.of(x));
            case "tanh" -> out = g.node(layer, "Tanh", List.of(x));
            case "softplus" -> out = g.node(layer, "Softplus", List.of(x));
            case "softsign" -> out = g.node(layer, "Softsign", List.of(x));
            case "exponential" -> out = g.node(layer, "Exp", List.of(x));
            case "hard_sigmoid" -> out = hardSigmoid(g, layer, x, keras2);
            case "swish", "silu" -> out = g.node(layer, "Mul", List.of(x, g.node(layer, "Sigmoid", List.of(x))));
            case "hard_silu", "hard_swish" -> out = g.node(layer, "Mul", List.of(x, hardSigmoid(g, layer, x, false)));
            case "mish" -> out = g.node(layer, "Mul", List.of(x,
                    g.node(layer, "Tanh", List.of(g.node(layer, "Softplus", List.of(x))))));
            case "gelu" -> out = gelu(g, layer, x);
            case "softmax" -> out = g.node(layer, "Softmax", List.of(x),
                    KerasGraph.integer("axis", g.onnxAxis(v, -1, KerasConfig.place(layer))));
            case "log_softmax" -> out = g.node(layer, "LogSoftmax", List.of(x),
                    KerasGraph.integer("axis", g.onnxAxis(v, -1, KerasConfig.place(layer))));
            default -> throw new InputException(g.file(), KerasConfig.place(layer), "uses the activation '" + name
                    + "', which is not translated (translated: " + NAMES + "); save the model with one of those");
        }
        return v.as(out, v.shape());
    }

    /** Keras 3: relu6(x + 3) / 6; Keras 2: clip(0.2 x + 0.5, 0, 1). */
    private static String hardSigmoid(KerasGraph g, String layer, String x, boolean keras2) {
        return g.node(layer, "HardSigmoid", List.of(x), KerasGraph.real("alpha", keras2 ? 0.2f : 1f / 6),
                KerasGraph.real("beta", 0.5f));
    }

    /** Keras' gelu (approximate=False): x · (1 + erf(x / √2)) / 2. */
    private static String gelu(KerasGraph g, String layer, String x) {
        String scaled = g.node(layer, "Mul", List.of(x, g.floats(layer, "inv_sqrt2", new float[] {(float) (1 / Math.sqrt(2))})));
        String erf = g.node(layer, "Erf", List.of(scaled));
        String onePlus = g.node(layer, "Add", List.of(erf, g.floats(layer, "one", new float[] {1})));
        String times = g.node(layer, "Mul", List.of(x, onePlus));
        return g.node(layer, "Mul", List.of(times, g.floats(layer, "half", new float[] {0.5f})));
    }

    /** An activation layer (Activation, ReLU, LeakyReLU, ELU, Softmax, PReLU aside) on {@code v}. */
    static KerasGraph.Value layer(KerasGraph g, KerasConfig.Layer layer, KerasGraph.Value v, boolean keras2) {
        JsonObject c = layer.config();
        String name = layer.name();
        String x = v.name();
        switch (layer.kind()) {
            case "Activation":
                return apply(g, name, v, name(g, name, c.get("activation")), keras2);
            case "ReLU": {
                double threshold = KerasConfig.number(c, "threshold", 0);
                double slope = KerasConfig.number(c, "negative_slope", 0);
                JsonElement max = c.get("max_value");
                boolean capped = max != null && !max.isJsonNull();
                if (threshold != 0 || slope != 0 && capped) {
                    throw new InputException(g.file(), layer.place(), "is a ReLU with threshold " + threshold
                            + (capped ? ", max_value " + max : "") + " and negative_slope " + slope + "; only a "
                            + "ReLU with threshold 0 and either a max_value or a negative_slope is translated");
                }
                String out = capped ? g.node(name, "Clip", List.of(x, g.floats(name, "clip_min", new float[] {0}),
                        g.floats(name, "clip_max", new float[] {max.getAsFloat()})))
                        : slope != 0 ? g.node(name, "LeakyRelu", List.of(x), KerasGraph.real("alpha", (float) slope))
                        : g.node(name, "Relu", List.of(x));
                return v.as(out, v.shape());
            }
            case "LeakyReLU": {
                double alpha = c.has("negative_slope") ? KerasConfig.number(c, "negative_slope", 0.3)
                        : KerasConfig.number(c, "alpha", 0.3);
                return v.as(g.node(name, "LeakyRelu", List.of(x), KerasGraph.real("alpha", (float) alpha)), v.shape());
            }
            case "ELU":
                return v.as(g.node(name, "Elu", List.of(x), KerasGraph.real("alpha",
                        (float) KerasConfig.number(c, "alpha", 1.0))), v.shape());
            case "Softmax": {
                int axis = KerasConfig.axis(c);
                if (axis == 0) {
                    throw new InputException(g.file(), layer.place(), "is a Softmax over several axes "
                            + c.get("axis") + "; only one axis is translated");
                }
                return v.as(g.node(name, "Softmax", List.of(x), KerasGraph.integer("axis",
                        g.onnxAxis(v, axis, layer.place()))), v.shape());
            }
            default:
                throw new IllegalArgumentException(layer.kind());
        }
    }
}

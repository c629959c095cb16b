package org.odf2nna.keras;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.odf2nna.InputException;

/**
 * The one walk that writes a pruned model back into the layout of the user's own Keras file, for both writers: the
 * dense chain's ({@link KerasWriter}, values from a pruned {@code DenseNetwork}, {@link KerasChainSource}) and the
 * graph's ({@link KerasGraphWriter}, values from a pruned graph's initializers with the cleaning's folds undone). The
 * walk copies the config, decides what each layer is, writes its new width into the copy and its new values into the
 * datasets by HDF5 path, and records the input shapes that follow; where each layer's values come from is the
 * {@link Source}'s alone. How a bias, a folded BatchNormalization and the archive are written is
 * {@link KerasSameLayout}'s.
 */
final class KerasLayoutWalk {

    /** Where a walked layer's new values come from; each answer is null (or empty) where the layer stays as it is. */
    interface Source {

        /** The model's input shapes in the copied config, before the walk (the chain's width where inputs went). */
        default void modelInput(JsonObject root) {
        }

        /** Every layer walked, in order, before anything is asked about it (the graph finds its variables here). */
        default void enter(KerasConfig.Layer layer) {
        }

        /** A Dense, Conv1D, Conv2D or DepthwiseConv2D layer's width, kernel and bias. */
        Weighted weighted(KerasConfig.Layer layer);

        /** A BatchNormalization's values: its parameters, or the identity it became when folded. */
        BatchNorm batchNorm(KerasConfig.Layer layer);

        /** An adapted Normalization's datasets by path. */
        default Map<String, Object> normalization(KerasConfig.Layer layer) {
            return Map.of();
        }

        /** A Rescaling's scale and offset. */
        default Rescaling rescaling(KerasConfig.Layer layer) {
            return null;
        }
    }

    /**
     * A weighted layer's new values: its width ({@code units} of a Dense, {@code filters} of a Conv), its kernel in
     * Keras' layout at {@code kernelPath}, and its bias ({@link KerasSameLayout#bias}: at {@code biasPath}, or at
     * {@code addedBiasPath} with {@code use_bias} turned on where a layer without one now needs one).
     */
    record Weighted(int units, String kernelPath, Object kernel, String biasPath, String addedBiasPath, float[] bias,
            boolean float64) {
    }

    /** A BatchNormalization's new values. */
    sealed interface BatchNorm permits Parameters, Identity {
    }

    /** Still a BatchNormalization: each dataset's values, by path, in the file's order. */
    record Parameters(Map<String, Object> datasets) implements BatchNorm {
    }

    /**
     * Folded into the layer before it: the identity on its channels with {@code beta} ({@link
     * KerasSameLayout#identityBatchNorm}); {@code centered} false refuses it, a beta it cannot hold.
     */
    record Identity(String name, double epsilon, List<String> roles, List<String> paths, float[] beta,
            boolean float64, boolean centered) implements BatchNorm {
    }

    /** A Rescaling's constants; either may be null (left as it is). */
    record Rescaling(float[] scale, float[] offset) {
    }

    /** The written config (the whole model's, as {@code modelConfig}) and the new datasets by HDF5 path. */
    record Written(JsonObject root, Map<String, Object> replaced) {
    }

    private final KerasModel original;
    private final Source source;
    private final Map<String, Object> replaced = new LinkedHashMap<>();

    private KerasLayoutWalk(KerasModel original, Source source) {
        this.original = original;
        this.source = source;
    }

    /** Writes {@code original}'s config layers from {@code from} on (earlier ones stay) with {@code source}'s values. */
    static Written walk(KerasModel original, int from, Source source) {
        KerasLayoutWalk walk = new KerasLayoutWalk(original, source);
        JsonObject root = original.modelConfig().deepCopy();
        source.modelInput(root);
        JsonArray layers = root.getAsJsonObject("config").getAsJsonArray("layers");
        for (int i = from; i < layers.size(); i++) {
            KerasConfig.Layer layer = KerasConfig.layer(layers.get(i).getAsJsonObject(), i);
            source.enter(layer);
            walk.write(layer);
        }
        // The input shapes every layer records, from the widths just written: Keras builds the layers from them.
        KerasShapes.record(root, original.modelConfig());
        return new Written(root, walk.replaced);
    }

    private void write(KerasConfig.Layer layer) {
        switch (layer.kind()) {
            case "Conv2D", "Conv1D", "DepthwiseConv2D", "Dense" -> writeWeighted(layer, source.weighted(layer));
            case "BatchNormalization" -> writeBatchNorm(source.batchNorm(layer));
            case "Normalization" -> replaced.putAll(source.normalization(layer));
            case "Rescaling" -> writeRescaling(layer.config(), source.rescaling(layer));
            default -> {
            }
        }
    }

    private void writeWeighted(KerasConfig.Layer layer, Weighted w) {
        if (w == null) {
            return;
        }
        JsonObject config = layer.config();
        switch (layer.kind()) {
            case "Dense" -> config.addProperty("units", w.units());
            case "DepthwiseConv2D" -> {
            }
            default -> config.addProperty("filters", w.units());
        }
        replaced.put(w.kernelPath(), w.kernel());
        KerasSameLayout.bias(config, w.biasPath(), w.addedBiasPath(), w.bias(), w.float64(), replaced);
    }

    private void writeBatchNorm(BatchNorm bn) {
        if (bn instanceof Parameters p) {
            replaced.putAll(p.datasets());
        } else if (bn instanceof Identity id) {
            KerasSameLayout.identityBatchNorm(original.sourceFile().source(), id.name(), id.epsilon(), id.roles(),
                    id.paths(), id.beta(), id.float64(), replaced);
            if (!id.centered()) {
                throw InputException.usage(original.sourceFile().source() + ": layer '" + id.name()
                        + "' has center=False and was folded into a layer with a bias; write ONNX (-o NAME.onnx)");
            }
        }
    }

    private static void writeRescaling(JsonObject config, Rescaling r) {
        if (r == null) {
            return;
        }
        if (r.scale() != null) {
            config.add("scale", number(r.scale()));
        }
        if (r.offset() != null) {
            config.add("offset", number(r.offset()));
        }
    }

    /** One number as a number, several as an array. */
    private static JsonElement number(float[] v) {
        if (v.length == 1) {
            return new JsonPrimitive(v[0]);
        }
        JsonArray a = new JsonArray();
        for (float x : v) {
            a.add(x);
        }
        return a;
    }
}

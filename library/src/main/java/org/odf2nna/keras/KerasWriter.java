package org.odf2nna.keras;

import static org.odf2nna.keras.KerasArrays.matrix;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.jhdf.HdfFile;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.odf2nna.InputException;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;

/**
 * Writes a {@link DenseNetwork} as a {@code .keras} archive (config.json, metadata.json, model.weights.h5).
 *
 * <p>When the network came from a {@code .keras} file, the archive keeps that file's config (layer names,
 * activations, dtypes, initializers, everything but the widths: {@code units}, {@code build_config} input shapes)
 * and writes each weight to the dataset it was read from, with the new shape; the other entries and HDF5 groups
 * are copied, except the optimizer's state, whose slots had the old shapes (Keras warns that it skips loading it
 * and starts a fresh optimizer). BatchNormalization layers stay in the config with their new width and identity
 * parameters (their old statistics are folded into the dense weights). A {@code Dense(use_bias=False)} whose
 * folding gave it a bias gets {@code use_bias: true} and a bias dataset.
 *
 * <p>Otherwise (a legacy {@code .h5}, an ONNX model, a SavedModel) a new Keras 3 Sequential config is built:
 * an InputLayer and one Dense per layer (names kept when they came from Keras), the activation as the Dense's,
 * or as a separate layer when it has a parameter Keras' names cannot carry (LeakyReLU, ELU, ReLU with a maximum),
 * and the head as the last layer's activation ({@link SequentialConfig}).
 *
 * <p>What writing back into the user's layout means, it shares with {@link KerasGraphWriter} (a pruned graph written
 * back into the user's file): {@link KerasSameLayout}.
 */
public final class KerasWriter {

    private KerasWriter() {
    }

    /**
     * The .keras archive of {@code network}: in {@code original}'s layout when that is a .keras model with the
     * same layers and activations, else as a new Sequential config ({@code original} may be null).
     */
    public static byte[] write(KerasModel original, DenseNetwork network) {
        if (original != null && original.backbone() != null) {
            checkExpressible(original, network);
            return sameLayout(original, network);
        }
        if (!network.prefix().isEmpty()) {
            throw new IllegalArgumentException("a network with an input prefix cannot be written as Keras");
        }
        if (original != null && original.sourceFile().container() == KerasFiles.Container.KERAS_ZIP) {
            return sameLayout(original, network);
        }
        return SequentialConfig.fresh(network, original);
    }

    /**
     * Refuses, before any work is done, a network that cannot be written as Keras: an input prefix, or (for a new
     * config) an activation Keras has no name or layer for.
     */
    public static void checkExpressible(KerasModel original, DenseNetwork network) {
        if (original != null && original.backbone() != null) {
            checkBackbone(original, network);
            return;
        }
        if (!network.prefix().isEmpty()) {
            throw InputException.usage("the model has an input prefix (" + String.join(", ", network.prefix().operations())
                    + ") that a Keras file written by this tool cannot express; write ONNX instead");
        }
        if (original == null || original.sourceFile().container() != KerasFiles.Container.KERAS_ZIP) {
            for (DenseLayer layer : network.layers()) {
                SequentialConfig.kerasName(layer.activation());
            }
        }
    }

    /**
     * A model with a backbone is written in its own layout alone, the backbone's layers as they are: a .keras file
     * with a dense head read, whose first Dense layer keeps its inputs (the backbone's output).
     */
    private static void checkBackbone(KerasModel original, DenseNetwork network) {
        String source = original.sourceFile().source().toString();
        if (original.sourceFile().container() != KerasFiles.Container.KERAS_ZIP) {
            throw InputException.usage(source + " is a legacy .h5 with layers before its dense head; a Keras file is "
                    + "written back from a .keras only (model.save(\"model.keras\") in Keras 3), else write ONNX");
        }
        if (original.layout().dense().isEmpty()) {
            throw InputException.usage(source + " has no dense head at its end that this tool reads as a chain; its "
                    + "pruned model is written as ONNX only");
        }
        if (network.inputs() != original.network().inputs()
                || !network.prefix().operations().equals(original.network().prefix().operations())) {
            throw InputException.usage("the pruned model of " + source + " no longer reads the backbone's "
                    + original.network().inputs() + " outputs as they are (" + network.inputs() + " inputs, prefix "
                    + String.join(", ", network.prefix().operations()) + "); a Keras file keeps the backbone and the "
                    + "first Dense layer's inputs: sweep with every input kept, or write ONNX");
        }
    }

    // ---- the original's layout -----------------------------------------------------------------------

    private static byte[] sameLayout(KerasModel original, DenseNetwork network) {
        checkSameLayers(original.network(), network);
        // With a backbone, its layers are kept exactly as they are: the head alone changes.
        int from = original.backbone() == null ? 0 : original.backbone().headStart();
        JsonObject root = original.modelConfig().deepCopy();
        JsonObject config = root.getAsJsonObject("config");
        JsonArray layers = config.getAsJsonArray("layers");
        Map<Integer, Integer> denseAt = new HashMap<>();
        for (int k = 0; k < original.layout().dense().size(); k++) {
            denseAt.put(original.layout().dense().get(k).configIndex(), k);
        }
        Map<Integer, KerasModel.BatchNormBinding> batchNormAt = new HashMap<>();
        for (KerasModel.BatchNormBinding bn : original.layout().batchNorms()) {
            batchNormAt.put(bn.configIndex(), bn);
        }
        Map<String, Object> replaced = new LinkedHashMap<>();
        int width = network.inputs();
        for (int i = from; i < layers.size(); i++) {
            JsonObject lc = layers.get(i).getAsJsonObject().getAsJsonObject("config");
            Integer k = denseAt.get(i);
            if (k != null) {
                replaceDense(original.layout().dense().get(k), network.layer(k), lc, replaced);
                width = network.layer(k).units();
            }
            KerasModel.BatchNormBinding bn = batchNormAt.get(i);
            if (bn != null) {
                KerasSameLayout.identityBatchNorm(original.sourceFile().source(), bn.name(), bn.epsilon(), bn.roles(),
                        bn.paths(), new float[width], bn.float64(), replaced);
            }
        }
        if (from == 0 && network.inputs() != original.network().inputs()) {
            setModelInputWidth(root, network.inputs());
        }
        // Every other recorded input shape follows from the model's input and the widths just written.
        KerasShapes.record(root, original.modelConfig());
        try (HdfFile in = KerasSameLayout.weights(original)) {
            return KerasSameLayout.archive(original, in, root, replaced);
        }
    }

    /** The original's layout fits only a network with its layers, head and activations: pruning keeps those. */
    private static void checkSameLayers(DenseNetwork before, DenseNetwork network) {
        if (before.layers().size() != network.layers().size() || before.head() != network.head()) {
            throw new IllegalArgumentException("the network no longer has the original's layers or head");
        }
        for (int l = 0; l < network.layers().size(); l++) {
            if (!before.layer(l).activation().equals(network.layer(l).activation())) {
                throw new IllegalArgumentException("layer " + (l + 1) + " changed its activation");
            }
        }
    }

    /**
     * The model's input width (its inputs may have been pruned), where the config declares it: the input layers'
     * batch shapes (a Keras 2 first layer's too) and a Sequential's build shapes.
     */
    private static void setModelInputWidth(JsonObject root, int width) {
        JsonObject config = root.getAsJsonObject("config");
        for (JsonElement e : config.getAsJsonArray("layers")) {
            JsonObject lc = e.getAsJsonObject().getAsJsonObject("config");
            if (lc != null) {
                setLastDim(lc, "batch_shape", width);
                setLastDim(lc, "batch_input_shape", width);
            }
        }
        setLastDim(config, "build_input_shape", width);
        if (root.has("build_config") && root.get("build_config").isJsonObject()) {
            setLastDim(root.getAsJsonObject("build_config"), "input_shape", width);
        }
    }

    /** A Dense layer's units and weights from the pruned layer, with a bias added when it now needs one. */
    private static void replaceDense(KerasModel.DenseBinding binding, DenseLayer d, JsonObject lc,
            Map<String, Object> replaced) {
        lc.addProperty("units", d.units());
        replaced.put(binding.kernelPath(), matrix(d.weights(), d.inputs(), d.units(), binding.float64()));
        KerasSameLayout.bias(lc, binding.biasPath(), binding.varsGroup() + "/1", d.bias(), binding.float64(), replaced);
    }

    private static void setLastDim(JsonObject o, String key, int width) {
        JsonElement e = o.get(key);
        if (e != null && e.isJsonArray()) {
            JsonArray a = e.getAsJsonArray();
            if (a.size() >= 2 && !a.get(a.size() - 1).isJsonNull()) {
                a.set(a.size() - 1, new JsonPrimitive(width));
            }
        }
    }

}

package org.odf2nna.keras;

import static org.odf2nna.keras.KerasArrays.matrix;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.HashMap;
import java.util.Map;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;

/**
 * A pruned dense chain's values for {@link KerasLayoutWalk}: each Dense layer the chain was read from gets its pruned
 * layer's units, weights and bias (by the dense bindings of the original's layout), each BatchNormalization folded into
 * the chain the identity on its new width with beta 0 (its statistics live in the dense weights), and the model's
 * input width changes where inputs were pruned. Layers the chain was not read from stay as they are.
 */
final class KerasChainSource implements KerasLayoutWalk.Source {

    private final KerasModel original;
    private final DenseNetwork network;
    private final Map<Integer, Integer> denseAt = new HashMap<>();
    private final Map<Integer, KerasModel.BatchNormBinding> batchNormAt = new HashMap<>();
    /** The width of the layers walked so far: the inputs', then the last Dense layer's units. */
    private int width;

    KerasChainSource(KerasModel original, DenseNetwork network) {
        checkSameLayers(original.network(), network);
        this.original = original;
        this.network = network;
        for (int k = 0; k < original.layout().dense().size(); k++) {
            denseAt.put(original.layout().dense().get(k).configIndex(), k);
        }
        for (KerasModel.BatchNormBinding bn : original.layout().batchNorms()) {
            batchNormAt.put(bn.configIndex(), bn);
        }
        width = network.inputs();
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

    /** The config index the walk starts at: with a backbone, its layers are kept exactly as they are. */
    int from() {
        return original.backbone() == null ? 0 : original.backbone().headStart();
    }

    /**
     * The model's input width (its inputs may have been pruned), where the config declares it: the input layers'
     * batch shapes (a Keras 2 first layer's too) and a Sequential's build shapes. A backbone's inputs stay.
     */
    @Override
    public void modelInput(JsonObject root) {
        if (from() != 0 || network.inputs() == original.network().inputs()) {
            return;
        }
        JsonObject config = root.getAsJsonObject("config");
        for (JsonElement e : config.getAsJsonArray("layers")) {
            JsonObject lc = e.getAsJsonObject().getAsJsonObject("config");
            if (lc != null) {
                setLastDim(lc, "batch_shape", network.inputs());
                setLastDim(lc, "batch_input_shape", network.inputs());
            }
        }
        setLastDim(config, "build_input_shape", network.inputs());
        if (root.has("build_config") && root.get("build_config").isJsonObject()) {
            setLastDim(root.getAsJsonObject("build_config"), "input_shape", network.inputs());
        }
    }

    /** A Dense layer's units and weights from the pruned layer, with a bias added when it now needs one. */
    @Override
    public KerasLayoutWalk.Weighted weighted(KerasConfig.Layer layer) {
        Integer k = denseAt.get(layer.index());
        if (k == null) {
            return null;
        }
        KerasModel.DenseBinding binding = original.layout().dense().get(k);
        DenseLayer d = network.layer(k);
        width = d.units();
        return new KerasLayoutWalk.Weighted(d.units(), binding.kernelPath(),
                matrix(d.weights(), d.inputs(), d.units(), binding.float64()), binding.biasPath(),
                binding.varsGroup() + "/1", d.bias(), binding.float64());
    }

    /** A folded BatchNormalization: the identity on the width before it, beta 0. */
    @Override
    public KerasLayoutWalk.BatchNorm batchNorm(KerasConfig.Layer layer) {
        KerasModel.BatchNormBinding bn = batchNormAt.get(layer.index());
        if (bn == null) {
            return null;
        }
        return new KerasLayoutWalk.Identity(bn.name(), bn.epsilon(), bn.roles(), bn.paths(), new float[width],
                bn.float64(), true);
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

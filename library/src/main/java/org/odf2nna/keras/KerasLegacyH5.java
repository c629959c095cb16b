package org.odf2nna.keras;

import io.jhdf.WritableHdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.api.WritableGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A legacy Keras HDF5 file ({@code model.save("x.h5")}) written again with a new {@code model_config} and some
 * weights replaced: the root's attributes (Keras version, backend, training config) as they were, the
 * {@code model_weights} group copied with the replaced datasets, the optimizer's state left out (its slots had the old
 * shapes; Keras starts a fresh optimizer).
 *
 * <p>Keras reads {@code model_weights/<name>} for every name in the group's {@code layer_names} attribute. jhdf cannot
 * write an empty group ({@link KerasFileParts}), so a weightless layer's group is left out and its name taken out of
 * {@code layer_names}: Keras matches the layers with weights only, in order.
 *
 * <p>Keras (h5py) stores {@code model_config} as a variable-length string; jhdf 0.10 writes fixed-length strings only,
 * and reads back at most 59,546 bytes of one. The config is written as a placeholder and made variable-length
 * afterwards ({@link HdfVariableLengthString}), so a config of any size is written.
 */
final class KerasLegacyH5 {

    static final String MODEL_WEIGHTS = "model_weights";
    static final String MODEL_CONFIG = "model_config";

    /**
     * One layer's weights for a legacy file made from a .keras archive: the layer, and its variables' dataset paths in
     * the archive, in Keras' order.
     */
    record LayerVariables(KerasConfig.Layer layer, List<String> paths) {

        LayerVariables {
            paths = List.copyOf(paths);
        }
    }

    /**
     * The names Keras 3 gives a layer's variables, in order, as a legacy file's {@code weight_names} lists them
     * ({@code LAYER/kernel}); null for a layer class not listed here.
     */
    static List<String> variableNames(KerasConfig.Layer layer, int count) {
        com.google.gson.JsonObject c = layer.config();
        List<String> names = switch (layer.kind()) {
            case "Conv1D", "Conv2D", "Conv3D", "DepthwiseConv2D", "Dense", "Conv2DTranspose", "Conv1DTranspose" ->
                    List.of("kernel", "bias");
            case "BatchNormalization", "LayerNormalization" -> {
                List<String> n = new ArrayList<>();
                if (!c.has("scale") || c.get("scale").getAsBoolean()) {
                    n.add("gamma");
                }
                if (!c.has("center") || c.get("center").getAsBoolean()) {
                    n.add("beta");
                }
                if (layer.kind().equals("BatchNormalization")) {
                    n.add("moving_mean");
                    n.add("moving_variance");
                }
                yield n;
            }
            case "Normalization" -> List.of("mean", "variance", "count");
            case "Embedding" -> List.of("embeddings");
            default -> count == 0 ? List.of() : null;
        };
        if (names == null || names.size() < count) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (String n : names.subList(0, count)) {
            out.add(layer.name() + "/" + n);
        }
        return out;
    }

    /**
     * A legacy file of a .keras archive's model: {@code modelConfig}'s class and config, every layer's variables from
     * {@code in} (or {@code replaced}, removed from it) under {@code model_weights/LAYER/LAYER/NAME}; the config as
     * {@link HdfVariableLengthString#PLACEHOLDER} ({@link #withConfig} puts it in). The optimizer's state is not
     * written: Keras starts a fresh one.
     */
    static boolean fromKeras(Group in, WritableHdfFile out, List<LayerVariables> layers, Map<String, Object> replaced,
            String kerasVersion) {
        out.putAttribute("backend", "tensorflow");
        out.putAttribute("keras_version", kerasVersion);
        out.putAttribute(MODEL_CONFIG, HdfVariableLengthString.PLACEHOLDER);
        WritableGroup weights = out.putGroup(MODEL_WEIGHTS);
        weights.putAttribute("backend", "tensorflow");
        weights.putAttribute("keras_version", kerasVersion);
        List<String> named = new ArrayList<>();
        for (LayerVariables l : layers) {
            List<String> names = variableNames(l.layer(), l.paths().size());
            if (l.paths().isEmpty() || names == null) {
                continue;
            }
            named.add(l.layer().name());
            WritableGroup group = weights.putGroup(l.layer().name());
            group.putAttribute("weight_names", names.toArray(String[]::new));
            WritableGroup vars = group.putGroup(l.layer().name());
            for (int i = 0; i < names.size(); i++) {
                String path = l.paths().get(i);
                Object data = replaced.containsKey(path) ? replaced.remove(path) : in.getDatasetByPath(path).getData();
                vars.putDataset(names.get(i).substring(names.get(i).lastIndexOf('/') + 1), data);
            }
        }
        weights.putAttribute("layer_names", named.toArray(String[]::new));
        return true;
    }

    /** The file {@link #copy} wrote, with {@code modelConfig} as its config, a variable-length string. */
    static byte[] withConfig(byte[] written, String modelConfig) {
        return HdfVariableLengthString.replace(written, MODEL_CONFIG, modelConfig);
    }

    /**
     * Copies {@code in} to {@code out} with the datasets of {@code replaced} (removed from it), the config as
     * {@link HdfVariableLengthString#PLACEHOLDER}: {@link #withConfig} puts it in.
     */
    static boolean copy(Group in, WritableHdfFile out, Map<String, Object> replaced) {
        for (Map.Entry<String, Attribute> a : in.getAttributes().entrySet()) {
            out.putAttribute(a.getKey(), a.getKey().equals(MODEL_CONFIG) ? HdfVariableLengthString.PLACEHOLDER
                    : a.getValue().getData());
        }
        if (!(in.getChildren().get(MODEL_WEIGHTS) instanceof Group weights)) {
            throw new IllegalStateException("the HDF5 file has no " + MODEL_WEIGHTS + " group");
        }
        WritableGroup sub = out.putGroup(MODEL_WEIGHTS);
        for (Map.Entry<String, Attribute> a : weights.getAttributes().entrySet()) {
            Object value = a.getKey().equals("layer_names") ? withWeights(weights, a.getValue().getData(), replaced)
                    : a.getValue().getData();
            sub.putAttribute(a.getKey(), value);
        }
        boolean wrote = false;
        for (Map.Entry<String, Node> e : weights.getChildren().entrySet()) {
            String path = MODEL_WEIGHTS + "/" + e.getKey();
            if (!(e.getValue() instanceof Group layer) || !KerasFileParts.hasDatasets(layer, path, replaced)) {
                continue;
            }
            WritableGroup layerOut = sub.putGroup(e.getKey());
            for (Map.Entry<String, Attribute> a : layer.getAttributes().entrySet()) {
                Object value = a.getKey().equals("weight_names") ? named(a.getValue().getData(), path, replaced)
                        : a.getValue().getData();
                layerOut.putAttribute(a.getKey(), value);
            }
            wrote |= KerasFileParts.copyGroup(layer, layerOut, path, replaced, false);
        }
        return wrote;
    }

    /**
     * A layer's {@code weight_names} with the weights the writer adds after them (a bias the layer did not have:
     * {@code use_bias} turned on), in the order Keras lists a layer's weights: the kernel's first.
     */
    private static String[] named(Object weightNames, String layerPath, Map<String, Object> replaced) {
        List<String> names = new ArrayList<>();
        for (Object name : (Object[]) weightNames) {
            names.add(String.valueOf(name));
        }
        for (String key : replaced.keySet()) {
            String name = key.startsWith(layerPath + "/") ? key.substring(layerPath.length() + 1) : null;
            if (name != null && !names.contains(name)) {
                names.add(name);
            }
        }
        return names.toArray(String[]::new);
    }

    /** The names of {@code layerNames} whose groups hold datasets, in their order. */
    private static String[] withWeights(Group weights, Object layerNames, Map<String, Object> replaced) {
        List<String> kept = new ArrayList<>();
        for (Object name : (Object[]) layerNames) {
            String layer = String.valueOf(name);
            Node group = weights.getChildren().get(layer);
            if (group instanceof Group g && KerasFileParts.hasDatasets(g, MODEL_WEIGHTS + "/" + layer, replaced)) {
                kept.add(layer);
            }
        }
        return kept.toArray(String[]::new);
    }
}

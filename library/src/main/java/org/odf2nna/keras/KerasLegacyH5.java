package org.odf2nna.keras;

import io.jhdf.WritableHdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.api.WritableGroup;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.odf2nna.InputException;

/**
 * A legacy Keras HDF5 file ({@code model.save("x.h5")}) written again with a new {@code model_config} and some
 * weights replaced: the root's attributes (Keras version, backend, training config) as they were, the
 * {@code model_weights} group copied with the replaced datasets, the optimizer's state left out (its slots had the old
 * shapes; Keras starts a fresh optimizer).
 *
 * <p>Keras reads {@code model_weights/<name>} for every name in the group's {@code layer_names} attribute. jhdf cannot
 * write an empty group ({@link KerasWriter}), so a weightless layer's group is left out and its name taken out of
 * {@code layer_names}: Keras matches the layers with weights only, in order.
 *
 * <p>Keras (h5py) stores {@code model_config} as a variable-length string, its bytes in the file's global heap; jhdf
 * 0.10 writes strings of fixed length only, inside the attribute's message, whose size an object header holds in 16
 * bits. A config larger than {@link #MAX_CONFIG_BYTES} (MobileNetV2's is 143 kB) cannot be written; {@link #check}
 * refuses it before any work.
 */
final class KerasLegacyH5 {

    static final String MODEL_WEIGHTS = "model_weights";

    /**
     * The largest model_config written: jhdf 0.10 reads back a string attribute of up to 59,546 bytes it wrote (found
     * by bisection; a message's size is 16 bits and jhdf's writer spends more of it), so with a margin.
     */
    static final int MAX_CONFIG_BYTES = 50_000;

    /** Refuses, before any work, a legacy .h5 whose config is too large to write back ({@link #MAX_CONFIG_BYTES}). */
    static void check(KerasModel original) {
        int bytes = KerasWriter.GSON.toJson(original.modelConfig()).getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_CONFIG_BYTES) {
            throw InputException.usage(original.source() + ": its model_config is " + bytes + " bytes, more than the "
                    + MAX_CONFIG_BYTES + " an .h5 written by this tool holds (fixed-length HDF5 attributes); save it as "
                    + ".keras (keras.saving.load_model(\"model.h5\").save(\"model.keras\")) and prune that, or "
                    + "write ONNX (-o NAME.onnx)");
        }
    }

    private KerasLegacyH5() {
    }

    /** Copies {@code in} to {@code out} with {@code modelConfig} and the datasets of {@code replaced} (removed from it). */
    static boolean copy(Group in, WritableHdfFile out, String modelConfig, Map<String, Object> replaced) {
        for (Map.Entry<String, Attribute> a : in.getAttributes().entrySet()) {
            out.putAttribute(a.getKey(), a.getKey().equals("model_config") ? modelConfig : a.getValue().getData());
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
            if (!(e.getValue() instanceof Group layer) || !KerasWriter.hasDatasets(layer, path, replaced)) {
                continue;
            }
            WritableGroup layerOut = sub.putGroup(e.getKey());
            for (Map.Entry<String, Attribute> a : layer.getAttributes().entrySet()) {
                Object value = a.getKey().equals("weight_names") ? named(a.getValue().getData(), path, replaced)
                        : a.getValue().getData();
                layerOut.putAttribute(a.getKey(), value);
            }
            wrote |= KerasWriter.copyGroup(layer, layerOut, path, replaced, false);
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
            if (group instanceof Group g && KerasWriter.hasDatasets(g, MODEL_WEIGHTS + "/" + layer, replaced)) {
                kept.add(layer);
            }
        }
        return kept.toArray(String[]::new);
    }
}

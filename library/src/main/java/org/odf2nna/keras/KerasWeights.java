package org.odf2nna.keras;

import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.odf2nna.InputException;

/**
 * Where a Keras file keeps each layer's weight arrays, and reading them ({@link KerasReader}'s weights): a .keras
 * archive's {@code model.weights.h5} by layer group ({@code layers/dense/vars/0}, or Keras 2.15 on Windows'
 * {@code layers\\dense}), a legacy HDF5 file by each layer's {@code weight_names}.
 */
final class KerasWeights {

    private final Path file;
    private final KerasFiles.Container container;
    private final HdfFile weights;

    KerasWeights(Path file, KerasFiles.Container container, HdfFile weights) {
        this.file = file;
        this.container = container;
        this.weights = weights;
    }

    void checkFinite(Weight w, String place) {
        for (int k = 0; k < w.values.length; k++) {
            if (!Float.isFinite(w.values[k])) {
                throw new InputException(file, place, "has " + w.values[k] + " at index " + k + " of " + w.path);
            }
        }
    }

    /** A weight array: its HDF5 path, shape, values (float32) and whether the file stores it as float64. */
    record Weight(String path, int[] shape, float[] values, boolean float64) {
    }

    /**
     * {@link #of}, or none where the archive has no group for the layer: an operation Keras 3 serialises as a layer
     * (MobileNetV3's {@code x + 3.0}) holds no variables and has no group.
     */
    List<Weight> ofAny(String name, String groupName, String place) {
        try {
            return of(name, groupName, place);
        } catch (InputException e) {
            return List.of();
        }
    }

    /** The weight arrays of the layer {@code name} (its group {@code groupName} in a .keras archive). */
    List<Weight> of(String name, String groupName, String place) {
        return container == KerasFiles.Container.KERAS_ZIP ? zipWeights(name, groupName, place) : h5Weights(name, place);
    }

    private List<Weight> zipWeights(String name, String groupName, String place) {
        List<String> tried = new ArrayList<>();
        for (String candidate : new String[] {"layers/" + groupName, "layers\\" + groupName, "layers/" + name,
            "layers\\" + name}) {
            String vars = candidate + "/vars";
            tried.add(vars);
            Node node = find(candidate);
            if (!(node instanceof Group g)) {
                continue;
            }
            Node v = g.getChild("vars");
            if (!(v instanceof Group varsGroup)) {
                return List.of();
            }
            List<String> keys = new ArrayList<>(varsGroup.getChildren().keySet());
            keys.sort((x, y) -> Long.compare(index(x), index(y)));
            List<Weight> out = new ArrayList<>();
            for (String key : keys) {
                out.add(weight(varsGroup.getChild(key), vars.replace("/vars", "/vars/") + key, place));
            }
            return out;
        }
        throw new InputException(file, place, "has no weights in " + KerasReader.WEIGHTS_ENTRY + " (looked for " + String.join(", ", tried)
                + "; the file has " + weightGroups() + ")");
    }

    private String weightGroups() {
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, Node> e : weights.getChildren().entrySet()) {
            if (e.getKey().equals("layers") && e.getValue() instanceof Group g) {
                for (String child : g.getChildren().keySet()) {
                    names.add("layers/" + child);
                }
            } else if (e.getKey().startsWith("layers\\")) {
                names.add(e.getKey());
            }
        }
        return names.isEmpty() ? "no layer groups" : String.join(", ", names);
    }

    private Node find(String path) {
        if (path.startsWith("layers\\")) {
            return weights.getChildren().get(path);
        }
        Node layers = weights.getChildren().get("layers");
        if (!(layers instanceof Group g)) {
            return null;
        }
        return g.getChildren().get(path.substring("layers/".length()));
    }

    private static long index(String key) {
        try {
            return Long.parseLong(key);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    private List<Weight> h5Weights(String name, String place) {
        Group modelWeights = (Group) weights.getChild("model_weights");
        Node layerNode = modelWeights.getChildren().get(name);
        if (!(layerNode instanceof Group layerGroup)) {
            throw new InputException(file, place, "has no group model_weights/" + name + " in the HDF5 file (it has "
                    + String.join(", ", modelWeights.getChildren().keySet()) + ")");
        }
        Attribute names = layerGroup.getAttribute("weight_names");
        List<String> weightNames = new ArrayList<>();
        if (names != null && !names.isEmpty()) {
            Object data = names.getData();
            if (data instanceof String[] array) {
                weightNames.addAll(Arrays.asList(array));
            } else if (data instanceof String single) {
                weightNames.add(single);
            }
        }
        List<Weight> out = new ArrayList<>();
        for (String w : weightNames) {
            String path = "model_weights/" + name + "/" + w;
            Node node;
            try {
                node = layerGroup.getByPath(w);
            } catch (io.jhdf.exceptions.HdfException e) {
                node = null;
            }
            if (node == null) {
                throw new InputException(file, place, "lists the weight '" + w + "' in weight_names, but " + path
                        + " is not in the file");
            }
            out.add(weight(node, path, place));
        }
        return out;
    }

    private Weight weight(Node node, String path, String place) {
        if (!(node instanceof Dataset ds)) {
            throw new InputException(file, place, path + " is not a dataset");
        }
        if (ds.isScalar() && ds.getData() instanceof Number n) {
            // A layer's counter (Normalization's count): a scalar, which no translation reads as a weight.
            return new Weight(path, new int[0], new float[] {n.floatValue()}, false);
        }
        Class<?> type = ds.getJavaType();
        if (type != float.class && type != double.class) {
            throw new InputException(file, place, path + " holds " + type.getSimpleName() + " values; only float32 "
                    + "and float64 weights are read");
        }
        int[] shape = ds.getDimensions();
        Object flat = ds.isScalar() ? null : ds.getDataFlat();
        float[] values;
        if (flat instanceof float[] f) {
            values = f;
        } else if (flat instanceof double[] d) {
            values = new float[d.length];
            for (int k = 0; k < d.length; k++) {
                values[k] = (float) d[k];
            }
        } else {
            throw new InputException(file, place, path + " is a scalar, not a weight array");
        }
        return new Weight(path, shape, values, type == double.class);
    }

    /** The weight at {@code position}, or the one whose name ends in one of {@code suffixes} when names say. */
    Weight pick(List<Weight> w, String place, int position, String... suffixes) {
        for (Weight x : w) {
            String last = x.path.substring(x.path.lastIndexOf('/') + 1);
            for (String suffix : suffixes) {
                if (last.equals(suffix + ":0") || x.path.endsWith(suffix)) {
                    return x;
                }
            }
        }
        if (position >= w.size()) {
            throw new InputException(file, place, "has " + w.size() + " weight arrays (" + paths(w) + "); its "
                    + suffixes[0] + " is missing");
        }
        return w.get(position);
    }

    static String varsGroupOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }

    static String paths(List<Weight> w) {
        return w.isEmpty() ? "none" : String.join(", ", w.stream().map(Weight::path).toList());
    }
}

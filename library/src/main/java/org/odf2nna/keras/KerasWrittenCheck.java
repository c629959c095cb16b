package org.odf2nna.keras;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.jhdf.HdfFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Checks a written Keras file as Keras loads it: Keras builds each layer from the input shapes its config records and
 * then loads the weights into it, so the file is refused when a layer's recorded input shape ({@code build_config}, a
 * functional model's inbound tensors) is not what the layers before it give ({@link KerasShapes}), or when its weights'
 * shapes are not what its config and its input ask for. The writers call it on the temporary file, before it is moved
 * into place; this tool's own reader builds the layers from the weights alone and would not notice.
 */
public final class KerasWrittenCheck {

    private KerasWrittenCheck() {
    }

    /**
     * Refuses {@code written} (a .keras archive or a legacy .h5) with one line naming the layer and the two shapes
     * when Keras would not load it.
     */
    public static void verify(Path written) throws IOException {
        KerasFiles.Container container = KerasFiles.detect(written);
        if (container == null) {
            throw new IOException("the written file is neither a .keras archive nor an HDF5 file");
        }
        String problem;
        try {
            if (container == KerasFiles.Container.KERAS_ZIP) {
                try (ZipFile zip = new ZipFile(written.toFile())) {
                    JsonObject root = parse(entry(zip, KerasReader.CONFIG_ENTRY));
                    try (HdfFile h5 = HdfFile.fromBytes(entry(zip, KerasReader.WEIGHTS_ENTRY))) {
                        problem = problem(root, new KerasWeights(written, container, h5));
                    }
                }
            } else {
                try (HdfFile h5 = new HdfFile(written)) {
                    String config = h5.getAttribute("model_config") == null ? null
                            : KerasFileParts.attributeString(h5.getAttribute("model_config"));
                    if (config == null) {
                        throw new IOException("the written .h5 has no model_config");
                    }
                    problem = problem(parse(config.getBytes(StandardCharsets.UTF_8)),
                            new KerasWeights(written, container, h5));
                }
            }
        } catch (JsonParseException | io.jhdf.exceptions.HdfException e) {
            throw new IOException("the written Keras file does not read back: " + e.getMessage(), e);
        }
        if (problem != null) {
            throw new IOException("Keras would not load the written file: " + problem);
        }
    }

    /** The first disagreement in a model's config and weights, in words; null when there is none. */
    static String problem(JsonObject root, KerasWeights weights) {
        Map<String, long[]> outputs = new HashMap<>();
        Map<String, Integer> groups = new HashMap<>();
        for (KerasShapes.LayerShapes s : KerasShapes.walk(root)) {
            KerasConfig.Layer layer = s.layer();
            String problem = recordedProblem(s, outputs);
            if (problem == null) {
                // A .keras archive keeps a layer's variables in a group named by class order.
                String group = KerasReader.groupName(layer.kind(), groups);
                List<long[]> expected = KerasWeightShapes.expected(s);
                if (expected != null) {
                    problem = weightProblem(expected, weights.ofAny(layer.name(), group, layer.place()));
                }
            }
            if (problem != null) {
                return layer.place() + " (" + layer.kind() + ") " + problem;
            }
            if (s.output() != null) {
                outputs.put(layer.name(), s.output());
            }
        }
        return null;
    }

    /** Where a layer's recorded input shapes disagree with what the layers before it give. */
    private static String recordedProblem(KerasShapes.LayerShapes s, Map<String, long[]> outputs) {
        List<long[]> recorded = KerasShapes.recordedInputs(s.layer());
        for (int i = 0; i < recorded.size() && i < s.inputs().size(); i++) {
            if (!agree(recorded.get(i), s.inputs().get(i))) {
                return "has the input shape " + text(recorded.get(i)) + " in its build_config, but the layers before "
                        + "it give " + text(s.inputs().get(i));
            }
        }
        List<String> problems = new ArrayList<>();
        KerasShapes.eachInboundTensor(s.layer().json(), (name, tensor) -> {
            long[] given = outputs.get(name);
            if (problems.isEmpty() && given != null && tensor.get("shape").isJsonArray()) {
                long[] shape = KerasShapeRules.dims(tensor.getAsJsonArray("shape"));
                if (!agree(shape, given)) {
                    problems.add("reads '" + name + "' as " + text(shape) + " in its inbound_nodes, but that layer "
                            + "gives " + text(given));
                }
            }
        });
        return problems.isEmpty() ? null : problems.get(0);
    }

    private static String weightProblem(List<long[]> expected, List<KerasWeights.Weight> found) {
        if (found.size() != expected.size()) {
            return "has " + found.size() + " weight arrays where its config asks for " + expected.size();
        }
        for (int k = 0; k < expected.size(); k++) {
            int[] shape = found.get(k).shape();
            long[] actual = new long[shape.length];
            for (int i = 0; i < shape.length; i++) {
                actual[i] = shape[i];
            }
            if (!agreeExactly(expected.get(k), actual)) {
                return "has the weight " + found.get(k).path() + " of shape " + text(actual) + ", but its config and "
                        + "its input ask for " + text(expected.get(k));
            }
        }
        return null;
    }

    /** Two activation shapes agree where both know an axis (the batch axis aside). */
    static boolean agree(long[] a, long[] b) {
        if (a == null || b == null) {
            return true;
        }
        if (a.length != b.length) {
            return false;
        }
        for (int i = 1; i < a.length; i++) {
            if (a[i] >= 0 && b[i] >= 0 && a[i] != b[i]) {
                return false;
            }
        }
        return true;
    }

    /** A weight's shape agrees with the expected one in rank and in every axis the expected one knows. */
    private static boolean agreeExactly(long[] expected, long[] actual) {
        if (expected.length != actual.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] >= 0 && expected[i] != actual[i]) {
                return false;
            }
        }
        return true;
    }

    /** A shape as Keras prints it: {@code (None, 13, 13, 8)}. */
    static String text(long[] shape) {
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            b.append(i == 0 ? "" : ", ").append(shape[i] < 0 ? "None" : String.valueOf(shape[i]));
        }
        return b.append(shape.length == 1 ? ",)" : ")").toString();
    }

    private static byte[] entry(ZipFile zip, String name) throws IOException {
        ZipEntry e = zip.getEntry(name);
        if (e == null) {
            throw new IOException("the written archive has no " + name);
        }
        try (java.io.InputStream in = zip.getInputStream(e)) {
            return KerasFileParts.readAll(in);
        }
    }

    private static JsonObject parse(byte[] json) {
        return JsonParser.parseString(new String(json, StandardCharsets.UTF_8)).getAsJsonObject();
    }
}

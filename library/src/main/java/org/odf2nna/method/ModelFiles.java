package org.odf2nna.method;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.odf2nna.InputException;
import org.odf2nna.keras.KerasModel;
import org.odf2nna.keras.KerasReader;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.OnnxModelBuilder;
import org.odf2nna.settings.ModelFormat;

/**
 * Opens a model of either format as an {@link OnnxDenseModel}, the form every command works on.
 *
 * <p>Every format goes through {@link ModelReader}, which gives the cleaned graph. An ONNX file is read as it is
 * (then cleaned). A SavedModel directory is read into a {@code DenseNetwork} with
 * TensorFlow Java (checked against its own serving signature), then written as a new ONNX graph with
 * {@link OnnxModelBuilder}; ONNX Runtime then scores and evaluates it like any ONNX model, and the
 * checks on the ONNX side tie it back to the SavedModel's own outputs. A Keras file ({@code .keras} or
 * {@code .h5}, recognised by its content) is read the same way, with {@link KerasReader}.
 */
public final class ModelFiles {

    /** Metadata key recording where a model built from another format came from. */
    public static final String SOURCE_METADATA = "odf2nna.source";

    private ModelFiles() {
    }

    public static ModelFormat formatOf(Path model) {
        if (Files.isDirectory(model)) {
            if (!Files.exists(model.resolve("saved_model.pb")) && !Files.exists(model.resolve("saved_model.pbtxt"))) {
                throw new InputException(model, null, "is a directory but not a TensorFlow SavedModel (no "
                        + "saved_model.pb); give an ONNX file or a SavedModel directory");
            }
            return ModelFormat.SAVEDMODEL;
        }
        return KerasReader.isKerasFile(model) ? ModelFormat.KERAS : ModelFormat.ONNX;
    }

    /** The model's dense chain, read from the one graph every command sees ({@link ModelReader}: cleaned). */
    public static OnnxDenseModel read(Path model) {
        return DenseChainReader.read(ModelReader.read(model).graph(), model);
    }

    /** The Keras model when {@code model} is a Keras file, else null. */
    public static KerasModel readKeras(Path model) {
        if (formatOf(model) != ModelFormat.KERAS) {
            return null;
        }
        Object key = keyOf(model);
        synchronized (ModelFiles.class) {
            Object[] cached = lastKeras.get();
            if (key != null && cached != null && cached[0].equals(key)) {
                return (KerasModel) cached[1];
            }
        }
        KerasModel read = KerasReader.read(model);
        if (key != null) {
            synchronized (ModelFiles.class) {
                lastKeras = new java.lang.ref.SoftReference<>(new Object[] {key, read});
            }
        }
        return read;
    }

    /** The last Keras file read and its model, kept while the file is unchanged (a command reads it several times). */
    private static java.lang.ref.SoftReference<Object[]> lastKeras = new java.lang.ref.SoftReference<>(null);

    /** A file's path, size and modification time, or null when it changed in the last two seconds or is unreadable. */
    private static Object keyOf(Path model) {
        try {
            java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(model,
                    java.nio.file.attribute.BasicFileAttributes.class);
            if (a.lastModifiedTime().toMillis() > System.currentTimeMillis() - 2000) {
                return null;
            }
            return java.util.List.of(model.toAbsolutePath().normalize().toString(), a.size(),
                    a.lastModifiedTime().toString());
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /** A Keras model as the ONNX graph every command works on (Gemm and activation nodes). */
    public static OnnxDenseModel asOnnx(KerasModel keras) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(SOURCE_METADATA, keras.describe() + " " + keras.sourceFile().source().getFileName());
        return DenseChainReader.read(kerasGraph(keras, metadata), keras.sourceFile().source());
    }

    /** A Keras model's graph: its dense chain as Gemm nodes, or with a backbone the translated model. */
    static org.odf2nna.onnx.proto.OnnxProto.ModelProto kerasGraph(KerasModel keras, Map<String, String> metadata) {
        if (keras.backbone() != null) {
            // Layers before the dense head: the translated graph, read as an ONNX export is (a kept prefix, a chain).
            org.odf2nna.onnx.proto.OnnxProto.ModelProto.Builder graph = keras.backbone().graph().toBuilder();
            metadata.forEach((k, v) -> graph.addMetadataProps(org.odf2nna.onnx.proto.OnnxProto.StringStringEntryProto
                    .newBuilder().setKey(k).setValue(v)));
            return graph.build();
        }
        // Nodes named after the Keras layers (dense_6/Gemm), so that every table names the layers as the file does.
        return OnnxModelBuilder.build(keras.network(), keras.inputName(), "output", metadata, keras.layerNames());
    }

    /**
     * The JSON sidecar beside a model, {@code NAME.json} next to {@code NAME.onnx} (or next to a SavedModel folder
     * {@code NAME}), as training scripts write them; whether it exists or not.
     */
    public static Path sidecar(Path model) {
        String name = model.getFileName() == null ? "" : model.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return model.resolveSibling((dot > 0 && !Files.isDirectory(model) ? name.substring(0, dot) : name) + ".json");
    }

    /**
     * The test metric {@code key} ("accuracy", "mse") that the sidecar records as {@code {"test_metrics": {key: x}}},
     * or null when there is no sidecar, it records none, or it is not JSON (a sidecar is not ours to judge).
     */
    public static Double sidecarTestMetric(Path model, String key) {
        Path file = sidecar(model);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            com.google.gson.JsonElement root = com.google.gson.JsonParser.parseString(Files.readString(file));
            if (!root.isJsonObject() || !root.getAsJsonObject().has("test_metrics")
                    || !root.getAsJsonObject().get("test_metrics").isJsonObject()) {
                return null;
            }
            com.google.gson.JsonElement value = root.getAsJsonObject().getAsJsonObject("test_metrics").get(key);
            return value != null && value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber()
                    ? value.getAsDouble() : null;
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    /** {@code serving_default_dense_input:0} → {@code dense_input}: the Keras input's own name. */
    static String inputName(String servingTensor) {
        String name = servingTensor;
        int colon = name.lastIndexOf(':');
        if (colon > 0) {
            name = name.substring(0, colon);
        }
        if (name.startsWith("serving_default_")) {
            name = name.substring("serving_default_".length());
        }
        return name.isEmpty() ? "input" : name;
    }
}

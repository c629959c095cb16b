package org.odf2nna.method;

import java.io.IOException;
import java.lang.ref.SoftReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongSupplier;
import org.odf2nna.keras.KerasModel;
import org.odf2nna.keras.KerasReader;
import org.odf2nna.onnx.OnnxModelBuilder;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.cleaning.Cleaned;
import org.odf2nna.onnx.cleaning.ModelCleaner;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.settings.ModelFormat;
import org.odf2nna.onnx.proto.OnnxProto.StringStringEntryProto;
import org.odf2nna.tf.SavedModelDense;
import org.odf2nna.tf.SavedModelGraph;
import org.odf2nna.tf.SavedModelReader;

/**
 * The one way a command reads its input model: a reader per format gives an ONNX graph ({@link #graphOf}), the
 * cleaning pass ({@link ModelCleaner}) takes out what computes nothing and folds affine chains into their layers, and
 * every command works on that one cleaned graph, so that they all see the same model. The last read is kept (softly)
 * while its file is unchanged, since a command reads its input several times (a file written in the last two seconds
 * is read each time).
 *
 * <p>Files the tool itself wrote are read back with {@link OnnxModelFile#read} instead, exactly as written.
 */
public final class ModelReader {

    private static SoftReference<Cached> last = new SoftReference<>(null);
    /** The cleaning passes turned off for every read of this process ({@link #turnOffCleaning}). */
    private static volatile Set<String> cleaningOff = Set.of();

    private ModelReader() {
    }

    /**
     * Turns the named cleaning passes ({@link ModelCleaner#PASS_NAMES}) off for every read from here on, or, given
     * none, turns them all on again: one choice for the whole process, so that every command of a run reads the
     * same model.
     *
     * @throws IllegalArgumentException when a name is not a pass's
     */
    public static void turnOffCleaning(Collection<String> passes) {
        for (String name : passes) {
            if (!ModelCleaner.PASS_NAMES.contains(name)) {
                throw new IllegalArgumentException("no cleaning pass " + name + " (the passes: "
                        + String.join(", ", ModelCleaner.PASS_NAMES) + ")");
            }
        }
        synchronized (ModelReader.class) {
            cleaningOff = Set.copyOf(passes);
            last = new SoftReference<>(null);
        }
    }

    /** The cleaning passes turned off for this process's reads, in the passes' order. */
    public static List<String> cleaningOff() {
        Set<String> off = cleaningOff;
        return ModelCleaner.PASS_NAMES.stream().filter(off::contains).toList();
    }

    /**
     * @param model an ONNX file, a Keras file ({@code .keras}, {@code .h5}) or a SavedModel folder; never modified
     * @throws org.odf2nna.InputException when it cannot be read
     */
    public static InputModel read(Path model) {
        return read(model, System::currentTimeMillis);
    }

    /** {@link #read(Path)} with the wall clock a file's modification time is compared with (a test's fixed one). */
    static InputModel read(Path model, LongSupplier wallMillis) {
        Object key = fileKey(model, wallMillis);
        synchronized (ModelReader.class) {
            Cached cached = last.get();
            if (key != null && cached != null && cached.key.equals(key)) {
                return cached.model;
            }
        }
        ModelFormat format = ModelFiles.formatOf(model);
        Produced produced = graphOf(model, format);
        Cleaned cleaned = ModelCleaner.clean(produced.graph(), model, cleaningOff);
        InputModel read = new InputModel(model, format, produced.description(), cleaned.model(), cleaned.steps(),
                cleaned.notes());
        if (key != null) {
            synchronized (ModelReader.class) {
                last = new SoftReference<>(new Cached(key, read));
            }
        }
        return read;
    }

    /**
     * Lets go of the model kept for a next read of {@code model} when it holds {@code graph}: a caller that holds
     * the model in another form from here on (a wide model's weights are hundreds of MB), so that it is not held
     * twice; a later read reads the file again.
     */
    static void forget(Path model, org.odf2nna.onnx.proto.OnnxProto.ModelProto graph) {
        synchronized (ModelReader.class) {
            Cached cached = last.get();
            if (cached != null && cached.model.graph() == graph) {
                last = new SoftReference<>(null);
            }
        }
    }

    /** The graph of a model as its format's reader gives it, before cleaning: one route per format. */
    static Produced graphOf(Path model, ModelFormat format) {
        return switch (format) {
            case ONNX -> onnx(model);
            case KERAS -> keras(model);
            case SAVEDMODEL -> savedModel(model);
        };
    }

    /** An ONNX file, as it is. */
    private static Produced onnx(Path model) {
        ModelProto proto = OnnxModelFile.read(model);
        long opset = proto.getOpsetImportList().stream().filter(o -> o.getDomain().isEmpty()
                || o.getDomain().equals("ai.onnx")).mapToLong(o -> o.getVersion()).findFirst().orElse(0);
        String producer = (proto.getProducerName() + " " + proto.getProducerVersion()).trim();
        return new Produced(proto, "ONNX IR " + proto.getIrVersion() + ", opset " + opset
                + (producer.isEmpty() ? "" : ", producer " + producer));
    }

    /** A Keras file: its dense chain as a new graph (Gemm and activation nodes named after the Keras layers). */
    private static Produced keras(Path model) {
        KerasModel keras = KerasReader.read(model);
        String description = keras.describe() + " " + keras.sourceFile().source().getFileName();
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(ModelFiles.SOURCE_METADATA, description);
        if (keras.backbone() != null) {
            // Where the graph came from, so that a pruned ONNX of it converts back to .keras (KerasGraphOutput).
            metadata.put(KerasGraphOutput.FILE_METADATA, model.toAbsolutePath().normalize().toString());
            metadata.put(KerasGraphOutput.HASH_METADATA, KerasGraphOutput.sha256(model));
        }
        return new Produced(ModelFiles.kerasGraph(keras, metadata), description);
    }

    /**
     * A SavedModel folder: Keras 3's (no layer metadata, a serving function over TF2 functions) as its serving
     * function's graph translated into ONNX ({@link SavedModelGraph}); others as their dense chain; either checked
     * against the serving signature.
     */
    private static Produced savedModel(Path model) {
        if (SavedModelGraph.appliesTo(model)) {
            String description = "TensorFlow SavedModel " + model.getFileName() + " (serving function translated)";
            return new Produced(SavedModelGraph.read(model).toBuilder().addMetadataProps(StringStringEntryProto
                    .newBuilder().setKey(ModelFiles.SOURCE_METADATA).setValue(description)).build(), description);
        }
        SavedModelDense saved = SavedModelReader.read(model);
        String description = "TensorFlow SavedModel " + model.getFileName();
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(ModelFiles.SOURCE_METADATA, description);
        return new Produced(OnnxModelBuilder.build(saved.network(), ModelFiles.inputName(saved.servingInput()),
                "output", metadata), description);
    }

    /** A file written this recently may be written again within the file system's timestamp resolution. */
    private static final long SETTLED_MILLIS = 2000;

    /**
     * A regular file's identity and state, so that a rewritten file is read again; null (not kept) for a folder, and
     * for a file modified in the last {@link #SETTLED_MILLIS} (as git treats a "racy" file: a rewrite of the same
     * size within one timestamp tick would look unchanged).
     */
    private static Object fileKey(Path model, LongSupplier wallMillis) {
        try {
            BasicFileAttributes a = Files.readAttributes(model, BasicFileAttributes.class);
            if (!a.isRegularFile() || a.lastModifiedTime().toMillis() > wallMillis.getAsLong() - SETTLED_MILLIS) {
                return null;
            }
            return java.util.List.of(model.toAbsolutePath().normalize().toString(), a.size(),
                    a.lastModifiedTime().toString(), Objects.toString(a.fileKey()));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** What a format's reader gives: the graph and a line saying what it was read from. */
    record Produced(ModelProto graph, String description) {
    }

    private record Cached(Object key, InputModel model) {
    }
}

package org.odf2nna.keras;

import static org.odf2nna.keras.DenseFolds.compose;
import static org.odf2nna.keras.DenseFolds.foldInputAffine;
import static org.odf2nna.keras.DenseFolds.foldOutputAffine;
import static org.odf2nna.keras.KerasConfig.number;
import static org.odf2nna.keras.KerasConfig.string;
import static org.odf2nna.keras.KerasFileParts.attributeString;
import static org.odf2nna.keras.KerasFileParts.firstLine;
import static org.odf2nna.keras.KerasFileParts.names;
import static org.odf2nna.keras.KerasFileParts.readAll;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;

import io.jhdf.api.Group;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.odf2nna.InputException;
import org.odf2nna.keras.DenseFolds.Affine;
import org.odf2nna.keras.DenseFolds.Pending;
import org.odf2nna.keras.KerasWeights.Weight;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.InputPrefix;
import org.odf2nna.network.OutputHead;

/**
 * Reads a Keras model file ({@code .keras} zip of Keras 2.13+ and 3.x, or the legacy HDF5 {@code .h5}) into a
 * {@link KerasModel}: the layer list and settings from the JSON config (Gson), the weights from HDF5 (jhdf,
 * pure Java).
 *
 * <p>Where the weights are, as real files have them: a Keras 3 {@code model.weights.h5} names each layer's group
 * by class and position among the model's layers ({@code layers/dense}, {@code layers/dense_1}, ... whatever the
 * config calls the layer, e.g. {@code dense_6}), with the variables as datasets {@code vars/0}, {@code vars/1};
 * Keras 2.15 on Windows wrote the same group as one root-level name {@code layers\dense}; a legacy HDF5 file lists
 * each layer's datasets in the {@code weight_names} attribute of {@code model_weights/<layer name>}.
 *
 * <p>Read: Sequential models (and functional models whose layers form one chain) of InputLayer, Dense,
 * Dropout-like layers, Flatten, the activation layers and BatchNormalization (folded into the dense weights next to
 * it). Softmax, log_softmax or sigmoid on the last layer become the {@link OutputHead}.
 */
public final class KerasReader {

    static final String WEIGHTS_ENTRY = "model.weights.h5";
    static final String CONFIG_ENTRY = "config.json";
    static final String METADATA_ENTRY = "metadata.json";
    /** A .keras archive larger than this is refused before it is read into memory. */
    static final long MAX_BYTES = 1L << 30;

    static final String SUPPORTED_LAYERS = "only dense chains are read (InputLayer, Dense, Dropout, Flatten, "
            + "BatchNormalization, and the activation layers Activation, ReLU, LeakyReLU, ELU, Softmax)";

    private final Path file;
    private final KerasFiles.Container container;
    private HdfFile weights;
    /** The config's reading (set when the Keras version is known). */
    private KerasConfig keras;

    private KerasReader(Path file, KerasFiles.Container container) {
        this.file = file;
        this.container = container;
    }

    /** The weights of the file read (the HDF5 part open by then). */
    private KerasWeights weightFile() {
        return new KerasWeights(file, container, weights);
    }

    /** Whether {@code file} is a Keras model file by its content (a zip or an HDF5 file). */
    public static boolean isKerasFile(Path file) {
        return KerasFiles.detect(file) != null;
    }

    public static KerasModel read(Path file) {
        KerasFiles.Container container = KerasFiles.detect(file);
        if (container == null) {
            throw new InputException(file, null, "is neither a .keras archive (zip) nor an HDF5 file");
        }
        KerasReader reader = new KerasReader(file, container);
        try {
            return container == KerasFiles.Container.KERAS_ZIP ? reader.readZip() : reader.readH5();
        } catch (io.jhdf.exceptions.HdfException e) {
            throw new InputException(file, container == KerasFiles.Container.KERAS_ZIP ? WEIGHTS_ENTRY : null,
                    "is not a readable HDF5 file (" + firstLine(e.getMessage()) + ")", e);
        } finally {
            if (reader.weights != null) {
                reader.weights.close();
            }
        }
    }

    // ---- containers ---------------------------------------------------------------------------------

    private KerasModel readZip() {
        List<KerasModel.ZipPart> parts = new ArrayList<>();
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new InputException(file, null, "is " + size + " bytes; .keras files over 1 GiB are not read");
            }
            try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(file))) {
                ZipEntry entry;
                Set<String> seen = new LinkedHashSet<>();
                while ((entry = zip.getNextEntry()) != null) {
                    if (!seen.add(entry.getName())) {
                        throw new InputException(file, entry.getName(), "appears twice in the archive");
                    }
                    parts.add(new KerasModel.ZipPart(entry.getName(), readAll(zip)));
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new InputException(file, null, "is not a readable zip archive (" + firstLine(e.getMessage()) + ")", e);
        }
        Map<String, byte[]> byName = new HashMap<>();
        for (KerasModel.ZipPart p : parts) {
            byName.put(p.name(), p.bytes());
        }
        if (!byName.containsKey(CONFIG_ENTRY)) {
            throw new InputException(file, null, "is a zip archive but not a Keras model: it has no " + CONFIG_ENTRY
                    + (parts.isEmpty() ? " (it is empty)" : " (it holds " + names(parts) + ")"));
        }
        if (!byName.containsKey(WEIGHTS_ENTRY)) {
            throw new InputException(file, null, "is a Keras archive without " + WEIGHTS_ENTRY
                    + "; only models saved with their weights can be read");
        }
        String version = "";
        if (byName.containsKey(METADATA_ENTRY)) {
            JsonObject metadata = parseObject(new String(byName.get(METADATA_ENTRY), StandardCharsets.UTF_8),
                    METADATA_ENTRY);
            version = string(metadata, "keras_version", "");
        }
        JsonObject config = parseObject(new String(byName.get(CONFIG_ENTRY), StandardCharsets.UTF_8), CONFIG_ENTRY);
        weights = HdfFile.fromBytes(byName.get(WEIGHTS_ENTRY));
        return build(config, version, parts);
    }

    private KerasModel readH5() {
        weights = new HdfFile(file);
        Attribute configAttribute = weights.getAttribute("model_config");
        if (configAttribute == null) {
            boolean weightsOnly = weights.getChildren().containsKey("layer_names") || weights.getAttribute("layer_names") != null;
            throw new InputException(file, null, "is an HDF5 file but not a Keras model: it has no 'model_config' "
                    + "attribute" + (weightsOnly ? " (a weights-only file from save_weights(); save the model with "
                    + "model.save())" : ""));
        }
        String json = attributeString(configAttribute);
        if (json == null) {
            throw new InputException(file, "attribute 'model_config'", "is not a string");
        }
        Attribute versionAttribute = weights.getAttribute("keras_version");
        String version = versionAttribute == null ? "" : String.valueOf(attributeString(versionAttribute));
        if (!(weights.getChild("model_weights") instanceof Group)) {
            throw new InputException(file, null, "is a Keras HDF5 file without a 'model_weights' group; only models "
                    + "saved with their weights can be read");
        }
        return build(parseObject(json, "attribute 'model_config'"), version, null);
    }

    // ---- layers -------------------------------------------------------------------------------------

    private KerasModel build(JsonObject root, String version, List<KerasModel.ZipPart> parts) {
        keras = new KerasConfig(file, version);
        String className = string(root, "class_name", "");
        JsonElement config = root.get("config");
        keras.checkModelClass(className);
        boolean sequential = className.equals("Sequential");
        List<JsonObject> layers = keras.layerList(className, config);
        if (KerasBackbone.needed(layers)) {
            return KerasHeadReader.read(this, root, config != null && config.isJsonObject() ? config.getAsJsonObject()
                    : new JsonObject(), layers, sequential, version, parts);
        }
        if (!sequential) {
            checkChain(layers, config.isJsonObject() ? config.getAsJsonObject() : new JsonObject());
        }
        Chain chain = new Chain(sequential);
        keras.walk(layers, chain);
        chain.checkComplete();
        return assemble(chain.dense, chain.batchNorms, chain.folds, version, root, chain.inputName, parts);
    }

    /**
     * The group a .keras file keeps a layer's variables in: class name in snake case, numbered among the model's
     * layers of that class (a Sequential's own InputLayer is not one of its layers, so it has none). Counts it in
     * {@code classCounts}.
     */
    static String groupName(String kind, Map<String, Integer> classCounts) {
        String base = snakeCase(kind);
        int n = classCounts.merge(base, 1, Integer::sum) - 1;
        return n == 0 ? base : base + "_" + n;
    }

    /**
     * The dense chain as the layers are read in order: each Dense with the activations that follow it, and the
     * BatchNormalization layers folded into the Dense before (when no activation lies between) or after them.
     */
    private final class Chain implements KerasConfig.ChainWalk {
        final List<Pending> dense = new ArrayList<>();
        final List<KerasModel.BatchNormBinding> batchNorms = new ArrayList<>();
        final List<KerasModel.Fold> folds = new ArrayList<>();
        /** BatchNormalizations after an activation, composed: they wait to fold into the next Dense's inputs. */
        Affine waiting;
        final List<String> waitingNames = new ArrayList<>();
        /** The width of the last layer read, or -1 while unknown. */
        int width = -1;
        final boolean sequential;
        final Map<String, Integer> classCounts = new HashMap<>();
        /** The width the model's first layers declare, or -1 while none has. */
        int inputWidth = -1;
        String inputName = "input";
        /** The weight group of the layer being read. */
        String groupName;

        Chain(boolean sequential) {
            this.sequential = sequential;
        }

        /** A dense head after a backbone whose layers counted {@code counts} weight groups by class. */
        Chain(boolean sequential, Map<String, Integer> counts) {
            this.sequential = sequential;
            classCounts.putAll(counts);
        }

        @Override
        public void layer(KerasConfig.Layer layer) {
            checkNotCustom(layer.json(), layer.kind(), layer.place());
            groupName = sequential && layer.kind().equals("InputLayer") ? null : groupName(layer.kind(), classCounts);
            int declared = declaredInputWidth(layer.config(), layer.place());
            if (declared > 0 && dense.isEmpty() && inputWidth < 0) {
                inputWidth = declared;
                width = declared;
            }
            if (layer.kind().equals("InputLayer")) {
                inputName = layer.name();
            }
        }

        @Override
        public void dense(KerasConfig.Layer layer) {
            if (waiting != null && width < 0) {
                throw new InputException(file, layer.place(), "follows a BatchNormalization whose width is unknown");
            }
            Pending d = readDense(layer.index(), layer.name(), groupName, layer.config(), layer.place(), width);
            if (waiting != null) {
                foldInputAffine(d, waiting);
                waiting = null;
                for (String bnName : waitingNames) {
                    folds.add(new KerasModel.Fold(bnName, layer.name(), true));
                }
                waitingNames.clear();
            }
            dense.add(d);
            width = d.units;
        }

        @Override
        public void other(KerasConfig.Layer layer) {
            if (!layer.kind().equals("BatchNormalization")) {
                throw new InputException(file, layer.place(), unsupportedLayer(layer.kind()));
            }
            if (width < 0) {
                throw new InputException(file, layer.place(), "is a BatchNormalization before any layer that gives the "
                        + "input width; add an InputLayer");
            }
            BatchNorm bn = readBatchNorm(layer.index(), layer.name(), groupName, layer.config(), layer.place(), width);
            batchNorms.add(bn.binding);
            Pending last = dense.isEmpty() ? null : dense.get(dense.size() - 1);
            if (last != null && last.steps.isEmpty() && waiting == null) {
                foldOutputAffine(last, bn.affine);
                folds.add(new KerasModel.Fold(layer.name(), last.binding.name(), false));
            } else {
                waiting = waiting == null ? bn.affine : compose(waiting, bn.affine);
                waitingNames.add(layer.name());
            }
        }

        @Override
        public void step(KerasConfig.Layer layer, KerasConfig.Step step) {
            if (dense.isEmpty() || waiting != null) {
                throw new InputException(file, layer.place(), "applies " + step.keras() + (dense.isEmpty()
                        ? " before the first Dense layer" : " after a BatchNormalization that follows an activation")
                        + "; not a dense chain this tool can read");
            }
            dense.get(dense.size() - 1).steps.add(step);
        }

        void checkComplete() {
            if (waiting != null) {
                throw new InputException(file, KerasConfig.place(batchNorms.get(batchNorms.size() - 1).name()),
                        "is a BatchNormalization after the last Dense layer's activation; it cannot be folded into a "
                        + "Dense layer");
            }
        }
    }

    /** The file being read. */
    Path file() {
        return file;
    }

    KerasWeights weights() {
        return weightFile();
    }

    KerasFiles.Container container() {
        return container;
    }

    /**
     * The dense head from config index {@code start} on, read as a dense chain (BatchNormalization folded, the
     * activations and the output head as today) and assembled as a model of its own (no prefix).
     */
    KerasModel readHead(List<JsonObject> layers, int start, Map<String, Integer> counts, boolean sequential,
            String version, JsonObject root, String inputName, List<KerasModel.ZipPart> parts) {
        keras = new KerasConfig(file, version);
        Chain chain = new Chain(sequential, counts);
        keras.walk(layers, start, chain);
        chain.checkComplete();
        return assemble(chain.dense, chain.batchNorms, chain.folds, version, root, inputName, parts);
    }

    private String unsupportedLayer(String kind) {
        if (kind.equals("Lambda")) {
            return "is a Lambda layer (Python code inside the model), which cannot be read; " + SUPPORTED_LAYERS;
        }
        if (kind.equals("Sequential") || kind.equals("Functional") || kind.equals("Model")) {
            return "is a nested " + kind + " model; flatten it into one Sequential model; " + SUPPORTED_LAYERS;
        }
        return "is a " + kind + " layer; " + SUPPORTED_LAYERS;
    }

    private void checkNotCustom(JsonObject layer, String kind, String place) {
        String module = string(layer, "module", "");
        JsonElement registered = layer.get("registered_name");
        boolean custom = (!module.isEmpty() && !module.startsWith("keras")) || (registered != null
                && registered.isJsonPrimitive() && !registered.getAsString().equals(kind)
                && !registered.getAsString().startsWith("keras"));
        if (custom) {
            throw new InputException(file, place, "is the custom layer '" + kind + "'" + (registered != null
                    && registered.isJsonPrimitive() ? " (registered as '" + registered.getAsString() + "')" : "")
                    + " from module '" + module + "'; custom layers cannot be read; " + SUPPORTED_LAYERS);
        }
    }

    private KerasModel assemble(List<Pending> dense, List<KerasModel.BatchNormBinding> batchNorms,
            List<KerasModel.Fold> folds, String version, JsonObject root, String inputName,
            List<KerasModel.ZipPart> parts) {
        List<DenseLayer> layers = new ArrayList<>();
        List<KerasModel.DenseBinding> bindings = new ArrayList<>();
        OutputHead head = OutputHead.NONE;
        for (int i = 0; i < dense.size(); i++) {
            Pending d = dense.get(i);
            boolean last = i == dense.size() - 1;
            KerasConfig.Applied applied = keras.apply(d.binding.name(), d.steps, last);
            if (last) {
                head = applied.head();
            }
            layers.add(new DenseLayer(d.inputs, d.units, d.kernel, d.bias, applied.activation()));
            bindings.add(d.binding);
        }
        DenseNetwork network = new DenseNetwork(InputPrefix.NONE, layers, head);
        return new KerasModel(new KerasModel.SourceFile(file, container, version, parts), root, network,
                new KerasModel.Layout(bindings, batchNorms, folds), inputName);
    }

    /**
     * A functional model is read only when its layers, in config order, each read the one before, and its one input
     * and one output are the first and last of them (a model that also outputs a hidden layer is no chain).
     */
    private void checkChain(List<JsonObject> layers, JsonObject config) {
        if (!layers.isEmpty()) {
            checkEndpoint(config, "output_layers", "output", layers.get(layers.size() - 1));
            JsonObject first = layers.get(0);
            if (string(first, "class_name", "?").equals("InputLayer")) {
                checkEndpoint(config, "input_layers", "input", first);
            }
        }
        String previous = null;
        for (int i = 0; i < layers.size(); i++) {
            JsonObject layer = layers.get(i);
            JsonObject lc = layer.has("config") && layer.get("config").isJsonObject()
                    ? layer.getAsJsonObject("config") : new JsonObject();
            String name = string(layer, "name", string(lc, "name", "#" + (i + 1)));
            Set<String> inbound = new LinkedHashSet<>();
            // Every key: a tensor among a call's keyword arguments is a branch too.
            KerasConfig.inboundNames(layer.get("inbound_nodes"), inbound, null);
            String kind = string(layer, "class_name", "?");
            if (kind.equals("InputLayer")) {
                if (previous != null) {
                    throw new InputException(file, "layer '" + name + "'", "is a second input; the functional model "
                            + "is not a single chain");
                }
            } else if (inbound.size() != 1 || previous == null || !inbound.contains(previous)) {
                throw new InputException(file, "layer '" + name + "'", "reads " + (inbound.isEmpty() ? "no layer"
                        : String.join(", ", inbound)) + (previous == null ? "" : " instead of only the layer before "
                        + "it ('" + previous + "')") + "; the functional model is not a single chain (branches, "
                        + "several inputs or outputs are not read)");
            }
            previous = name;
        }
    }

    /** The model's {@code key} ("input_layers" or "output_layers") must name exactly {@code expected}, if it is given. */
    private void checkEndpoint(JsonObject config, String key, String what, JsonObject expected) {
        if (!config.has(key)) {
            return;
        }
        Set<String> names = new LinkedHashSet<>();
        KerasConfig.inboundNames(config.get(key), names, null);
        JsonObject ec = expected.has("config") && expected.get("config").isJsonObject()
                ? expected.getAsJsonObject("config") : new JsonObject();
        String name = string(expected, "name", string(ec, "name", "?"));
        if (names.size() != 1 || !names.contains(name)) {
            String tail = "; the functional model is not a single chain (branches, several inputs or outputs are not read)";
            if (names.size() != 1) {
                throw new InputException(file, null, "the functional model has " + names.size() + " " + what + "s ("
                        + String.join(", ", names) + ")" + tail);
            }
            throw new InputException(file, "layer '" + names.iterator().next() + "'", "is the functional model's "
                    + what + ", but its " + (what.equals("output") ? "last" : "first") + " layer is '" + name + "'"
                    + tail);
        }
    }

    /** The per-row width an InputLayer or a first layer declares (product of the non-batch dims), or -1. */
    private int declaredInputWidth(JsonObject lc, String place) {
        for (String key : List.of("batch_shape", "batch_input_shape")) {
            JsonElement shape = lc.get(key);
            if (shape != null && shape.isJsonArray()) {
                return product(shape.getAsJsonArray(), 1, place);
            }
        }
        JsonElement shape = lc.get("input_shape");
        if (shape != null && shape.isJsonArray()) {
            return product(shape.getAsJsonArray(), 0, place);
        }
        return -1;
    }

    private int product(JsonArray dims, int from, String place) {
        long p = 1;
        for (int i = from; i < dims.size(); i++) {
            JsonElement d = dims.get(i);
            if (d.isJsonNull()) {
                return -1;
            }
            p *= d.getAsLong();
            if (p <= 0 || p > Integer.MAX_VALUE) {
                throw new InputException(file, place, "declares an input shape " + dims + " that is not a positive size");
            }
        }
        return dims.size() > from ? (int) p : -1;
    }

    // ---- Dense and BatchNormalization -----------------------------------------------------------------

    private Pending readDense(int index, String name, String groupName, JsonObject lc, String place, int width) {
        int units = (int) number(lc, "units", number(lc, "output_dim", -1));
        if (units <= 0) {
            throw new InputException(file, place, "is a Dense layer without a positive 'units' in its config");
        }
        boolean useBias = !lc.has("use_bias") || lc.get("use_bias").isJsonNull() || lc.get("use_bias").getAsBoolean();
        List<Weight> w = weightFile().of(name, groupName, place);
        Weight kernel = weightFile().pick(w, place, 0, "kernel", "_W:0", "/W:0");
        Weight bias = useBias ? weightFile().pick(w, place, 1, "bias", "_b:0", "/b:0") : null;
        if (w.size() != (useBias ? 2 : 1)) {
            throw new InputException(file, place, "has " + w.size() + " weight arrays (" + KerasWeights.paths(w) + "); a Dense layer "
                    + (useBias ? "with" : "without") + " bias has " + (useBias ? 2 : 1));
        }
        if (kernel.shape().length != 2 || kernel.shape()[1] != units) {
            throw new InputException(file, place, "has a kernel " + kernel.path() + " of shape " + Arrays.toString(kernel.shape())
                    + " but its config says " + units + " units");
        }
        int inputs = kernel.shape()[0];
        if (width > 0 && inputs != width) {
            throw new InputException(file, place, "has a kernel " + kernel.path() + " of shape " + Arrays.toString(kernel.shape())
                    + " but the layer before it gives " + width + " values per row");
        }
        float[] b = new float[units];
        if (bias != null) {
            if (bias.shape().length != 1 || bias.shape()[0] != units) {
                throw new InputException(file, place, "has a bias " + bias.path() + " of shape " + Arrays.toString(bias.shape())
                        + " but its config says " + units + " units");
            }
            b = bias.values();
        }
        weightFile().checkFinite(kernel, place);
        if (bias != null) {
            weightFile().checkFinite(bias, place);
        }
        KerasModel.DenseBinding binding = new KerasModel.DenseBinding(index, name, KerasWeights.varsGroupOf(kernel.path()),
                kernel.path(), bias == null ? null : bias.path(), kernel.float64());
        return new Pending(binding, inputs, units, kernel.values(), b);
    }

    private record BatchNorm(KerasModel.BatchNormBinding binding, Affine affine) {
    }

    private BatchNorm readBatchNorm(int index, String name, String groupName, JsonObject lc, String place, int width) {
        int a = KerasConfig.axis(lc);
        if (a != -1 && a != 1) {
            throw new InputException(file, place, "normalises axis " + lc.get("axis") + "; only the feature axis (-1) of a dense "
                    + "chain is supported");
        }
        boolean scale = !lc.has("scale") || lc.get("scale").getAsBoolean();
        boolean center = !lc.has("center") || lc.get("center").getAsBoolean();
        double epsilon = number(lc, "epsilon", 1e-3);
        List<Weight> w = weightFile().of(name, groupName, place);
        List<String> roles = KerasConfig.batchNormRoles(scale, center);
        if (w.size() != roles.size()) {
            throw new InputException(file, place, "has " + w.size() + " weight arrays (" + KerasWeights.paths(w) + "); a "
                    + "BatchNormalization with scale=" + scale + ", center=" + center + " has " + roles.size());
        }
        Map<String, Weight> byRole = new HashMap<>();
        for (int i = 0; i < roles.size(); i++) {
            Weight x = weightFile().pick(w, place, i, roles.get(i));
            if (x.shape().length != 1 || x.shape()[0] != width) {
                throw new InputException(file, place, "has " + roles.get(i) + " " + x.path() + " of shape "
                        + Arrays.toString(x.shape()) + " but the layer before it gives " + width + " values per row");
            }
            weightFile().checkFinite(x, place);
            byRole.put(roles.get(i), x);
        }
        float[] s = new float[width];
        float[] t = new float[width];
        for (int j = 0; j < width; j++) {
            double gamma = scale ? byRole.get("gamma").values()[j] : 1;
            double beta = center ? byRole.get("beta").values()[j] : 0;
            double mean = byRole.get("moving_mean").values()[j];
            double variance = byRole.get("moving_variance").values()[j];
            if (variance + epsilon <= 0) {
                throw new InputException(file, place, "has moving_variance " + variance + " for unit " + (j + 1)
                        + ", which with epsilon " + epsilon + " is not positive");
            }
            double sj = gamma / Math.sqrt(variance + epsilon);
            s[j] = (float) sj;
            t[j] = (float) (beta - mean * sj);
        }
        List<String> paths = new ArrayList<>();
        for (String role : roles) {
            paths.add(byRole.get(role).path());
        }
        return new BatchNorm(new KerasModel.BatchNormBinding(index, name, paths, roles, epsilon,
                byRole.get("moving_mean").float64()), new Affine(s, t));
    }

    // ---- helpers -------------------------------------------------------------------------------------

    private static final Pattern NON_WORD = Pattern.compile("\\W+");
    private static final Pattern CAPITALISED_WORD = Pattern.compile("(.)([A-Z][a-z]+)");
    private static final Pattern LOWER_UPPER = Pattern.compile("([a-z])([A-Z])");

    /** Keras' {@code naming.to_snake_case}: Dense → dense, BatchNormalization → batch_normalization, ReLU → re_lu. */
    static String snakeCase(String className) {
        String s = NON_WORD.matcher(className).replaceAll("");
        s = CAPITALISED_WORD.matcher(s).replaceAll("$1_$2");
        s = LOWER_UPPER.matcher(s).replaceAll("$1_$2");
        return s.toLowerCase(Locale.ROOT);
    }

    private JsonObject parseObject(String json, String where) {
        try {
            JsonElement e = JsonParser.parseString(json);
            if (!e.isJsonObject()) {
                throw new InputException(file, where, "is not a JSON object");
            }
            return e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new InputException(file, where, "is not valid JSON (" + firstLine(e.getMessage()) + ")", e);
        }
    }
}

package org.odf2nna.tf;

import org.odf2nna.io.AtomicFiles;
import org.odf2nna.Device;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.odf2nna.InputException;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.nn.LeakyRelu;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.types.TFloat32;

/**
 * Writes a {@link DenseNetwork} as a clean inference SavedModel: a plain (TF1-style) graph with one
 * float placeholder {@code [-1, inputs]}, per layer a {@code kernel} and {@code bias} variable, MatMul,
 * BiasAdd and the activation, then the head (Softmax, LogSoftmax, Sigmoid or nothing) and an Identity
 * named {@code output}; one {@code serving_default} signature (input key = the input name, output key
 * {@value #OUTPUT_KEY}). No training ops, no optimizer state.
 *
 * <p>Layer {@code l} lives in the name scope of its layer name ({@code dense}, {@code dense_1}, ... by
 * default): {@code dense/kernel}, {@code dense/MatMul}, {@code dense/BiasAdd}, {@code dense/Relu}.
 * Activations with parameters that TensorFlow has no single op for are written as small patterns that
 * {@link SavedModelReader} recognises: Clip as {@code ClipByValue}; HardSigmoid as
 * {@code ClipByValue(x * alpha + beta, 0, 1)}; Elu with alpha other than 1 as
 * {@code SelectV2(x > 0, x, Elu(x) * alpha)}; Selu with non-default constants as that times gamma.
 * A last-layer Sigmoid and a Sigmoid head are the same graph, and read back as the head.
 *
 * <p>The variables are given their values through temporary assign ops fed from placeholders, which are
 * removed from the saved graph afterwards, so each weight is stored once, in {@code variables/}. Feature
 * names, when given, go to {@value #DESCRIPTION_FILE} (the graph does not need them).
 *
 * <p>The SavedModel is written into a hidden temporary directory beside the target, loaded back into
 * TensorFlow and run on test rows against {@link DenseNetwork#forward} (relative tolerance 1e-4), and
 * only then renamed into place: the target is never half-written. The target must not exist, or be an
 * empty directory.
 */
public final class SavedModelWriter {

    public static final String DEFAULT_INPUT_NAME = "input";
    public static final String OUTPUT_KEY = "output";
    /** Where feature names and the writer's name are recorded, relative to the SavedModel directory. */
    public static final String DESCRIPTION_FILE = "assets.extra/odf2nna.json";

    /** Relative tolerance of the check of the written model against the Java forward pass. */
    static final double VERIFY_TOLERANCE = 1e-4;

    private static final String ASSIGN_SCOPE = "odf2nna_assign";
    private static final Pattern TF_NAME = Pattern.compile("[A-Za-z0-9.][A-Za-z0-9_.\\-]*");
    private static final Set<String> RESERVED = Set.of("head", OUTPUT_KEY, "save", ASSIGN_SCOPE);
    private static final int VERIFY_ROWS = 32;
    private static final long VERIFY_SEED = 0x0D2F_5A7EL;

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private SavedModelWriter() {
    }

    /** Writes the network with layers named {@code dense}, {@code dense_1}, ... and no feature names. */
    public static void write(DenseNetwork network, Path dir, String inputName) {
        write(network, dir, inputName, List.of(), List.of());
    }

    /**
     * Writes the network.
     *
     * @param inputName    the placeholder's name and the signature's input key (letters, digits, {@code _ . -})
     * @param layerNames   a name per layer (used as name scopes; characters TensorFlow does not allow become
     *                     {@code _}), or empty for {@code dense}, {@code dense_1}, ...
     * @param featureNames a name per input, recorded in {@value #DESCRIPTION_FILE}, or empty
     */
    public static void write(DenseNetwork network, Path dir, String inputName, List<String> layerNames,
                             List<String> featureNames) {
        if (!network.prefix().isEmpty()) {
            throw new InputException(dir, null, "the network has an input prefix (" + network.prefix().kind()
                    .name().toLowerCase(Locale.ROOT) + ": " + String.join(", ", network.prefix().operations())
                    + ") that a SavedModel written here cannot express; only plain dense chains can be written");
        }
        if (inputName == null || !TF_NAME.matcher(inputName).matches() || RESERVED.contains(inputName)) {
            throw new InputException(dir, null, "the input name '" + inputName + "' cannot be used: a TensorFlow "
                    + "name of letters, digits, '_', '.' and '-' is needed, other than " + RESERVED);
        }
        if (!layerNames.isEmpty() && layerNames.size() != network.layers().size()) {
            throw new IllegalArgumentException(layerNames.size() + " layer names for " + network.layers().size()
                    + " layers");
        }
        if (!featureNames.isEmpty() && featureNames.size() != network.inputs()) {
            throw new IllegalArgumentException(featureNames.size() + " feature names for " + network.inputs()
                    + " inputs");
        }
        List<String> scopes = scopeNames(layerNames, network.layers().size(), inputName);

        Path target = dir.toAbsolutePath().normalize();
        checkTarget(dir, target);
        Path temp = null;
        try {
            Files.createDirectories(target.getParent());
            // Deleted by a stop (AtomicFiles.abandonPending) as well as below.
            temp = AtomicFiles.temporaryFolder(dir, () -> createHiddenFolder(target.getParent(),
                    target.getFileName().toString()));
            export(network, temp, inputName, scopes);
            stripAssignOps(temp);
            writeDescription(temp, featureNames);
            verify(network, temp);
            moveIntoPlace(dir, temp, target);
        } catch (AccessDeniedException e) {
            throw new InputException(dir, null, "cannot write: permission denied (" + e.getFile() + ")", e);
        } catch (IOException e) {
            throw new InputException(dir, null, "cannot write: " + e.getMessage(), e);
        } finally {
            if (temp != null) {
                AtomicFiles.release(temp);
            }
        }
    }

    // ---- the graph -----------------------------------------------------------------------------------

    private static void export(DenseNetwork network, Path temp, String inputName, List<String> scopes) throws IOException {
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> input = tf.withName(inputName).placeholder(TFloat32.class,
                    Placeholder.shape(Shape.of(-1, network.inputs())));
            List<Variable<TFloat32>> variables = new ArrayList<>();
            List<Shape> shapes = new ArrayList<>();
            List<float[]> values = new ArrayList<>();
            Operand<TFloat32> x = input;
            for (int l = 0; l < network.layers().size(); l++) {
                DenseLayer layer = network.layer(l);
                Ops s = tf.withSubScope(scopes.get(l));
                Variable<TFloat32> kernel = s.withName("kernel").variable(Shape.of(layer.inputs(), layer.units()),
                        TFloat32.class);
                Variable<TFloat32> bias = s.withName("bias").variable(Shape.of(layer.units()), TFloat32.class);
                variables.add(kernel);
                shapes.add(Shape.of(layer.inputs(), layer.units()));
                values.add(layer.weights());
                variables.add(bias);
                shapes.add(Shape.of(layer.units()));
                values.add(layer.bias());
                Operand<TFloat32> z = s.withName("BiasAdd").nn.biasAdd(s.withName("MatMul").linalg.matMul(x, kernel), bias);
                x = activation(s, z, layer.activation());
            }
            Ops head = tf.withSubScope("head");
            x = switch (network.head()) {
                case NONE -> x;
                case SOFTMAX -> head.withName("Softmax").nn.softmax(x);
                case LOG_SOFTMAX -> head.withName("LogSoftmax").nn.logSoftmax(x);
                case SIGMOID -> head.withName("Sigmoid").math.sigmoid(x);
            };
            Operand<TFloat32> output = tf.withName(OUTPUT_KEY).identity(x);

            try (Session session = TfSessions.open(graph, Device.CPU)) {
                assignValues(tf, session, variables, shapes, values);
                Signature signature = Signature.builder().key(SavedModelFiles.SERVING_KEY)
                        .methodName("tensorflow/serving/predict")
                        .input(inputName, input).output(OUTPUT_KEY, output).build();
                SavedModelBundle.exporter(temp.toString()).withTags(SavedModelFiles.SERVE_TAG)
                        .withSession(session).withSignature(signature).export();
            }
        } catch (TensorFlowException e) {
            throw new IllegalStateException("TensorFlow could not build or export the SavedModel: " + e.getMessage(), e);
        }
    }

    private static Operand<TFloat32> activation(Ops s, Operand<TFloat32> z, Activation a) {
        switch (a.kind()) {
            case IDENTITY:
                return z;
            case RELU:
                return s.withName("Relu").nn.relu(z);
            case LEAKY_RELU:
                return s.withName("LeakyRelu").nn.leakyRelu(z, LeakyRelu.alpha(a.alpha()));
            case ELU:
                return a.alpha() == 1.0f ? s.withName("Elu").nn.elu(z) : scaledElu(s, z, a.alpha());
            case SELU:
                if (a.alpha() == Activation.SELU_ALPHA && a.beta() == Activation.SELU_GAMMA) {
                    return s.withName("Selu").nn.selu(z);
                }
                return s.withName("Selu").math.mul(scaledElu(s, z, a.alpha()), s.withName("selu_gamma").constant(a.beta()));
            case SIGMOID:
                return s.withName("Sigmoid").math.sigmoid(z);
            case TANH:
                return s.withName("Tanh").math.tanh(z);
            case SOFTPLUS:
                return s.withName("Softplus").math.softplus(z);
            case HARD_SIGMOID: {
                Operand<TFloat32> scaled = s.withName("hard_sigmoid_scale").math.mul(z,
                        s.withName("hard_sigmoid_alpha").constant(a.alpha()));
                Operand<TFloat32> shifted = s.withName("hard_sigmoid_shift").math.add(scaled,
                        s.withName("hard_sigmoid_beta").constant(a.beta()));
                return s.withName("HardSigmoid").clipByValue(shifted, s.withName("hard_sigmoid_min").constant(0f),
                        s.withName("hard_sigmoid_max").constant(1f));
            }
            case CLIP:
                return s.withName("Clip").clipByValue(z, s.withName("clip_min").constant(a.alpha()),
                        s.withName("clip_max").constant(a.beta()));
            default:
                throw new IllegalArgumentException("no TensorFlow form for activation " + a);
        }
    }

    /** {@code x > 0 ? x : alpha * (exp(x) - 1)}, as {@code SelectV2(x > 0, x, Elu(x) * alpha)}. */
    private static Operand<TFloat32> scaledElu(Ops s, Operand<TFloat32> z, float alpha) {
        Operand<TFloat32> negative = s.withName("elu_negative").math.mul(s.withName("Elu").nn.elu(z),
                s.withName("elu_alpha").constant(alpha));
        return s.withName("EluAlpha").select(s.withName("elu_positive").math.greater(z, s.withName("elu_zero").constant(0f)),
                z, negative);
    }

    private static void assignValues(Ops tf, Session session, List<Variable<TFloat32>> variables, List<Shape> shapes,
                                     List<float[]> values) {
        Ops assign = tf.withSubScope(ASSIGN_SCOPE);
        Session.Runner runner = session.runner();
        List<TFloat32> tensors = new ArrayList<>();
        try {
            for (int i = 0; i < variables.size(); i++) {
                Variable<TFloat32> v = variables.get(i);
                Placeholder<TFloat32> value = assign.withName("value_" + i).placeholder(TFloat32.class);
                TFloat32 t = TfTensors.of(shapes.get(i), values.get(i));
                tensors.add(t);
                runner.feed(value, t).addTarget(assign.withName("assign_" + i).assign(v, value));
            }
            TfRuns.run(runner).close();
        } finally {
            tensors.forEach(TFloat32::close);
        }
    }

    /** Removes the temporary assign ops (and their placeholders) from the saved graph, and rewrites it. */
    private static void stripAssignOps(Path dir) throws IOException {
        Path pb = dir.resolve(SavedModelFiles.SAVED_MODEL_PB);
        SavedModel model;
        try (InputStream in = Files.newInputStream(pb)) {
            CodedInputStream coded = CodedInputStream.newInstance(in);
            coded.setSizeLimit(Integer.MAX_VALUE);
            model = SavedModel.parseFrom(coded);
        }
        SavedModel.Builder builder = model.toBuilder();
        for (MetaGraphDef.Builder meta : builder.getMetaGraphsBuilderList()) {
            GraphDef.Builder graph = meta.getGraphDefBuilder();
            List<org.tensorflow.proto.NodeDef> kept = new ArrayList<>();
            for (org.tensorflow.proto.NodeDef node : graph.getNodeList()) {
                if (!node.getName().startsWith(ASSIGN_SCOPE + "/")) {
                    kept.add(node);
                }
            }
            graph.clearNode().addAllNode(kept);
        }
        // Deterministic serialization sorts map entries (attributes, signatures): same network, same bytes.
        try (OutputStream out = Files.newOutputStream(pb)) {
            CodedOutputStream coded = CodedOutputStream.newInstance(out);
            coded.useDeterministicSerialization();
            builder.build().writeTo(coded);
            coded.flush();
        }
    }

    private static void writeDescription(Path dir, List<String> featureNames) throws IOException {
        JsonObject description = new JsonObject();
        description.addProperty("written_by", "odf2nna-onnx");
        description.addProperty("format_version", 1);
        JsonArray names = new JsonArray();
        featureNames.forEach(names::add);
        description.add("feature_names", names);
        Path file = dir.resolve(DESCRIPTION_FILE);
        Files.createDirectories(file.getParent());
        Files.writeString(file, new GsonBuilder().setPrettyPrinting().create().toJson(description) + "\n",
                StandardCharsets.UTF_8);
    }

    /** Loads the written SavedModel back and compares its serving output with the Java forward pass. */
    private static void verify(DenseNetwork network, Path dir) {
        float[] rows = TfTensors.checkRows(VERIFY_ROWS, network.inputs(), VERIFY_SEED);
        float[] served = SavedModelRunner.run(dir, rows, VERIFY_ROWS, network.inputs());
        float[] expected = network.forward(rows, VERIFY_ROWS);
        double difference = TfTensors.maxRelativeDifference(served, expected);
        if (!(difference <= VERIFY_TOLERANCE)) {
            throw new IllegalStateException(String.format(Locale.ROOT, "the written SavedModel does not compute the "
                    + "network: outputs differ by up to %.3g (relative) from the Java forward pass", difference));
        }
    }

    // ---- files ---------------------------------------------------------------------------------------

    private static void checkTarget(Path dir, Path target) {
        if (!Files.exists(target)) {
            return;
        }
        if (!Files.isDirectory(target)) {
            throw new InputException(dir, null, "exists and is not a directory; a SavedModel is written into a new "
                    + "or empty directory");
        }
        try (Stream<Path> entries = Files.list(target)) {
            if (entries.findAny().isPresent()) {
                throw new InputException(dir, null, "already exists and is not empty; a SavedModel is written only "
                        + "into a new or empty directory (remove it or choose another)");
            }
        } catch (IOException e) {
            throw new InputException(dir, null, "cannot list: " + e.getMessage(), e);
        }
    }

    /**
     * A new empty hidden folder {@code .NAME.RANDOM} in {@code parent}. Unlike {@link Files#createTempDirectory},
     * which makes the folder private (0700), this one gets the permissions of any new folder (0777 less the
     * umask), which the SavedModel keeps after the rename, like every other output of the tool.
     */
    static Path createHiddenFolder(Path parent, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path candidate = parent.resolve("." + name + "." + Long.toUnsignedString(RANDOM.nextLong(), 36));
            try {
                return Files.createDirectory(candidate);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt >= 100) {
                    throw e;
                }
            }
        }
    }

    private static void moveIntoPlace(Path dir, Path temp, Path target) throws IOException {
        checkTarget(dir, target);
        Files.deleteIfExists(target);
        AtomicFiles.move(temp, target);
    }

    /** Layer scopes: the given names made valid and unique, or Keras-style {@code dense}, {@code dense_1}, .... */
    static List<String> scopeNames(List<String> layerNames, int layers, String inputName) {
        Set<String> used = new HashSet<>(RESERVED);
        used.add(inputName);
        List<String> scopes = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            String wanted = layerNames.isEmpty() ? (l == 0 ? "dense" : "dense_" + l) : sanitize(layerNames.get(l));
            String name = wanted;
            for (int k = 1; !used.add(name); k++) {
                name = wanted + "_" + k;
            }
            scopes.add(name);
        }
        return scopes;
    }

    private static String sanitize(String name) {
        String s = name == null ? "" : name.replaceAll("[^A-Za-z0-9_.\\-]", "_");
        if (s.isEmpty() || !TF_NAME.matcher(s).matches()) {
            s = "layer" + (s.isEmpty() ? "" : "_" + s);
        }
        return s;
    }
}

package org.odf2nna.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import org.odf2nna.InputException;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.InputPrefix;
import org.odf2nna.network.OutputHead;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedObject;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedObjectGraph;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedUserObject;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedVariable;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.proto.TrackableObjectGraphOuterClass.TrackableObjectGraph.TrackableObject.ObjectReference;
import org.tensorflow.types.TFloat32;

/** Models built in code for the SavedModel tests, the ../shared reference material, and assertions. */
final class TfTestSupport {

    private TfTestSupport() {
    }

    // ---- ../shared -----------------------------------------------------------------------------------

    static Path sharedRoot() {
        return Path.of(System.getProperty("odf2nna.shared", "../shared")).toAbsolutePath().normalize();
    }

    /** The reference SavedModels folder; skips the calling test, saying so, when ../shared is absent. */
    static Path requireSharedSavedModels() {
        Path dir = sharedRoot().resolve("models/savedmodel");
        boolean present = Files.isDirectory(dir) && Files.isRegularFile(sharedRoot().resolve("data/iris.csv"));
        if (!present) {
            System.out.println("SKIPPED: " + dir + " or " + sharedRoot().resolve("data/iris.csv") + " not found; the "
                    + "Keras SavedModel tests need the reference material beside the repository");
        }
        assumeTrue(present, "skipped: " + dir + " (reference Keras SavedModels) not found");
        return dir;
    }

    /** Iris rows: {@code features} (150 x 4, row-major) and {@code labels}. */
    record Iris(float[] features, int[] labels, int rows) {
    }

    static Iris iris() throws IOException {
        List<String> lines = Files.readAllLines(sharedRoot().resolve("data/iris.csv"), StandardCharsets.UTF_8);
        List<String> data = lines.subList(1, lines.size()).stream().filter(l -> !l.isBlank()).toList();
        float[] x = new float[data.size() * 4];
        int[] y = new int[data.size()];
        for (int r = 0; r < data.size(); r++) {
            String[] cells = data.get(r).split(",");
            for (int c = 0; c < 4; c++) {
                x[r * 4 + c] = Float.parseFloat(cells[c].trim());
            }
            y[r] = (int) Double.parseDouble(cells[4].trim());
        }
        return new Iris(x, y, data.size());
    }

    // ---- networks ------------------------------------------------------------------------------------

    /** A network with seeded random weights; {@code widths} from input to output, one activation per layer. */
    static DenseNetwork network(long seed, int[] widths, List<Activation> activations, OutputHead head) {
        Random random = new Random(seed);
        List<DenseLayer> layers = new ArrayList<>();
        for (int l = 0; l + 1 < widths.length; l++) {
            int in = widths[l];
            int out = widths[l + 1];
            float[] w = new float[in * out];
            float[] b = new float[out];
            double scale = Math.sqrt(2.0 / (in + out));
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (random.nextGaussian() * scale);
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) (random.nextGaussian() * 0.1);
            }
            layers.add(new DenseLayer(in, out, w, b, activations.get(l)));
        }
        return new DenseNetwork(InputPrefix.NONE, layers, head);
    }

    static float[] randomRows(long seed, int rows, int features) {
        Random random = new Random(seed);
        float[] x = new float[rows * features];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * 1.5);
        }
        return x;
    }

    static void assertClose(float[] expected, float[] actual, double tolerance, String what) {
        assertEquals(expected.length, actual.length, what + ": lengths");
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs((double) expected[i] - actual[i]);
            if (!(d <= worst)) {
                worst = d;
                at = i;
            }
        }
        assertTrue(worst <= tolerance, what + ": largest difference " + worst + " at " + at + " (expected "
                + (at >= 0 ? expected[at] : 0) + ", got " + (at >= 0 ? actual[at] : 0) + ")");
    }

    /** The message of the InputException, after checking it names the directory. */
    static String messageNaming(Path dir, InputException e) {
        assertEquals(dir, e.file(), "the exception names the SavedModel directory");
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
        return e.getMessage();
    }

    // ---- hand-written graphs -------------------------------------------------------------------------

    /**
     * Exports a graph built by {@code body} (which gets the ops and the float input placeholder
     * {@code [-1, features]} and returns the output) with one signature under {@code key}.
     */
    static void handWritten(Path dir, int features, String key,
                            BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> body) throws IOException {
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            Placeholder<TFloat32> x = tf.withName("x").placeholder(TFloat32.class,
                    Placeholder.shape(Shape.of(-1, features)));
            Operand<TFloat32> out = tf.withName("y").identity(body.apply(tf, x));
            try (Session session = new Session(g)) {
                SavedModelBundle.exporter(dir.toString()).withSession(session)
                        .withSignature(Signature.builder().key(key).input("x", x).output("y", out).build())
                        .export();
            }
        }
    }

    static float[][] matrix(long seed, int rows, int cols) {
        Random random = new Random(seed);
        float[][] m = new float[rows][cols];
        for (float[] row : m) {
            for (int j = 0; j < cols; j++) {
                row[j] = (float) random.nextGaussian();
            }
        }
        return m;
    }

    // ---- Keras-like SavedModels ----------------------------------------------------------------------

    /** A Keras layer's JSON: {@code {"class_name": ..., "config": {"name": ..., ...}}}. */
    static JsonObject kerasLayer(String className, String name, Object... keyValues) {
        JsonObject config = new JsonObject();
        config.addProperty("name", name);
        for (int i = 0; i < keyValues.length; i += 2) {
            Object v = keyValues[i + 1];
            if (v instanceof Number n) {
                config.addProperty((String) keyValues[i], n);
            } else if (v instanceof Boolean b) {
                config.addProperty((String) keyValues[i], b);
            } else if (v instanceof com.google.gson.JsonElement e) {
                config.add((String) keyValues[i], e);
            } else {
                config.addProperty((String) keyValues[i], (String) v);
            }
        }
        JsonObject layer = new JsonObject();
        layer.addProperty("class_name", className);
        layer.add("config", config);
        layer.addProperty("name", name);
        return layer;
    }

    /** Keras 2 functional wiring: the layer reads the given layers' outputs. */
    static JsonObject inbound(JsonObject layer, String... from) {
        JsonArray call = new JsonArray();
        for (String f : from) {
            JsonArray ref = new JsonArray();
            ref.add(f);
            ref.add(0);
            ref.add(0);
            ref.add(new JsonObject());
            call.add(ref);
        }
        JsonArray nodes = new JsonArray();
        if (from.length > 0) {
            nodes.add(call);
        }
        layer.add("inbound_nodes", nodes);
        return layer;
    }

    static JsonArray endpoint(String name) {
        JsonArray ref = new JsonArray();
        ref.add(name);
        ref.add(0);
        ref.add(0);
        JsonArray list = new JsonArray();
        list.add(ref);
        return list;
    }

    /**
     * Makes a SavedModel that looks like a tf.keras export to the reader: the computation is
     * {@code network} written by {@link SavedModelWriter} with layers named {@code denseNames} (so the
     * variables are {@code <name>/kernel} and {@code <name>/bias}), and the object graph is replaced by a
     * Keras one: a root {@code _tf_keras_sequential} or {@code _tf_keras_network} object with
     * {@code modelJson} as metadata and one {@code layer_with_weights-N} child per Dense layer, each with
     * {@code kernel} and {@code bias} variables. With {@code inKerasMetadataPb} the JSON goes to
     * {@code keras_metadata.pb} instead (TF 2.5+ layout).
     */
    @SuppressWarnings("deprecation") // SavedUserObject.metadata: where TF 2.1-2.4 exports keep the layer JSON
    static void fakeKeras(Path dir, DenseNetwork network, List<String> denseNames, JsonObject modelJson,
                          boolean inKerasMetadataPb, DataType kernelType) throws IOException {
        SavedModelWriter.write(network, dir, "dense_input", denseNames, List.of());
        Files.delete(dir.resolve(SavedModelWriter.DESCRIPTION_FILE));
        Files.delete(dir.resolve(SavedModelWriter.DESCRIPTION_FILE).getParent());

        boolean functional = !modelJson.get("class_name").getAsString().equals("Sequential");
        SavedObjectGraph.Builder objects = SavedObjectGraph.newBuilder();
        List<String[]> kerasNodes = new ArrayList<>(); // {node_id, path, identifier, json}
        SavedObject.Builder root = SavedObject.newBuilder();
        String rootId = functional ? "_tf_keras_network" : "_tf_keras_sequential";
        root.setUserObject(SavedUserObject.newBuilder().setIdentifier(rootId)
                .setMetadata(inKerasMetadataPb ? "" : modelJson.toString()));
        kerasNodes.add(new String[] {"0", "root", rootId, modelJson.toString()});
        objects.addNodes(root);
        for (int l = 0; l < network.layers().size(); l++) {
            String name = denseNames.get(l);
            DenseLayer layer = network.layer(l);
            int layerId = objects.getNodesCount();
            JsonObject meta = kerasLayer("Dense", name, "units", layer.units());
            objects.addNodes(SavedObject.newBuilder());
            int kernelId = objects.getNodesCount();
            objects.addNodes(variable(name + "/kernel", kernelType, layer.inputs(), layer.units()));
            int biasId = objects.getNodesCount();
            objects.addNodes(variable(name + "/bias", DataType.DT_FLOAT, layer.units()));
            objects.setNodes(layerId, SavedObject.newBuilder()
                    .setUserObject(SavedUserObject.newBuilder().setIdentifier("_tf_keras_layer")
                            .setMetadata(inKerasMetadataPb ? "" : meta.toString()))
                    .addChildren(ObjectReference.newBuilder().setLocalName("kernel").setNodeId(kernelId))
                    .addChildren(ObjectReference.newBuilder().setLocalName("bias").setNodeId(biasId)));
            objects.getNodesBuilder(0)
                    .addChildren(ObjectReference.newBuilder().setLocalName("layer_with_weights-" + l).setNodeId(layerId));
            kerasNodes.add(new String[] {Integer.toString(layerId), "root.layer_with_weights-" + l, "_tf_keras_layer",
                    meta.toString()});
        }

        Path pb = dir.resolve("saved_model.pb");
        SavedModel model = SavedModel.parseFrom(Files.readAllBytes(pb));
        SavedModel.Builder builder = model.toBuilder();
        MetaGraphDef.Builder meta = builder.getMetaGraphsBuilder(0);
        meta.setObjectGraphDef(objects);
        Files.write(pb, builder.build().toByteArray());

        if (inKerasMetadataPb) {
            UnknownFieldSet.Builder file = UnknownFieldSet.newBuilder();
            UnknownFieldSet.Field.Builder nodes = UnknownFieldSet.Field.newBuilder();
            for (String[] n : kerasNodes) {
                UnknownFieldSet.Builder node = UnknownFieldSet.newBuilder();
                if (!n[0].equals("0")) {
                    node.addField(2, UnknownFieldSet.Field.newBuilder().addVarint(Long.parseLong(n[0])).build());
                }
                node.addField(3, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8(n[1])).build());
                node.addField(4, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8(n[2])).build());
                node.addField(5, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8(n[3])).build());
                nodes.addLengthDelimited(node.build().toByteString());
            }
            file.addField(1, nodes.build());
            Files.write(dir.resolve("keras_metadata.pb"), file.build().toByteArray());
        }
    }

    private static SavedObject.Builder variable(String name, DataType type, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
        }
        return SavedObject.newBuilder().setVariable(SavedVariable.newBuilder().setName(name).setDtype(type).setShape(shape));
    }

    /** A Sequential model's JSON with the given layers. */
    static JsonObject sequential(JsonObject... layers) {
        JsonObject config = new JsonObject();
        config.addProperty("name", "sequential");
        JsonArray list = new JsonArray();
        for (JsonObject l : layers) {
            list.add(l);
        }
        config.add("layers", list);
        JsonObject model = new JsonObject();
        model.addProperty("class_name", "Sequential");
        model.add("config", config);
        return model;
    }

    /** A functional model's JSON with the given (wired) layers, one input and one output. */
    static JsonObject functional(String input, String output, JsonObject... layers) {
        JsonObject model = sequential(layers);
        model.addProperty("class_name", "Functional");
        model.getAsJsonObject("config").add("input_layers", endpoint(input));
        model.getAsJsonObject("config").add("output_layers", endpoint(output));
        return model;
    }
}

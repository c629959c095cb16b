package org.odf2nna.tf;

import static org.odf2nna.keras.KerasConfig.string;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.odf2nna.InputException;
import org.odf2nna.keras.KerasConfig;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.OutputHead;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedObject;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedObjectGraph;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedVariable;
import org.tensorflow.proto.TrackableObjectGraphOuterClass.TrackableObjectGraph.TrackableObject.ObjectReference;
import org.tensorflow.types.TFloat32;

/**
 * Reads the dense chain of a Keras model saved as a SavedModel (tf.keras 2.x, {@code model.save(dir)}).
 *
 * <p>Keras keeps the model's layers in the SavedModel's object graph: the root object (identifier
 * {@code _tf_keras_sequential}, {@code _tf_keras_network} or {@code _tf_keras_model}) has children
 * {@code layer-N} / {@code layer_with_weights-N}, and each layer object has children {@code kernel} and
 * {@code bias} whose {@code SavedVariable.name} is the graph's variable ({@code dense/kernel}). The
 * layer configuration (class name, units, activation) is Keras JSON: in each object's
 * {@code SavedUserObject.metadata} up to about TF 2.4, and in {@code keras_metadata.pb} (no TensorFlow
 * Java class; read with protobuf's {@code UnknownFieldSet}: field 1 = nodes, each with node_id 2,
 * node_path 3, identifier 4, metadata 5) from then on. The layer order comes from the root's model
 * config ({@code config.layers}); for functional models the {@code inbound_nodes} must form a single
 * chain from the one input to the one output. Weights are fetched from the loaded bundle's session by
 * variable name (resource variables are read by the fetch).
 *
 * <p>Dense layers become {@link DenseLayer}s (Keras kernels are {@code [in, out]}, the network's
 * layout). Dropout-like layers, InputLayer and Flatten (the input is a matrix) do nothing at inference
 * and are skipped. Activation layers (Activation, ReLU, LeakyReLU, ELU, Softmax) apply to the Dense
 * before them. On the last layer softmax, log_softmax and sigmoid become the {@link OutputHead}. Any
 * other layer stops the reading with an error that names it.
 */
final class KerasChain {

    private static final Pattern LAYER_CHILD = Pattern.compile("layer(_with_weights)?-\\d+");

    private static final String SUPPORTED_LAYERS = "only dense chains are supported (Dense, with Dropout, "
            + "InputLayer, Flatten and the activation layers Activation, ReLU, LeakyReLU, ELU, Softmax)";

    private final Path dir;
    private final SavedObjectGraph objects;
    private final Session session;
    private final ServingSignature signature;
    private final Map<Integer, String> metadata = new HashMap<>();
    /** The layer config's reading, shared with Keras files; tf.keras 2.x wrote it. */
    private final KerasConfig keras;

    private KerasChain(Path dir, SavedObjectGraph objects, Session session, ServingSignature signature) {
        this.dir = dir;
        this.keras = new KerasConfig(dir, "");
        this.objects = objects;
        this.session = session;
        this.signature = signature;
    }

    /** Whether the SavedModel's root object is a Keras model. */
    static boolean isKeras(MetaGraphDef graph) {
        if (!graph.hasObjectGraphDef() || graph.getObjectGraphDef().getNodesCount() == 0) {
            return false;
        }
        SavedObject root = graph.getObjectGraphDef().getNodes(0);
        return root.hasUserObject() && root.getUserObject().getIdentifier().startsWith("_tf_keras");
    }

    static ReadChain read(Path dir, MetaGraphDef graph, Session session, ServingSignature signature) {
        return new KerasChain(dir, graph.getObjectGraphDef(), session, signature).read();
    }

    /** A Dense layer with the activations applied after it, in order. */
    private static final class PendingDense {
        final String name;
        final DenseLayer linear;
        final List<KerasConfig.Step> steps = new ArrayList<>();

        PendingDense(String name, DenseLayer linear) {
            this.name = name;
            this.linear = linear;
        }
    }

    private ReadChain read() {
        collectMetadata();
        String rootJson = metadata.get(0);
        if (rootJson == null || rootJson.isBlank()) {
            throw new InputException(dir, null, "Keras model without layer metadata: neither saved_model.pb's object "
                    + "graph nor keras_metadata.pb describes its layers");
        }
        JsonObject root = parseJson(rootJson, "model");
        String className = string(root, "class_name", "");
        JsonElement config = root.get("config");
        if ((config == null || config.isJsonNull()) && root.has("model_config") && root.get("model_config").isJsonObject()) {
            JsonObject modelConfig = root.getAsJsonObject("model_config");
            className = string(modelConfig, "class_name", className);
            config = modelConfig.get("config");
        }
        keras.checkModelClass(className);
        List<JsonObject> layers = keras.layerList(className, config);
        if ((className.equals("Functional") || className.equals("Model")) && !config.isJsonObject()) {
            throw new InputException(dir, null, "the Keras functional model's metadata has no inputs and outputs");
        }
        if (className.equals("Functional") || className.equals("Model")) {
            layers = chainOrder(config.getAsJsonObject(), layers);
        }
        Map<String, SavedObject> layerObjects = layerObjects();
        List<PendingDense> dense = new ArrayList<>();
        keras.walk(layers, new KerasConfig.ChainWalk() {
            @Override
            public void dense(KerasConfig.Layer layer) {
                dense.add(new PendingDense(layer.name(), denseLayer(layer.name(), layer.config(),
                        layerObjects.get(layer.name()))));
            }

            @Override
            public void step(KerasConfig.Layer layer, KerasConfig.Step step) {
                if (dense.isEmpty()) {
                    throw new InputException(dir, layer.place(), "applies " + step.keras() + " before the first Dense "
                            + "layer; an input prefix cannot be read from a SavedModel");
                }
                dense.get(dense.size() - 1).steps.add(step);
            }

            @Override
            public void other(KerasConfig.Layer layer) {
                throw new InputException(dir, layer.place(), "is a " + layer.kind() + " layer; " + SUPPORTED_LAYERS);
            }
        });
        return assemble(dense);
    }

    private ReadChain assemble(List<PendingDense> dense) {
        List<String> names = new ArrayList<>();
        List<DenseLayer> layers = new ArrayList<>();
        OutputHead head = OutputHead.NONE;
        for (int i = 0; i < dense.size(); i++) {
            PendingDense d = dense.get(i);
            boolean last = i == dense.size() - 1;
            KerasConfig.Applied applied = keras.apply(d.name, d.steps, last);
            if (last) {
                head = applied.head();
            }
            names.add(d.name);
            layers.add(new DenseLayer(d.linear.inputs(), d.linear.units(), d.linear.weights(), d.linear.bias(),
                    applied.activation()));
        }
        return ReadChain.checked(dir, names, layers, head, signature.inputWidth());
    }

    // ---- metadata ------------------------------------------------------------------------------------

    // SavedUserObject.metadata is deprecated in TensorFlow's protos (newer Keras writes keras_metadata.pb),
    // but it is where TF 2.1 to 2.4 exports keep the layer JSON.
    @SuppressWarnings("deprecation")
    private void collectMetadata() {
        for (int id = 0; id < objects.getNodesCount(); id++) {
            SavedObject node = objects.getNodes(id);
            if (node.hasUserObject() && !node.getUserObject().getMetadata().isBlank()) {
                metadata.put(id, node.getUserObject().getMetadata());
            }
        }
        if (metadata.containsKey(0)) {
            return;
        }
        Path file = dir.resolve("keras_metadata.pb");
        if (!Files.isRegularFile(file)) {
            return;
        }
        try {
            UnknownFieldSet set = UnknownFieldSet.parseFrom(Files.readAllBytes(file));
            UnknownFieldSet.Field nodes = set.getField(1);
            for (ByteString bytes : nodes.getLengthDelimitedList()) {
                UnknownFieldSet node = UnknownFieldSet.parseFrom(bytes);
                List<Long> ids = node.getField(2).getVarintList();
                int id = ids.isEmpty() ? 0 : ids.get(ids.size() - 1).intValue();
                List<ByteString> json = node.getField(5).getLengthDelimitedList();
                if (!json.isEmpty()) {
                    metadata.putIfAbsent(id, json.get(json.size() - 1).toStringUtf8());
                }
            }
        } catch (InvalidProtocolBufferException e) {
            throw new InputException(dir, "keras_metadata.pb", "does not parse (" + SavedModelFiles.firstLine(e.getMessage())
                    + ")", e);
        } catch (IOException e) {
            throw new InputException(dir, "keras_metadata.pb", "cannot read: " + e.getMessage(), e);
        }
    }

    private JsonObject parseJson(String json, String what) {
        try {
            JsonElement e = JsonParser.parseString(json);
            if (!e.isJsonObject()) {
                throw new InputException(dir, null, "the Keras metadata of the " + what + " is not a JSON object");
            }
            return e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new InputException(dir, null, "the Keras metadata of the " + what + " is not valid JSON ("
                    + SavedModelFiles.firstLine(e.getMessage()) + ")", e);
        }
    }

    // ---- functional models ---------------------------------------------------------------------------

    /** The layers of a functional model in chain order, or an error when they do not form one chain. */
    private List<JsonObject> chainOrder(JsonObject config, List<JsonObject> layers) {
        Map<String, JsonObject> byName = new LinkedHashMap<>();
        for (JsonObject layer : layers) {
            byName.put(layerName(layer), layer);
        }
        List<String> inputs = endpoints(config.get("input_layers"));
        List<String> outputs = endpoints(config.get("output_layers"));
        if (inputs.size() != 1 || outputs.size() != 1) {
            throw new InputException(dir, null, "the functional model has " + inputs.size() + " inputs " + inputs
                    + " and " + outputs.size() + " outputs " + outputs + "; only a simple chain from one input to "
                    + "one output is supported");
        }
        List<JsonObject> chain = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        String current = outputs.get(0);
        while (true) {
            JsonObject layer = byName.get(current);
            if (layer == null) {
                throw new InputException(dir, "layer '" + current + "'", "is referenced by the functional model but not "
                        + "listed in its layers");
            }
            if (!seen.add(current)) {
                throw new InputException(dir, "layer '" + current + "'", "appears twice on the path to the output; "
                        + "only a simple chain is supported");
            }
            chain.add(layer);
            JsonElement inbound = layer.get("inbound_nodes");
            if (inbound == null || !inbound.isJsonArray() || inbound.getAsJsonArray().isEmpty()) {
                break;
            }
            JsonArray calls = inbound.getAsJsonArray();
            if (calls.size() != 1) {
                throw new InputException(dir, "layer '" + current + "'", "is called " + calls.size() + " times; shared "
                        + "layers are not a simple chain");
            }
            List<String> from = KerasConfig.callInputs(calls.get(0));
            if (from.size() != 1) {
                throw new InputException(dir, "layer '" + current + "'", "takes " + from.size() + " inputs " + from
                        + "; the functional model is not a simple chain, which is all that is supported");
            }
            current = from.get(0);
        }
        Collections.reverse(chain);
        if (!layerName(chain.get(0)).equals(inputs.get(0))) {
            throw new InputException(dir, null, "the functional model's output does not lead back to its input '"
                    + inputs.get(0) + "' through a simple chain");
        }
        if (chain.size() != layers.size()) {
            List<String> off = new ArrayList<>(byName.keySet());
            off.removeAll(seen);
            throw new InputException(dir, "layer '" + off.get(0) + "'", "is not on the chain from the input to the "
                    + "output (layers off the chain: " + off + "); only a simple chain is supported");
        }
        return chain;
    }

    private static String layerName(JsonObject layer) {
        String name = string(layer, "name", null);
        if (name == null && layer.has("config") && layer.get("config").isJsonObject()) {
            name = string(layer.getAsJsonObject("config"), "name", null);
        }
        return name == null ? "?" : name;
    }

    /** {@code [["in", 0, 0]]} or {@code ["in", 0, 0]} (one endpoint, newer Keras) to layer names. */
    private static List<String> endpoints(JsonElement e) {
        List<String> names = new ArrayList<>();
        if (e == null || !e.isJsonArray()) {
            return names;
        }
        JsonArray a = e.getAsJsonArray();
        if (!a.isEmpty() && a.get(0).isJsonPrimitive()) {
            names.add(a.get(0).getAsString());
            return names;
        }
        for (JsonElement item : a) {
            if (item.isJsonArray() && !item.getAsJsonArray().isEmpty() && item.getAsJsonArray().get(0).isJsonPrimitive()) {
                names.add(item.getAsJsonArray().get(0).getAsString());
            }
        }
        return names;
    }

    // ---- layers and weights --------------------------------------------------------------------------

    /** The root's layer children, by Keras layer name. */
    private Map<String, SavedObject> layerObjects() {
        Map<String, SavedObject> byName = new HashMap<>();
        for (ObjectReference child : objects.getNodes(0).getChildrenList()) {
            if (!LAYER_CHILD.matcher(child.getLocalName()).matches() || child.getNodeId() >= objects.getNodesCount()) {
                continue;
            }
            SavedObject node = objects.getNodes(child.getNodeId());
            String json = metadata.get(child.getNodeId());
            if (json != null && !json.isBlank()) {
                byName.putIfAbsent(layerName(parseJson(json, "layer " + child.getLocalName())), node);
            }
            SavedVariable kernel = variable(node, "kernel");
            if (kernel != null && kernel.getName().endsWith("/kernel")) {
                String prefix = kernel.getName().substring(0, kernel.getName().length() - "/kernel".length());
                byName.putIfAbsent(prefix, node);
                byName.putIfAbsent(prefix.substring(prefix.lastIndexOf('/') + 1), node);
            }
        }
        return byName;
    }

    private SavedVariable variable(SavedObject layer, String localName) {
        for (ObjectReference child : layer.getChildrenList()) {
            if (child.getLocalName().equals(localName) && child.getNodeId() < objects.getNodesCount()) {
                SavedObject node = objects.getNodes(child.getNodeId());
                return node.hasVariable() ? node.getVariable() : null;
            }
        }
        return null;
    }

    private DenseLayer denseLayer(String name, JsonObject config, SavedObject node) {
        String place = "layer '" + name + "'";
        if (node == null) {
            throw new InputException(dir, place, "is a Dense layer whose weights are not in the SavedModel's object graph");
        }
        int units = config.has("units") && config.get("units").isJsonPrimitive() ? config.get("units").getAsInt() : -1;
        boolean useBias = !config.has("use_bias") || config.get("use_bias").isJsonNull()
                || config.get("use_bias").getAsBoolean();
        SavedVariable kernelVar = variable(node, "kernel");
        if (kernelVar == null) {
            throw new InputException(dir, place, "has no kernel variable in the SavedModel's object graph");
        }
        float[] kernel = fetch(place, "kernel", kernelVar);
        long[] shape = shape(kernelVar);
        if (shape.length != 2) {
            throw new InputException(dir, place, "has a kernel of rank " + shape.length + "; a Dense kernel is [inputs, units]");
        }
        int inputs = (int) shape[0];
        int width = (int) shape[1];
        if (units > 0 && width != units) {
            throw new InputException(dir, place, "has " + units + " units but its kernel is " + inputs + "x" + width);
        }
        if (inputs <= 0 || width <= 0 || kernel.length != inputs * width) {
            throw new InputException(dir, place, "has a kernel of " + kernel.length + " values for shape "
                    + inputs + "x" + width);
        }
        float[] bias = new float[width];
        if (useBias) {
            SavedVariable biasVar = variable(node, "bias");
            if (biasVar == null) {
                throw new InputException(dir, place, "uses a bias but has no bias variable in the object graph");
            }
            bias = fetch(place, "bias", biasVar);
            if (bias.length != width) {
                throw new InputException(dir, place, "has a bias of " + bias.length + " values for " + width + " units");
            }
        }
        return new DenseLayer(inputs, width, kernel, bias, Activation.IDENTITY);
    }

    private static long[] shape(SavedVariable v) {
        long[] dims = new long[v.getShape().getDimCount()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = v.getShape().getDim(i).getSize();
        }
        return dims;
    }

    private float[] fetch(String place, String what, SavedVariable v) {
        if (v.getDtype() != DataType.DT_FLOAT) {
            throw new InputException(dir, place, "has " + SavedModelFiles.typeName(v.getDtype()) + " " + what
                    + " weights; only float32 weights are supported");
        }
        TensorFlowException failure = null;
        for (String tensor : List.of(v.getName(), v.getName() + "/Read/ReadVariableOp")) {
            if (session.graph().operation(tensor) == null) {
                continue;
            }
            try (Result result = TfRuns.run(session.runner().fetch(tensor))) {
                Tensor t = result.get(0);
                if (!(t instanceof TFloat32 f)) {
                    throw new InputException(dir, place, "has " + SavedModelFiles.typeName(t.dataType()) + " " + what
                            + " weights; only float32 weights are supported");
                }
                return TfTensors.floats(f);
            } catch (TensorFlowException e) {
                failure = e;
            }
        }
        throw new InputException(dir, place, "cannot read the " + what + " variable '" + v.getName() + "'"
                + (failure == null ? ": no such operation in the graph" : " (" + SavedModelFiles.firstLine(failure.getMessage()) + ")"),
                failure);
    }

}

package org.odf2nna.tf;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.odf2nna.InputException;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.InputPrefix;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.proto.MetaGraphDef;

/**
 * Reads a TensorFlow SavedModel directory as a {@link DenseNetwork}.
 *
 * <p>Two routes, chosen by what the SavedModel holds:
 * <ul>
 *   <li><b>Keras models</b> (the object graph's root is a {@code _tf_keras_*} object, as
 *       {@code model.save(dir)} in tf.keras 2.x writes): the layers, their order and activations come from
 *       the Keras layer JSON (in the object graph, or in {@code keras_metadata.pb} from about TF 2.5 on),
 *       and the weights are fetched by variable name from the loaded model's session. The computation
 *       itself lives in TF2 function libraries, which are not walked. See {@link KerasChain}.</li>
 *   <li><b>Plain graphs</b> (TF1-style, such as those {@link SavedModelWriter} writes): the serving
 *       signature's output is walked back to its input through the graph's own MatMul, BiasAdd and
 *       activation ops, so what is read is exactly what TensorFlow computes; no side description is
 *       trusted. See {@link GraphChain}. {@link SavedModelWriter} also stores feature names in
 *       {@code assets.extra/odf2nna.json} when it is given them; that file is read for those alone.</li>
 * </ul>
 *
 * <p>Either way, the network read is then run against the SavedModel's own {@code serving_default}
 * signature on a few fixed pseudo-random rows; if the two disagree (a custom layer, an option this
 * reader does not know) the reading fails rather than return a network that computes something else.
 * Every native resource is closed before this returns; user mistakes are {@link InputException}s that
 * name the directory and, where there is one, the layer or operation.
 */
public final class SavedModelReader {

    private SavedModelReader() {
    }

    public static SavedModelDense read(Path dir) {
        MetaGraphDef serve = SavedModelFiles.serveGraph(dir);
        ServingSignature signature = SavedModelFiles.servingSignature(dir, serve);
        boolean keras = KerasChain.isKeras(serve);
        try (SavedModelBundle bundle = SavedModelFiles.load(dir)) {
            // The bundle's MetaGraphDef is the one TensorFlow loaded; it is the same serve graph.
            ReadChain chain = keras
                    ? KerasChain.read(dir, bundle.metaGraphDef(), bundle.session(), signature)
                    : GraphChain.read(dir, bundle.metaGraphDef(), bundle.session(), signature);
            DenseNetwork network = new DenseNetwork(InputPrefix.NONE, chain.layers(), chain.head());
            if (signature.outputWidth() > 0 && network.outputs() != signature.outputWidth()) {
                throw new InputException(dir, "layer '" + chain.names().get(chain.names().size() - 1) + "'", "has "
                        + network.outputs() + " units but the serving signature returns " + signature.outputWidth()
                        + " values per row");
            }
            checkAgainstServing(dir, bundle, signature, network, keras ? "the Keras layer metadata" : "the graph");
            return new SavedModelDense(dir, network, signature.inputName(), signature.outputName(), chain.names(),
                    featureNames(dir, network.inputs()));
        }
    }

    private static void checkAgainstServing(Path dir, SavedModelBundle bundle, ServingSignature signature,
                                            DenseNetwork network, String source) {
        float[] rows = ServingCheck.rows(network.inputs());
        float[] served = TfTensors.run(dir, bundle.session(), signature.inputName(), signature.outputName(), rows,
                ServingCheck.ROWS, network.inputs());
        String what = ServingCheck.mismatch(served, network.forward(rows, ServingCheck.ROWS), network.outputs());
        if (what != null) {
            throw new InputException(dir, null, "the serving signature does not compute the dense chain read from "
                    + source + ": it " + what + "; the model may hold custom layers or options this reader does not "
                    + "support");
        }
    }

    /** Feature names recorded by {@link SavedModelWriter}, or empty. */
    private static List<String> featureNames(Path dir, int inputs) {
        Path file = dir.resolve(SavedModelWriter.DESCRIPTION_FILE);
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        String place = SavedModelWriter.DESCRIPTION_FILE;
        JsonElement names;
        try {
            JsonElement root = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            names = root.isJsonObject() ? root.getAsJsonObject().get("feature_names") : null;
        } catch (JsonParseException e) {
            throw new InputException(dir, place, "is not valid JSON (" + SavedModelFiles.firstLine(e.getMessage()) + ")", e);
        } catch (IOException e) {
            throw new InputException(dir, place, "cannot read: " + e.getMessage(), e);
        }
        if (names == null || names.isJsonNull()) {
            return List.of();
        }
        if (!names.isJsonArray()) {
            throw new InputException(dir, place, "feature_names is not a list");
        }
        List<String> list = new ArrayList<>();
        for (JsonElement e : (JsonArray) names) {
            if (!e.isJsonPrimitive()) {
                throw new InputException(dir, place, "feature_names holds " + e + ", not a name");
            }
            list.add(e.getAsString());
        }
        if (!list.isEmpty() && list.size() != inputs) {
            throw new InputException(dir, place, "lists " + list.size() + " feature names but the network takes "
                    + inputs + " inputs");
        }
        return list;
    }
}

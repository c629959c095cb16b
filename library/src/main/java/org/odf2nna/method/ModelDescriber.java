package org.odf2nna.method;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.odf2nna.keras.KerasModel;
import org.odf2nna.settings.Task;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.OutputHead;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.ModelDescription;

/** Reads a model of any format and says how the tool sees it, as {@code inspect} shows it. */
public final class ModelDescriber {

    private ModelDescriber() {
    }

    /**
     * @param model an ONNX file, a Keras file or a SavedModel directory; never modified
     * @throws org.odf2nna.InputException when it cannot be read, or holds no dense chain the tool understands
     */
    public static ModelDescription describe(Path model) {
        KerasModel keras = ModelFiles.readKeras(model);
        return describe(keras != null ? ModelFiles.asOnnx(keras) : ModelFiles.read(model), keras,
                ModelReader.read(model).cleaningSummary());
    }

    /**
     * @param keras   the Keras file {@code read} was converted from, or null
     * @param cleaned what the cleaning pass did to the graph, one phrase per pass ({@link InputModel#cleaningSummary})
     */
    static ModelDescription describe(OnnxDenseModel read, KerasModel keras, List<String> cleaned) {
        ModelProto proto = read.model();
        DenseNetwork network = read.network();
        List<ModelDescription.Layer> layers = new ArrayList<>();
        for (int l = 0; l < network.layers().size(); l++) {
            DenseLayer layer = network.layer(l);
            String node = keras != null ? keras.layerNames().get(l) : read.layerNodes().get(l);
            if (layer.quantizedInputs()) {
                // Read through Int8Weights.readable: the file holds the integer chain, not a MatMul.
                node = node.replaceFirst("^MatMul", "MatMulInteger") + " (int8)";
            }
            layers.add(new ModelDescription.Layer(l + 1, node, layer.inputs(),
                    layer.units(), layer.activation().kind() == Activation.Kind.IDENTITY ? "none"
                            : layer.activation().toString(), layer.parameterCount(), l < network.hiddenLayerCount()));
        }
        Task task = Task.infer(network.outputs(), network.head());
        String head = network.head() == OutputHead.NONE
                ? (task == Task.CLASSIFICATION ? "none (logits)" : "none (values)")
                : network.head().displayName();
        ModelDescription.Graph graph = new ModelDescription.Graph(proto.getIrVersion(), read.defaultOpset(),
                (proto.getProducerName() + " " + proto.getProducerVersion()).trim());
        ModelDescription.Front front = new ModelDescription.Front(read.input().name(), read.input().describeShape(),
                prefix(network), network.prefix().operations());
        ModelDescription.Chain chain = new ModelDescription.Chain(head, task == Task.CLASSIFICATION
                ? "classification (" + Task.classCount(network.outputs()) + " classes)" : "regression",
                network.outputs(), network.architecture(), network.parameterCount(), layers);
        ModelDescription.Keras kerasFile = new ModelDescription.Keras(keras == null ? List.of()
                : keras.layout().folds().stream().map(KerasModel.Fold::describe).toList(),
                keras == null ? null : keras.describe());
        return new ModelDescription(read.source().toString(), ModelFiles.formatOf(read.source()).id(), graph, front,
                chain, read.operatorCounts(), kerasFile, cleaned);
    }

    private static String prefix(DenseNetwork network) {
        return switch (network.prefix().kind()) {
            case NONE -> "none";
            case PREPROCESSING -> "preprocessing";
            case BACKBONE -> "backbone";
        };
    }
}

package org.odf2nna.keras;

import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.odf2nna.BuildInfo;
import org.odf2nna.InputException;
import org.odf2nna.keras.KerasGraph.Value;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.OnnxModelBuilder;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.OperatorSetIdProto;

/**
 * A Keras model with layers before its dense head (convolutions, poolings, Rescaling, a residual Add): the backbone
 * translated into ONNX nodes ({@link KerasBackbone}), the dense head read as a dense chain as {@link KerasReader}
 * reads one (so that writing it back prunes it as a dense chain is pruned), both joined into one ONNX graph that every
 * command reads as an ONNX export: a kept prefix and a dense chain.
 */
final class KerasHeadReader {

    private KerasHeadReader() {
    }

    static KerasModel read(KerasReader reader, JsonObject root, JsonObject config, List<JsonObject> layers,
            boolean sequential, String version, List<KerasModel.ZipPart> parts) {
        KerasBackbone backbone = new KerasBackbone(reader.file(), layers, sequential, reader.weights(), version);
        int start = backbone.headStart(config);
        KerasModel head = null;
        // A head the chain reader refuses (an activation it does not know, a BatchNormalization it cannot fold)
        // starts at the next Dense layer, the layers before it going to the graph.
        while (start < layers.size()) {
            try {
                head = reader.readHead(layers, start, counts(layers, start, sequential), sequential, version, root,
                        "input", parts);
                break;
            } catch (InputException e) {
                start = backbone.nextDense(start);
            }
        }
        backbone.translateUpTo(start);
        Value chainInput = head == null ? null : backbone.inputOf(start);
        if (chainInput != null && chainInput.rank() != 2) {
            // A Dense over the last axis of a sequence or an image: the whole model is the graph.
            head = null;
            start = layers.size();
        }
        backbone.translateUpTo(start);
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < start; i++) {
            kept.add(KerasConfig.layer(layers.get(i), i).name());
        }
        ModelProto graph;
        if (head == null) {
            backbone.graph.output(backbone.output(config), "output");
            graph = model(backbone.graph.proto());
        } else {
            int width = head.network().inputs();
            if (chainInput.channels() >= 0 && chainInput.channels() != width) {
                throw new InputException(reader.file(), KerasConfig.place(head.layout().dense().get(0).name()), "has "
                        + width + " inputs but the layer before it gives " + chainInput.channels() + " values per row");
            }
            graph = joined(backbone.graph.proto(), head, chainInput.name());
        }
        DenseNetwork network;
        try {
            network = DenseChainReader.read(graph, reader.file()).network();
        } catch (InputException e) {
            if (head != null || e.malformed()) {
                throw e;
            }
            // No dense chain at the end (a 1x1 convolution as the classifier, a Flatten before the output): the
            // graph is read as a graph alone, by the commands that prune its blocks.
            network = null;
        }
        KerasModel.Backbone kept2 = new KerasModel.Backbone(graph, start, kept);
        return new KerasModel(new KerasModel.SourceFile(reader.file(), reader.container(), version, parts), root, network,
                head == null ? KerasModel.Layout.NONE : head.layout(), backbone.inputName, kept2);
    }

    /** The weight groups the layers before {@code start} count, by class (a Sequential's InputLayer has none). */
    private static Map<String, Integer> counts(List<JsonObject> layers, int start, boolean sequential) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < start; i++) {
            String kind = KerasConfig.string(layers.get(i), "class_name", "?");
            if (!(sequential && kind.equals("InputLayer"))) {
                KerasReader.groupName(kind, counts);
            }
        }
        return counts;
    }

    /** The backbone's nodes, then the head's Gemm and activation nodes reading {@code chainInput}. */
    private static ModelProto joined(GraphProto.Builder backbone, KerasModel head, String chainInput) {
        ModelProto headModel = OnnxModelBuilder.build(head.network(), chainInput, "output", Map.of(),
                head.layerNames());
        GraphProto h = headModel.getGraph();
        GraphProto.Builder graph = backbone.clone();
        graph.addAllNode(h.getNodeList()).addAllInitializer(h.getInitializerList()).addAllOutput(h.getOutputList());
        return model(graph);
    }

    private static ModelProto model(GraphProto.Builder graph) {
        return ModelProto.newBuilder().setIrVersion(OnnxModelBuilder.IR_VERSION).setProducerName(BuildInfo.NAME)
                .setProducerVersion(BuildInfo.version())
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OnnxModelBuilder.OPSET))
                .setGraph(graph).build();
    }
}

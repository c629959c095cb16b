package org.odf2nna.onnx;

import java.util.Map;
import org.odf2nna.BuildInfo;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.odf2nna.onnx.proto.OnnxProto.StringStringEntryProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.onnx.proto.OnnxProto.TypeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * Writes a {@link DenseNetwork} as a new ONNX graph (for networks that did not come from ONNX: a
 * SavedModel, or one the tool trained): per layer a Gemm with its weight {@code [inputs, units]} as
 * stored inside the tool (transB=0), the activation node, and the head. Opset 13, IR version 7, which
 * ONNX Runtime and the ONNX checkers of the last years all accept.
 */
public final class OnnxModelBuilder {

    public static final long OPSET = 13;
    public static final long IR_VERSION = 7;

    private OnnxModelBuilder() {
    }

    /**
     * @param inputName  name of the graph input ({@code [batch, inputs]}, float32)
     * @param outputName name of the graph output
     * @param metadata   entries for metadata_props (training settings, provenance)
     */
    public static ModelProto build(DenseNetwork network, String inputName, String outputName,
            Map<String, String> metadata) {
        return build(network, inputName, outputName, metadata, java.util.List.of());
    }

    /**
     * The same, with each layer's nodes and weights named after {@code layerNames} ({@code NAME/Gemm},
     * {@code NAME.weight}: a Keras file's own layer names, say) instead of {@code dense_1}, {@code dense_2}, ...
     *
     * @param layerNames a distinct name per layer, or empty for the numbered ones
     */
    public static ModelProto build(DenseNetwork network, String inputName, String outputName,
            Map<String, String> metadata, java.util.List<String> layerNames) {
        if (!layerNames.isEmpty() && (layerNames.size() != network.layers().size()
                || new java.util.HashSet<>(layerNames).size() != layerNames.size())) {
            throw new IllegalArgumentException("layer names " + layerNames + " for " + network.layers().size()
                    + " layers");
        }
        GraphProto.Builder graph = GraphProto.newBuilder().setName("odf2nna_dense");
        graph.addInput(tensorInfo(inputName, network.inputs()));
        String x = prefix(graph, network.prefix(), inputName);
        for (int l = 0; l < network.layers().size(); l++) {
            DenseLayer layer = network.layer(l);
            String prefix = layerNames.isEmpty() ? "dense_" + (l + 1) : layerNames.get(l);
            String w = prefix + ".weight";
            String b = prefix + ".bias";
            graph.addInitializer(OnnxTensors.newTensor(w, OnnxTensors.FLOAT, layer.weights(),
                    new long[] {layer.inputs(), layer.units()}));
            graph.addInitializer(OnnxTensors.newTensor(b, OnnxTensors.FLOAT, layer.bias(), new long[] {layer.units()}));
            boolean lastNode = l == network.layers().size() - 1
                    && layer.activation().kind() == Activation.Kind.IDENTITY
                    && network.head() == org.odf2nna.network.OutputHead.NONE;
            String gemmOut = lastNode ? outputName : prefix + "/Gemm_output";
            graph.addNode(NodeProto.newBuilder().setOpType("Gemm").setName(prefix + "/Gemm")
                    .addInput(x).addInput(w).addInput(b).addOutput(gemmOut));
            x = gemmOut;
            if (layer.activation().kind() != Activation.Kind.IDENTITY) {
                boolean lastActivation = l == network.layers().size() - 1
                        && network.head() == org.odf2nna.network.OutputHead.NONE;
                String out = lastActivation ? outputName : prefix + "/activation_output";
                graph.addNode(activationNode(graph, layer.activation(), prefix, x, out));
                x = out;
            }
        }
        switch (network.head()) {
            case SOFTMAX:
            case LOG_SOFTMAX:
                graph.addNode(NodeProto.newBuilder()
                        .setOpType(network.head() == org.odf2nna.network.OutputHead.SOFTMAX ? "Softmax" : "LogSoftmax")
                        .setName("head").addInput(x).addOutput(outputName)
                        .addAttribute(AttributeProto.newBuilder().setName("axis")
                                .setType(AttributeProto.AttributeType.INT).setI(-1)));
                break;
            case SIGMOID:
                graph.addNode(NodeProto.newBuilder().setOpType("Sigmoid").setName("head").addInput(x)
                        .addOutput(outputName));
                break;
            default:
                break;
        }
        graph.addOutput(tensorInfo(outputName, network.outputs()));
        ModelProto.Builder model = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName(BuildInfo.NAME).setProducerVersion(BuildInfo.version())
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(graph);
        metadata.forEach((k, v) -> model.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return model.build();
    }

    /**
     * The input prefix, written from scratch where that can be done: nothing for one that only reshapes (the input is
     * a flat row already), a Mul and an Add for one that scales and shifts each value ({@link InputPrefix.Affine});
     * returns the tensor the first layer reads.
     *
     * @throws IllegalArgumentException for any other prefix (a backbone)
     */
    private static String prefix(GraphProto.Builder graph, org.odf2nna.network.InputPrefix prefix, String input) {
        if (prefix.isEmpty() || prefix.reshapesOnly()) {
            return input;
        }
        org.odf2nna.network.InputPrefix.Affine affine = prefix.affine();
        if (affine == null) {
            throw new IllegalArgumentException("a network with an input prefix that does more than scale and shift "
                    + "each value (" + String.join(", ", prefix.operations()) + ") cannot be written from scratch");
        }
        long[] dims = {affine.scale().length};
        graph.addInitializer(OnnxTensors.newTensor("prefix.scale", OnnxTensors.FLOAT, affine.scale(), dims));
        graph.addInitializer(OnnxTensors.newTensor("prefix.shift", OnnxTensors.FLOAT, affine.shift(), dims));
        graph.addNode(NodeProto.newBuilder().setOpType("Mul").setName("prefix/Mul").addInput(input)
                .addInput("prefix.scale").addOutput("prefix/scaled"));
        graph.addNode(NodeProto.newBuilder().setOpType("Add").setName("prefix/Add").addInput("prefix/scaled")
                .addInput("prefix.shift").addOutput("prefix/output"));
        return "prefix/output";
    }

    static NodeProto activationNode(GraphProto.Builder graph, Activation a, String prefix, String in,
            String out) {
        NodeProto.Builder node = NodeProto.newBuilder().setOpType(a.onnxName()).setName(prefix + "/" + a.onnxName())
                .addInput(in).addOutput(out);
        switch (a.kind()) {
            case LEAKY_RELU:
            case ELU:
                node.addAttribute(floatAttribute("alpha", a.alpha()));
                break;
            case SELU:
                node.addAttribute(floatAttribute("alpha", a.alpha())).addAttribute(floatAttribute("gamma", a.beta()));
                break;
            case HARD_SIGMOID:
                node.addAttribute(floatAttribute("alpha", a.alpha())).addAttribute(floatAttribute("beta", a.beta()));
                break;
            case CLIP: {
                String min = prefix + ".clip_min";
                String max = prefix + ".clip_max";
                graph.addInitializer(OnnxTensors.newTensor(min, OnnxTensors.FLOAT, new float[] {a.alpha()}, new long[0]));
                graph.addInitializer(OnnxTensors.newTensor(max, OnnxTensors.FLOAT, new float[] {a.beta()}, new long[0]));
                node.addInput(min).addInput(max);
                break;
            }
            default:
                break;
        }
        return node.build();
    }

    private static AttributeProto floatAttribute(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    private static ValueInfoProto tensorInfo(String name, int width) {
        TensorShapeProto shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(width)).build();
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(OnnxTensors.FLOAT).setShape(shape))).build();
    }
}

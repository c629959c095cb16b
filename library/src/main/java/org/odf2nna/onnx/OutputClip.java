package org.odf2nna.onnx;

import java.util.List;
import java.util.Set;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.OutputHead;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.StringStringEntryProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * A regression model's output held to the range of its training targets: a Clip(lo, hi) on the graph output, and the
 * range recorded in {@code metadata_props} under {@link #METADATA_KEY} as {@code "lo,hi"}. The judge of regression
 * rounds ({@link org.odf2nna.metrics.BoundedRegression}) clips every output so before it bounds the MSE's rise, so the
 * written model computes what was judged. Read back, the Clip is the last layer's activation, which is why only a
 * network whose last layer is linear (no head) can take it ({@link #clippable}).
 */
public final class OutputClip {

    /** The metadata key of the recorded output range. */
    public static final String METADATA_KEY = "odf2nna.output_range";

    private OutputClip() {
    }

    /** Whether {@code network}'s output can be clipped in the written file: a linear last layer, no head. */
    public static boolean clippable(DenseNetwork network) {
        return network.head() == OutputHead.NONE
                && network.layer(network.layers().size() - 1).activation().equals(Activation.IDENTITY);
    }

    /** {@code network} with its output clipped to [lo, hi]: what the written file computes. */
    public static DenseNetwork network(DenseNetwork network, float lo, float hi) {
        if (!clippable(network)) {
            throw new IllegalArgumentException("only a linear last layer without head can be clipped");
        }
        List<DenseLayer> layers = new java.util.ArrayList<>(network.layers());
        DenseLayer last = layers.get(layers.size() - 1);
        layers.set(layers.size() - 1, new DenseLayer(last.inputs(), last.units(), last.weights(), last.bias(),
                Activation.clip(lo, hi), last.quantizedInputs()));
        return network.withLayers(layers);
    }

    /**
     * {@code model} with its graph output {@code output} clipped to [lo, hi] and the range recorded (replacing any
     * recorded before).
     */
    public static ModelProto apply(ModelProto model, String output, float lo, float hi) {
        GraphProto.Builder graph = model.getGraph().toBuilder();
        Set<String> names = GraphIndex.tensorNames(graph);
        String unclipped = GraphIndex.uniqueName(names, output + "_unclipped");
        int producer = -1;
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto node = graph.getNode(i);
            for (int k = 0; k < node.getOutputCount(); k++) {
                if (node.getOutput(k).equals(output)) {
                    graph.setNode(i, node.toBuilder().setOutput(k, unclipped));
                    producer = i;
                }
            }
        }
        if (producer < 0) {
            throw new IllegalArgumentException("no node writes output '" + output + "'");
        }
        NodeProto.Builder clip = NodeProto.newBuilder().setOpType("Clip")
                .setName(GraphIndex.uniqueName(names, "odf2nna_output_clip")).addInput(unclipped).addOutput(output);
        if (new GraphIndex(model, null).opset < 11) {
            clip.addAttribute(AttributeProto.newBuilder().setName("min").setType(AttributeProto.AttributeType.FLOAT)
                    .setF(lo));
            clip.addAttribute(AttributeProto.newBuilder().setName("max").setType(AttributeProto.AttributeType.FLOAT)
                    .setF(hi));
        } else {
            String min = GraphIndex.uniqueName(names, "odf2nna_output_min");
            String max = GraphIndex.uniqueName(names, "odf2nna_output_max");
            graph.addInitializer(scalar(min, lo));
            graph.addInitializer(scalar(max, hi));
            clip.addInput(min).addInput(max);
        }
        graph.addNode(producer + 1, clip.build());
        ModelProto.Builder b = model.toBuilder().setGraph(graph);
        List<StringStringEntryProto> kept = model.getMetadataPropsList().stream()
                .filter(e -> !e.getKey().equals(METADATA_KEY)).toList();
        b.clearMetadataProps().addAllMetadataProps(kept);
        b.addMetadataProps(StringStringEntryProto.newBuilder().setKey(METADATA_KEY).setValue(Float.toString(lo) + ","
                + Float.toString(hi)));
        return b.build();
    }

    /** The range recorded in {@code model} as {lo, hi}, or null when it holds none. */
    public static float[] read(ModelProto model) {
        for (StringStringEntryProto e : model.getMetadataPropsList()) {
            if (e.getKey().equals(METADATA_KEY)) {
                String[] parts = e.getValue().split(",");
                return new float[] {Float.parseFloat(parts[0]), Float.parseFloat(parts[1])};
            }
        }
        return null;
    }

    private static TensorProto scalar(String name, float value) {
        return TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .addFloatData(value).build();
    }
}

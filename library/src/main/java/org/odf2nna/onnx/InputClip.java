package org.odf2nna.onnx;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.odf2nna.network.InputRange;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.StringStringEntryProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * The range of the training rows recorded in a written model, and the clip that holds its inputs to it.
 *
 * <p>The range is that of the dense chain's input (the tensor its first layer reads, over all of the original's
 * columns), recorded in {@code metadata_props} under {@link #METADATA_KEY} as JSON:
 * {@code {"tensor": NAME, "rows": N, "clipped": true|false, "min": [...], "max": [...]}}. For a model whose chain reads
 * its input directly, or through shape steps only (Flatten, Reshape), these are the model's input columns as a CSV row
 * holds them. The clip is a Max with the per-column least values and then a Min with the greatest (constant
 * initializers), inserted where the chain's input is read, before an input selection's Gather: right after the graph
 * input when the chain reads it directly. Behind a normalisation or a backbone it clips the chain's input, the values
 * the rounds were judged on; every other node is left as it is.
 */
public final class InputClip {

    /** The metadata key of the recorded range. */
    public static final String METADATA_KEY = "odf2nna.input_range";

    private InputClip() {
    }

    /**
     * {@code model} with {@code range} recorded under {@link #METADATA_KEY} (replacing any recorded before) and, when
     * {@code clip}, the tensor {@code tensor} held to it before anything reads it.
     *
     * @param tensor the dense chain's input in {@code model}, as wide as the range
     */
    public static ModelProto apply(ModelProto model, String tensor, InputRange range, boolean clip) {
        ModelProto.Builder b = model.toBuilder();
        if (clip) {
            b.setGraph(clipped(model.getGraph(), tensor, range));
        }
        List<StringStringEntryProto> kept = model.getMetadataPropsList().stream()
                .filter(e -> !e.getKey().equals(METADATA_KEY)).toList();
        b.clearMetadataProps().addAllMetadataProps(kept);
        b.addMetadataProps(StringStringEntryProto.newBuilder().setKey(METADATA_KEY)
                .setValue(json(tensor, range, clip)));
        return b.build();
    }

    private static GraphProto clipped(GraphProto original, String tensor, InputRange range) {
        GraphProto.Builder graph = original.toBuilder();
        Set<String> names = GraphIndex.tensorNames(graph);
        graph.getInputList().forEach(i -> names.add(i.getName()));
        String lower = GraphIndex.uniqueName(names, "odf2nna_input_min");
        String upper = GraphIndex.uniqueName(names, "odf2nna_input_max");
        String raised = GraphIndex.uniqueName(names, tensor + "_at_least_min");
        String held = GraphIndex.uniqueName(names, tensor + "_clipped");
        int first = -1;
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto node = graph.getNode(i);
            NodeProto.Builder nb = node.toBuilder();
            boolean reads = false;
            for (int k = 0; k < node.getInputCount(); k++) {
                if (node.getInput(k).equals(tensor)) {
                    nb.setInput(k, held);
                    reads = true;
                }
            }
            if (reads) {
                graph.setNode(i, nb);
                first = first < 0 ? i : first;
            }
        }
        if (first < 0) {
            throw new IllegalArgumentException("no node reads tensor '" + tensor + "'");
        }
        graph.addInitializer(constant(lower, range.min()));
        graph.addInitializer(constant(upper, range.max()));
        NodeProto max = NodeProto.newBuilder().setOpType("Max").setName(GraphIndex.uniqueName(names,
                "odf2nna_clip_min")).addInput(tensor).addInput(lower).addOutput(raised).build();
        NodeProto min = NodeProto.newBuilder().setOpType("Min").setName(GraphIndex.uniqueName(names,
                "odf2nna_clip_max")).addInput(raised).addInput(upper).addOutput(held).build();
        graph.addNode(first, min);
        graph.addNode(first, max);
        return graph.build();
    }

    /** A float vector, broadcast along the chain input's last axis (its columns). */
    private static TensorProto constant(String name, float[] values) {
        return OnnxTensors.newTypedTensor(name, OnnxTensors.FLOAT, values, new long[] {values.length});
    }

    /** The recorded range as its metadata value holds it. */
    static String json(String tensor, InputRange range, boolean clip) {
        StringBuilder s = new StringBuilder("{\"tensor\": \"").append(tensor.replace("\\", "\\\\")
                .replace("\"", "\\\"")).append("\", \"rows\": ").append(range.rows()).append(", \"clipped\": ")
                .append(clip).append(", \"min\": ");
        values(s, range.min());
        s.append(", \"max\": ");
        values(s, range.max());
        return s.append('}').toString();
    }

    private static void values(StringBuilder s, float[] values) {
        s.append('[');
        for (int i = 0; i < values.length; i++) {
            s.append(i == 0 ? "" : ", ").append(number(values[i]));
        }
        s.append(']');
    }

    /** The shortest decimal that reads back as the same float. */
    private static String number(float v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e7f) {
            return String.format(Locale.ROOT, "%d", (long) v);
        }
        return Float.toString(v);
    }

    /**
     * The range recorded in {@code model}, or null when it holds none: {@code tensor}, whether it is clipped, and the
     * range.
     */
    public static Recorded read(ModelProto model) {
        for (StringStringEntryProto e : model.getMetadataPropsList()) {
            if (e.getKey().equals(METADATA_KEY)) {
                com.google.gson.JsonObject o = com.google.gson.JsonParser.parseString(e.getValue()).getAsJsonObject();
                com.google.gson.JsonArray lo = o.getAsJsonArray("min");
                com.google.gson.JsonArray hi = o.getAsJsonArray("max");
                float[] min = new float[lo.size()];
                float[] max = new float[hi.size()];
                for (int i = 0; i < min.length; i++) {
                    min[i] = lo.get(i).getAsFloat();
                    max[i] = hi.get(i).getAsFloat();
                }
                return new Recorded(o.get("tensor").getAsString(), o.get("clipped").getAsBoolean(),
                        new InputRange(min, max, o.get("rows").getAsInt()));
            }
        }
        return null;
    }

    /** A range as a model records it. */
    public record Recorded(String tensor, boolean clipped, InputRange range) {
    }
}

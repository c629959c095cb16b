package org.odf2nna.method;

import java.nio.file.Path;
import java.util.List;
import org.odf2nna.Device;
import org.odf2nna.graph.GraphDetectionJudging;
import org.odf2nna.graph.GraphFeed;
import org.odf2nna.graph.GraphRows;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * An Ultralytics detector exported with {@code dynamic=True} declares {@code images [batch, 3, height, width]} and
 * {@code output0 [batch, ?, anchors]}: the sweep's detector judging, retraining and checks read a detector's sizes
 * from those declarations ({@code [N, 4 + classes, anchors]}, the input's side), so for the sweep its sizes are pinned
 * to the images it is fed (the input's height and width, the output's per image from one run; the batch axes left
 * open), and the model written gets the declarations back.
 */
final class DynamicExportSizes {

    private DynamicExportSizes() {
    }

    /** {@code model} with its data input's and first output's open sizes pinned, or {@code model} as it is. */
    static ModelProto pinned(ModelProto model, GraphFeed feed, Path file, Device device) {
        if (!GraphDetectionJudging.ultralyticsDetector(model) || !opensBeyondBatch(model)) {
            return model;
        }
        String output = model.getGraph().getOutput(0).getName();
        long[] perImage;
        try (GraphFeed.Session s = feed.open(GraphRows.runnable(model, feed.data()), device, file)) {
            perImage = s.runShaped(new GraphRows(new float[feed.width()], feed.width(), null), 0, 1, List.of(output))
                    .get(output).shape();
        }
        GraphProto.Builder g = model.getGraph().toBuilder();
        for (int i = 0; i < g.getInputCount(); i++) {
            if (g.getInput(i).getName().equals(feed.data().name())) {
                g.setInput(i, sized(g.getInput(i), feed.data().shape()));
            }
        }
        g.setOutput(0, sized(g.getOutput(0), perImage));
        return model.toBuilder().setGraph(g).build();
    }

    /**
     * {@code written} with the declarations of the inputs and outputs it shares by name with the user's model in
     * {@code file}, where that is an Ultralytics detector with sizes open; else {@code written} as it is.
     */
    static ModelProto reopened(ModelProto written, Path file) {
        if (written == null || !GraphDetectionJudging.ultralyticsDetector(written)) {
            return written;
        }
        ModelProto original = org.odf2nna.onnx.OnnxModelFile.read(file);
        if (!opensBeyondBatch(original)) {
            return written;
        }
        GraphProto.Builder g = written.getGraph().toBuilder();
        for (int i = 0; i < g.getInputCount(); i++) {
            for (ValueInfoProto v : original.getGraph().getInputList()) {
                if (v.getName().equals(g.getInput(i).getName())) {
                    g.setInput(i, v);
                }
            }
        }
        for (int i = 0; i < g.getOutputCount(); i++) {
            for (ValueInfoProto v : original.getGraph().getOutputList()) {
                if (v.getName().equals(g.getOutput(i).getName())) {
                    g.setOutput(i, v);
                }
            }
        }
        return written.toBuilder().setGraph(g).build();
    }

    /** Whether the first input or output leaves a size open past its batch axis. */
    private static boolean opensBeyondBatch(ModelProto model) {
        GraphProto g = model.getGraph();
        return g.getInputCount() > 0 && g.getOutputCount() > 0 && (open(g.getInput(0)) || open(g.getOutput(0)));
    }

    private static boolean open(ValueInfoProto v) {
        TensorShapeProto s = v.getType().getTensorType().getShape();
        for (int d = 1; d < s.getDimCount(); d++) {
            if (!s.getDim(d).hasDimValue()) {
                return true;
            }
        }
        return false;
    }

    /** {@code v} with each size past the batch axis set from {@code shape} (the batch axis as it was). */
    private static ValueInfoProto sized(ValueInfoProto v, long[] shape) {
        TensorShapeProto.Builder s = v.getType().getTensorType().getShape().toBuilder();
        for (int d = 1; d < s.getDimCount() && d < shape.length; d++) {
            if (shape[d] > 0) {
                s.setDim(d, TensorShapeProto.Dimension.newBuilder().setDimValue(shape[d]));
            }
        }
        ValueInfoProto.Builder b = v.toBuilder();
        b.getTypeBuilder().getTensorTypeBuilder().setShape(s);
        return b.build();
    }
}

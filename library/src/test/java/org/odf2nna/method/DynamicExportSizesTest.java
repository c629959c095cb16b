package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.Device;
import org.odf2nna.graph.GraphFeed;
import org.odf2nna.graph.Graphs;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.StringStringEntryProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;

/** An Ultralytics dynamic=True export's open sizes pinned for the sweep, and given back to the model written. */
public class DynamicExportSizesTest {

    @TempDir
    Path dir;

    /** [batch, 3, height, width] -> Relu -> [batch, channels, h, w], exported by Ultralytics at imgsz [16, 12]. */
    private static ModelProto dynamicExport(boolean ultralytics) {
        Graphs g = new Graphs(51);
        g.inputOf("images", 1, "batch", "3", "height", "width").node("Relu", "output0", "images");
        ModelProto m = g.model(14);
        ModelProto.Builder b = m.toBuilder();
        b.getGraphBuilder().addOutput(ValueInfoProto.newBuilder().setName("output0").setType(m.getGraph().getInput(0)
                .getType().toBuilder().setTensorType(m.getGraph().getInput(0).getType().getTensorType().toBuilder()
                        .setShape(shape("batch", "channels", "h", "w")))));
        if (ultralytics) {
            b.addMetadataProps(entry("author", "Ultralytics")).addMetadataProps(entry("task", "detect"))
                    .addMetadataProps(entry("imgsz", "[16, 12]"));
        }
        return b.build();
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    private static TensorShapeProto shape(String... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (String d : dims) {
            s.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(d));
        }
        return s.build();
    }

    private static List<String> dims(ValueInfoProto v) {
        return v.getType().getTensorType().getShape().getDimList().stream()
                .map(d -> d.hasDimValue() ? Long.toString(d.getDimValue()) : d.getDimParam()).toList();
    }

    @Test
    void theSweepSeesFixedSizesAndTheWrittenModelTheOpenOnes() throws IOException {
        ModelProto exported = dynamicExport(true);
        Path file = dir.resolve("dyn.onnx");
        Files.write(file, exported.toByteArray());
        GraphFeed feed = GraphFeed.of(exported, file);
        ModelProto pinned = DynamicExportSizes.pinned(exported, feed, file, Device.CPU);
        assertEquals(List.of("batch", "3", "16", "12"), dims(pinned.getGraph().getInput(0)));
        assertEquals(List.of("batch", "3", "16", "12"), dims(pinned.getGraph().getOutput(0)));
        ModelProto written = DynamicExportSizes.reopened(pinned, file);
        assertEquals(List.of("batch", "3", "height", "width"), dims(written.getGraph().getInput(0)));
        assertEquals(List.of("batch", "channels", "h", "w"), dims(written.getGraph().getOutput(0)));
    }

    @Test
    void anyOtherModelIsLeftAsItIs() {
        ModelProto other = dynamicExport(false);
        GraphFeed feed = GraphFeed.resolve(other, dir, org.odf2nna.settings.ModelInputs.NONE.withRowShape(
                new long[] {3, 4, 4}), List.of());
        assertSame(other, DynamicExportSizes.pinned(other, feed, dir, Device.CPU));
        assertSame(other, DynamicExportSizes.reopened(other, dir));
    }
}

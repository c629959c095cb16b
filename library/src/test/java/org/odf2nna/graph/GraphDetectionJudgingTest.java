package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.odf2nna.metrics.DetectionMap.Box;
import org.odf2nna.metrics.DetectionMap.Detection;
import org.odf2nna.metrics.DetectionMap.Truth;
import org.odf2nna.metrics.DetectionShift;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.onnx.proto.OnnxProto.TypeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;

/** A detector's rounds judged by the agreement of its confident boxes, not by the argmax of raw channels. */
public class GraphDetectionJudgingTest {

    @Test
    void aYoloV8OutputIsJudgedAsADetector() {
        assertTrue(GraphDetectionJudging.detector(withOutput("1", "7", "525")));
        assertFalse(GraphDetectionJudging.detector(withOutput("N", "7", "525")));
        assertFalse(GraphDetectionJudging.detector(withOutput("1", "10")));
    }

    /**
     * An Ultralytics export with dynamic=True declares its output [batch, Concatoutput0_dim_1, anchors]: a detector by
     * its metadata (author Ultralytics, task detect), not without it, nor when the metadata says another task.
     */
    @Test
    void aDynamicUltralyticsExportIsJudgedAsADetectorByItsMetadata() {
        ModelProto open = withOutput("batch", "Concatoutput0_dim_1", "anchors");
        assertFalse(GraphDetectionJudging.detector(open));
        assertTrue(GraphDetectionJudging.detector(withMetadata(open, "Ultralytics", "detect")));
        assertFalse(GraphDetectionJudging.detector(withMetadata(open, "Ultralytics", "classify")));
        assertFalse(GraphDetectionJudging.detector(withMetadata(open, "someone", "detect")));
        assertFalse(GraphDetectionJudging.detector(withMetadata(withOutput("batch", "classes"), "Ultralytics",
                "detect")));
    }

    private static ModelProto withMetadata(ModelProto model, String author, String task) {
        return model.toBuilder().addMetadataProps(org.odf2nna.onnx.proto.OnnxProto.StringStringEntryProto.newBuilder()
                .setKey("author").setValue(author)).addMetadataProps(org.odf2nna.onnx.proto.OnnxProto
                        .StringStringEntryProto.newBuilder().setKey("task").setValue(task)).build();
    }

    /** An image changes when its confident boxes move apart or a class changes; unconfident boxes do not count. */
    @Test
    void imagesChangeWhenTheirConfidentBoxesDoNotPair() {
        Box a = new Box(0, 0, 10, 10);
        List<List<Detection>> original = List.of(List.of(new Detection(a, 0.9f, 0)), List.of(new Detection(a, 0.9f,
                0)), List.of(new Detection(a, 0.1f, 0)));
        List<List<Detection>> candidate = List.of(List.of(new Detection(new Box(1, 0, 11, 10), 0.7f, 0)),
                List.of(new Detection(a, 0.9f, 1)), List.of(new Detection(new Box(50, 50, 60, 60), 0.2f, 2)));
        var judged = GraphDetectionJudging.changed(original, candidate);
        assertEquals(3, judged.rows());
        assertEquals(1, judged.lost());
        assertEquals(0, judged.gained());
    }

    /** An image's errors: boxes missed plus false detections at the working point, each box matched once. */
    @Test
    void anImagesErrorsAreItsMissedBoxesAndFalseDetections() {
        List<Truth> truths = List.of(new Truth(new Box(0, 0, 10, 10), 0), new Truth(new Box(20, 20, 30, 30), 1));
        Detection hit = new Detection(new Box(1, 0, 11, 10), 0.9f, 0);
        Detection twice = new Detection(new Box(0, 1, 10, 11), 0.8f, 0);
        Detection wrongClass = new Detection(new Box(20, 20, 30, 30), 0.9f, 0);
        Detection faint = new Detection(new Box(20, 20, 30, 30), 0.2f, 1);
        Detection second = new Detection(new Box(21, 20, 31, 30), 0.6f, 1);
        assertEquals(0, DetectionShift.errors(List.of(hit, second), truths, 0.25f, 0.5f));
        // A box found twice: one false; the second box missed, and the faint one does not count.
        assertEquals(2, DetectionShift.errors(List.of(hit, twice, faint), truths, 0.25f, 0.5f));
        // A class wrong: a false detection and a miss.
        assertEquals(2, DetectionShift.errors(List.of(hit, wrongClass), truths, 0.25f, 0.5f));
        assertEquals(2, DetectionShift.errors(List.of(), truths, 0.25f, 0.5f));
    }

    /** Labelled boxes, normalised centre and size, read in input pixels; padding rows left out. */
    @Test
    void labelledBoxesAreReadInInputPixels() {
        float[] boxes = {2, 0.5f, 0.25f, 0.5f, 0.1f, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0.1f, 0.1f, 0.2f, 0.2f};
        GraphRows rows = new GraphRows(new float[2], 1, null, null, null, boxes);
        assertEquals(2, rows.boxesPerRow());
        List<Truth> first = GraphDetectionJudging.truths(rows, 0, 160, 320);
        assertEquals(1, first.size());
        assertBox(new Box(80, 32, 240, 48), first.get(0).box());
        assertEquals(2, first.get(0).classId());
        Truth second = GraphDetectionJudging.truths(rows, 1, 160, 320).get(0);
        assertBox(new Box(0, 0, 64, 32), second.box());
        assertEquals(0, second.classId());
        assertEquals(1, rows.first(1).count());
        assertEquals(10, rows.first(1).boxes().length);
    }

    private static void assertBox(Box expected, Box actual) {
        assertEquals(expected.x1(), actual.x1(), 1e-3);
        assertEquals(expected.y1(), actual.y1(), 1e-3);
        assertEquals(expected.x2(), actual.x2(), 1e-3);
        assertEquals(expected.y2(), actual.y2(), 1e-3);
    }

    private static ModelProto withOutput(String... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (String d : dims) {
            shape.addDim(d.matches("[0-9]+") ? TensorShapeProto.Dimension.newBuilder().setDimValue(Long.parseLong(d))
                    : TensorShapeProto.Dimension.newBuilder().setDimParam(d));
        }
        return ModelProto.newBuilder().setGraph(GraphProto.newBuilder().addOutput(ValueInfoProto.newBuilder()
                .setName("output0").setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                        .setElemType(1).setShape(shape))))).build();
    }
}

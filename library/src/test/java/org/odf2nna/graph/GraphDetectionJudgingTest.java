package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.odf2nna.metrics.DetectionMap.Box;
import org.odf2nna.metrics.DetectionMap.Detection;
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

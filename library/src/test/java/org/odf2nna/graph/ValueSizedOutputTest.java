package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.method.GraphSweeper;
import org.odf2nna.onnx.OnnxValues;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.onnx.proto.OnnxProto.TypeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;
import org.odf2nna.settings.SweepFiles;
import org.odf2nna.settings.SweepSettings;

/** A graph whose first output comes after a detector's postprocessing, as torchvision exports one. */
class ValueSizedOutputTest {

    @TempDir
    Path dir;

    /** The classifier's logits, then kept where above 0 (Greater, NonZero, Transpose) as its only output. */
    private static ModelProto thresholded() {
        GraphProto.Builder g = GraphSweepRetrainTest.classifier(false).getGraph().toBuilder();
        g.addInitializer(OnnxValues.newTensor("zero", OnnxValues.FLOAT, new float[] {0f}, new long[0]));
        g.addNode(node("Greater", "/post/Greater", "mask", "logits", "zero"));
        g.addNode(node("NonZero", "/post/NonZero", "where", "mask"));
        g.addNode(node("Transpose", "/post/Transpose", "kept", "where"));
        TensorShapeProto shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("detections"))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(2)).build();
        g.clearOutput().addOutput(ValueInfoProto.newBuilder().setName("kept").setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.INT64_VALUE)
                        .setShape(shape))));
        return GraphSweepRetrainTest.classifier(false).toBuilder().setGraph(g).build();
    }

    private static NodeProto node(String op, String name, String out, String... inputs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name).addOutput(out);
        for (String in : inputs) {
            n.addInput(in);
        }
        return n.build();
    }

    @Test
    void aSweepOfAGraphWhoseOutputComesAfterNonZeroIsRefusedInOneLineNamingTheNode() throws IOException {
        Path file = dir.resolve("detector.onnx");
        Files.write(file, thresholded().toByteArray());
        Path out = dir.resolve("small.onnx");
        SweepFiles files = SweepFiles.of(file, dir.resolve("absent-train.csv"), dir.resolve("absent-test.csv"), out)
                .withValidation(dir.resolve("absent-validation.csv"));
        InputException e = assertThrows(InputException.class, () -> GraphSweeper.sweep(files,
                SweepSettings.defaults(), Progress.NONE));
        String message = e.getMessage();
        assertFalse(message.contains("\n"), message);
        assertTrue(message.contains("detector.onnx"), message);
        assertTrue(message.contains("output 'kept' comes after NonZero '/post/NonZero'"), message);
        assertFalse(Files.exists(out));
    }

    @Test
    void nonMaxSuppressionInsideAnIfIsNamedWithTheIf() {
        GraphProto.Builder g = GraphSweepRetrainTest.classifier(false).getGraph().toBuilder();
        GraphProto then = GraphProto.newBuilder().setName("then")
                .addNode(node("NonMaxSuppression", "/post/nms", "selected", "boxes", "logits"))
                .addOutput(ValueInfoProto.newBuilder().setName("selected")).build();
        GraphProto otherwise = GraphProto.newBuilder().setName("else")
                .addNode(node("Identity", "/post/none", "none", "empty"))
                .addOutput(ValueInfoProto.newBuilder().setName("none")).build();
        g.addNode(node("Identity", "/post/cond", "cond", "flag"));
        g.addNode(node("If", "If_9", "keep", "cond").toBuilder()
                .addAttribute(AttributeProto.newBuilder().setName("then_branch")
                        .setType(AttributeProto.AttributeType.GRAPH).setG(then))
                .addAttribute(AttributeProto.newBuilder().setName("else_branch")
                        .setType(AttributeProto.AttributeType.GRAPH).setG(otherwise)).build());
        g.addNode(node("Gather", "/post/Gather", "picked", "logits", "keep"));
        g.clearOutput().addOutput(ValueInfoProto.newBuilder().setName("picked"));
        ModelProto model = GraphSweepRetrainTest.classifier(false).toBuilder().setGraph(g).build();
        assertEquals("If_9", ValueSizedOutput.nearest(model).getName());
        InputException e = assertThrows(InputException.class, () -> ValueSizedOutput.refuse(model,
                Path.of("det.onnx")));
        assertTrue(e.getMessage().contains("output 'picked' comes after If 'If_9' (holding NonMaxSuppression "
                + "'/post/nms')"), e.getMessage());
    }

    @Test
    void aClassifierAndItsTopKOfAConstantKAreNotRefused() {
        ModelProto classifier = GraphSweepRetrainTest.classifier(false);
        assertNull(ValueSizedOutput.nearest(classifier));
        GraphProto.Builder g = classifier.getGraph().toBuilder();
        g.addInitializer(OnnxValues.int64Vector("k", 2));
        g.addNode(NodeProto.newBuilder().setOpType("TopK").setName("/top").addInput("logits").addInput("k")
                .addOutput("top").addOutput("topIndex").build());
        g.clearOutput().addOutput(ValueInfoProto.newBuilder().setName("top"));
        assertNull(ValueSizedOutput.nearest(classifier.toBuilder().setGraph(g).build()));
        // The same TopK with K computed (from the shape it reads) is sized by values.
        g.removeInitializer(g.getInitializerCount() - 1);
        g.addNode(node("Shape", "/shape", "k", "logits"));
        assertEquals("/top", ValueSizedOutput.nearest(classifier.toBuilder().setGraph(g).build()).getName());
    }
}

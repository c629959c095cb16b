package org.odf2nna.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/** Raising a model of opset 9 to 13: the same outputs in ONNX Runtime, bit for bit; or one line naming the operator. */
class OpsetRaiseTest {

    static final Path FILE = Path.of("old.onnx");
    static final InputSignature INPUT = new InputSignature("x", OnnxTensors.FLOAT, new long[] {-1, 6});

    @Test
    void anOpset9ModelIsRaisedTo13AndComputesTheSameBitForBit() {
        ModelProto old = GraphModels.opset9Chain();
        ModelProto raised = OpsetRaise.atLeast(old, FILE, 13, "int8 weights");
        assertEquals(13, OpsetRaise.opset(raised));
        assertEquals(7, raised.getIrVersion());
        NodeProto unsqueeze = raised.getGraph().getNode(0);
        assertEquals(2, unsqueeze.getInputCount());
        assertEquals(0, unsqueeze.getAttributeCount());
        NodeProto slice = raised.getGraph().getNode(4);
        assertEquals(4, slice.getInputCount());
        assertEquals(3, raised.getGraph().getNode(5).getInputCount(), "Clip's min and max as inputs");
        assertEquals(0, raised.getGraph().getNode(6).getAttributeCount(), "Dropout's ratio dropped");
        float[] x = GraphModels.rows(9, 30, 6);
        assertArrayEquals(run(old, x), run(raised, x));
        assertSame(raised, OpsetRaise.atLeast(raised, FILE, 11, "int8 weights"));
    }

    @Test
    void anOperatorWhoseMeaningChangedIsNamedInOneLine() {
        InputException e = assertThrows(InputException.class, () -> OpsetRaise.atLeast(GraphModels.opset9Upsample(),
                FILE, 13, "int8 weights"));
        assertTrue(e.getMessage().contains("up_node") && e.getMessage().contains("Upsample")
                && e.getMessage().contains("opset 13") && !e.getMessage().contains("\n"), e.getMessage());

        GraphModels s = new GraphModels(1, 9, 6);
        s.node("Reshape", List.of("x", s.ints("shape", -1, 2, 3)), "r")
                .node("Softmax", List.of("r"), "y", GraphModels.integer("axis", 1));
        InputException softmax = assertThrows(InputException.class, () -> OpsetRaise.atLeast(s.build("y", -1, 2, 3),
                FILE, 13, "int8 weights"));
        assertTrue(softmax.getMessage().contains("Softmax over axis 1 of an input of rank 3"), softmax.getMessage());
        // The same Softmax on its last axis means the same at 13.
        GraphModels last = new GraphModels(1, 9, 6);
        last.node("Reshape", List.of("x", last.ints("shape", -1, 2, 3)), "r")
                .node("Softmax", List.of("r"), "y", GraphModels.integer("axis", 2));
        assertEquals(13, OpsetRaise.opset(OpsetRaise.atLeast(last.build("y", -1, 2, 3), FILE, 13, "int8 weights")));
    }

    private static float[] run(ModelProto model, float[] x) {
        try (OnnxRunner runner = OnnxRunner.open(model, INPUT, Device.CPU, FILE)) {
            return runner.run(x, x.length / 6, 6, List.of("y")).get("y");
        }
    }
}

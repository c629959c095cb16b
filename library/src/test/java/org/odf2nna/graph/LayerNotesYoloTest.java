package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/** inspect's notes on a YOLOv8 graph: a convolution read by its SiLU's Sigmoid and Mul feeds one activation. */
class LayerNotesYoloTest {

    @Test
    void aSiluPairIsOneActivationNotTwoReaders() throws Exception {
        Path file = Path.of("library/src/test/resources/corpus/tiny-yolo/tiny_yolov8.onnx");
        GraphView g = new GraphView(ModelProto.parseFrom(Files.readAllBytes(file)), file);
        List<String> notes = LayerNotes.outside(g, BlockFinder.find(g));
        assertFalse(notes.isEmpty());
        for (String note : notes) {
            assertFalse(note.contains("(Sigmoid"), note);
        }
        int conv = -1;
        for (int i = 0; i < g.nodes.size(); i++) {
            if (g.nodes.get(i).getName().equals("/model.2/cv2/conv/Conv")) {
                conv = i;
            }
        }
        assertTrue(LayerNotes.silu(g, g.nodes.get(conv).getOutput(0)));
        assertEquals(false, LayerNotes.silu(g, g.nodes.get(conv).getInput(0)));
    }
}

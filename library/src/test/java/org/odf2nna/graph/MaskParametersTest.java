package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/**
 * A causal language model's mask buffer (nanoGPT's lower-triangular {@code bias}, sliced to the sequence and compared
 * with 0) is no parameter: the tiny GPT counts as many as torch does. A constant that is computed with stays one.
 */
class MaskParametersTest {

    private static final Path FOLDER = Path.of("library/src/test/resources/corpus/tiny-gpt");

    @Test
    void theTinyGptCountsTorchsParameters() throws Exception {
        ModelProto model = OnnxModelFile.read(FOLDER.resolve("gpt.onnx"));
        long torch = JsonParser.parseString(Files.readString(FOLDER.resolve("torch.json"))).getAsJsonObject()
                .get("parameters").getAsLong();
        GraphView view = new GraphView(model, FOLDER.resolve("gpt.onnx"));
        assertTrue(view.mask("blocks.0.attn.bias"));
        assertEquals(torch, view.parameters());
    }

    @Test
    void aConstantComputedWithIsCounted() {
        Graphs g = new Graphs(83);
        g.input("x", 4).output("y", 4);
        String compared = g.node("Equal", "eq", g.node("Slice", "cut", g.init("mask", 1.0, 4),
                g.int64("starts", 0), g.int64("ends", 4)), "x");
        g.node("Where", "y", compared, "x", g.node("Add", "added", "x", g.init("offset", 1.0, 4)));
        GraphView view = new GraphView(g.model(14), Path.of("g.onnx"));
        assertTrue(view.mask("mask"));
        assertFalse(view.mask("offset"));
        assertEquals(4, view.parameters());
    }
}

package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.onnx.TestModels;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * A model whose shapes contradict each other is bad input (issue 47): every command refuses it with exit 1 and one line
 * that starts with the node and its shapes, never "has no dense blocks ... nothing to prune" (exit 3).
 */
class MalformedModelCliTest {

    @TempDir
    Path dir;

    @Test
    void aGemmBiasOfAnotherWidthIsBadInputForEveryCommand() throws IOException {
        ModelProto m = TestModels.dense(4, 8, 6, 3).build().model();
        TensorProto b = TestModels.initializer(m, "fc1.bias");
        Path model = TestModels.save(BadInputMatrixTest.replaceInitializer(m, b.getName(),
                TestModels.floatTensor("fc1.bias", new float[5], 5)), dir, "bias.onnx");
        assertRefusedEverywhere(model, "bias.onnx: node 'fc1' (Gemm): has a bias 'fc1.bias' of shape [5]; expected [8]");
    }

    @Test
    void aTwoLayerModelWithABrokenBiasIsNotCalledBlocklessButRefusedForItsShapes() throws IOException {
        // The first-hour case: the graph path used to call it "no dense blocks ... nothing to prune" (exit 3).
        ModelProto m = TestModels.dense(4, 16, 3).build().model();
        Path model = TestModels.save(BadInputMatrixTest.replaceInitializer(m, "fc1.bias",
                TestModels.floatTensor("fc1.bias", new float[5], 5)), dir, "mlp.onnx");
        assertRefusedEverywhere(model, "mlp.onnx: node 'fc1' (Gemm): has a bias 'fc1.bias' of shape [5]; expected [16]");
    }

    @Test
    void aLayerTakingMoreInputsThanTheUnitsBeforeItIsBadInputForEveryCommand() throws IOException {
        ModelProto m = TestModels.dense(4, 8, 6, 3).build().model();
        TensorProto narrower = TestModels.floatTensor("fc2.weight", new float[6 * 7], 6, 7);
        Path model = TestModels.save(BadInputMatrixTest.replaceInitializer(m, "fc2.weight", narrower), dir,
                "shape.onnx");
        assertRefusedEverywhere(model, "shape.onnx: node 'fc2' (Gemm): takes 7 inputs, but the layer before it");
    }

    private void assertRefusedEverywhere(Path model, String start) throws IOException {
        Path csv = dir.resolve("rows.csv");
        StringBuilder rows = new StringBuilder("a,b,c,d,label\n");
        for (int r = 0; r < 40; r++) {
            rows.append(r % 5).append(',').append(r % 7).append(',').append(r % 3).append(",1,").append(r % 3)
                    .append('\n');
        }
        Files.writeString(csv, rows);
        Path out = dir.resolve("out.onnx");
        List<String[]> commands = List.of(
                new String[] {"sweep", model.toString(), "--eval", csv.toString(), "--train", csv.toString(), "-o",
                    out.toString()},
                new String[] {"shrink", model.toString(), "--eval", csv.toString(), "-o", out.toString()},
                new String[] {"eval", model.toString(), csv.toString()},
                new String[] {"inspect", model.toString()});
        for (String[] command : commands) {
            CliRun run = CliRun.of(command);
            assertEquals(Main.FAILED, run.exitCode(), command[0] + ": " + run);
            List<String> lines = run.err().lines().toList();
            assertEquals(1, lines.size(), command[0] + ": one line: " + run);
            assertTrue(lines.get(0).startsWith("odf2nna-onnx: error: " + model.getParent() + "/" + start),
                    command[0] + ": the node and its shapes first: " + lines.get(0));
        }
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith("out")).toList(),
                    "nothing written");
        }
    }
}

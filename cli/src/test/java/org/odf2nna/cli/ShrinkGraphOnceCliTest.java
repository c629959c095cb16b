package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * shrink without --train on a graph (issue 56): one round of the sweep's pruning (block finder, ranking, block limits,
 * refit) on the --eval rows, not retrained, written; models the dense chain reader refuses only for their shape (an
 * elementwise Sin between two Gemms, an Abs after the last) are such graphs, while a NaN weight stays bad input.
 */
class ShrinkGraphOnceCliTest {

    @TempDir
    Path dir;

    @Test
    void oneRoundOfAFfnGraphIsWrittenAndEvalReadsIt() throws Exception {
        Path model = BadInputMatrixTest.save(dir, "ffn.onnx", GraphBlocksCliTest.classifier());
        Path rows = GraphBlocksCliTest.randomRows(dir.resolve("rows.csv"), 300, 8);
        Path once = dir.resolve("once.onnx");
        Path report = dir.resolve("once.json");
        CliRun run = CliRun.of("-q", "shrink", model.toString(), "--eval", rows.toString(), "-o", once.toString(),
                "--report", report.toString());
        assertEquals(0, run.exitCode(), run.toString());
        // The block has 6*16+16+16*6 = 208 parameters (+ its second bias 6: 214); 20% of them go in one round.
        assertTrue(run.out().contains("Pruned   one round of 20% of the block parameters ("), run.out());
        assertTrue(run.out().contains("not retrained"), run.out());
        assertTrue(run.out().contains("Size     the whole model "), run.out());
        assertTrue(run.out().contains("of 300 predictions changed (the rows that chose the units: they report, "
                + "nothing judged the round)"), run.out());
        assertTrue(run.out().contains("wrote " + once) && run.out().contains("wrote " + report), run.out());
        assertTrue(Files.readString(report).contains("\"removed\""), Files.readString(report));
        // Fewer parameters than the original, and eval runs it.
        assertTrue(Files.size(once) < Files.size(model), Files.size(once) + " vs " + Files.size(model));
        CliRun eval = CliRun.of("eval", once.toString(), rows.toString());
        assertEquals(0, eval.exitCode(), eval.toString());
        assertTrue(eval.out().contains("(300 rows, classification)"), eval.out());
    }

    @Test
    void anElementwiseActivationAndAnOpAfterTheChainArePrunedAsGraphs() throws Exception {
        Path rows = BadInputMatrixTest.goodCsv(dir);
        ModelProto sin = BadInputMatrixTest.replaceOp(BadInputMatrixTest.threeLayers(), "act1", "Sin");
        for (ModelProto m : List.of(sin, withAbsAtTheEnd(BadInputMatrixTest.threeLayers()))) {
            Path model = BadInputMatrixTest.save(dir, "graph.onnx", m);
            Path out = dir.resolve("graph.small.onnx");
            Files.deleteIfExists(out);
            CliRun run = CliRun.of("-q", "shrink", model.toString(), "--eval", rows.toString(), "-o", out.toString());
            assertEquals(0, run.exitCode(), run.toString());
            assertTrue(run.out().contains("Pruned   one round of "), run.out());
            CliRun eval = CliRun.of("eval", out.toString(), rows.toString());
            assertEquals(0, eval.exitCode(), eval.toString());
        }
    }

    @Test
    void aNanWeightIsStillRefusedAndNothingIsWritten() throws Exception {
        Path rows = BadInputMatrixTest.goodCsv(dir);
        ModelProto m = BadInputMatrixTest.threeLayers();
        float[] values = new float[6 * 8];
        values[5] = Float.NaN;
        Path model = BadInputMatrixTest.save(dir, "nan.onnx", BadInputMatrixTest.replaceInitializer(m, "fc2.weight",
                org.odf2nna.onnx.TestModels.floatTensor("fc2.weight", values, 6, 8)));
        CliRun run = CliRun.of("shrink", model.toString(), "--eval", rows.toString(), "-o",
                dir.resolve("out.onnx").toString());
        assertEquals(1, run.exitCode(), run.toString());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().contains("node 'fc2' (Gemm)") && run.err().contains("not a finite number"), run.err());
        try (Stream<Path> left = Files.list(dir)) {
            assertFalse(left.anyMatch(p -> p.getFileName().toString().contains("out")), "nothing written");
        }
    }

    /** {@code m} with an Abs between its last layer and its output. */
    private static ModelProto withAbsAtTheEnd(ModelProto m) {
        GraphProto.Builder g = m.getGraph().toBuilder();
        String out = g.getOutput(0).getName();
        int last = g.getNodeCount() - 1;
        g.setNode(last, g.getNode(last).toBuilder().setOutput(0, "before_abs"));
        g.addNode(NodeProto.newBuilder().setName("abs").setOpType("Abs").addInput("before_abs").addOutput(out));
        return m.toBuilder().setGraph(g).build();
    }
}

package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.graph.Graphs;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * An ONNX export as Keras 3 writes it (float→float Casts before the output, BatchNormalization as Sub/Mul/Add between
 * dense layers), which every command refused before the cleaning pass: inspect says what was cleaned and reads the
 * dense chain, eval runs it, and shrink writes the cleaned graph.
 */
class CleaningCliTest {

    @TempDir
    Path dir;

    static ModelProto keras3Export() {
        Graphs g = new Graphs(41).input("x", 6).output("y", 3);
        String h = g.node("MatMul", "mm1", "x", g.init("w1", 0.6, 6, 12));
        h = g.node("Add", "dense1", h, g.init("b1", 0.3, 12));
        h = g.node("Relu", "r1", h);
        h = g.node("MatMul", "mm2", h, g.init("w2", 0.5, 12, 8));
        h = g.node("Add", "dense2", h, g.init("b2", 0.3, 8));
        h = g.node("Sub", "bn_sub", h, g.init("bn_mean", 0.5, 8));
        h = g.node("Mul", "bn_mul", h, g.init("bn_scale", new float[] {1, 1.5f, 0.5f, 2, 1, 0.7f, 1.2f, 0.9f}, 8));
        h = g.node("Add", "bn_add", h, g.init("bn_beta", 0.3, 8));
        h = g.node("Relu", "r2", h);
        h = g.node("MatMul", "mm3", h, g.init("w3", 0.5, 8, 3));
        h = g.node("Add", "dense3", h, g.init("b3", 0.3, 3));
        h = g.node("Softmax", "probs", List.of(Graphs.integer("axis", -1)), h);
        h = g.node("Cast", "cast1", List.of(Graphs.integer("to", 1)), h);
        g.node("Cast", "y", List.of(Graphs.integer("to", 1)), h);
        return g.model(17);
    }

    private Path rows(String name, int count, long seed) throws Exception {
        java.util.Random random = new java.util.Random(seed);
        StringBuilder s = new StringBuilder("a,b,c,d,e,f,label\n");
        for (int r = 0; r < count; r++) {
            for (int c = 0; c < 6; c++) {
                s.append(String.format(java.util.Locale.ROOT, "%.4f,", random.nextDouble() * 2 - 1));
            }
            s.append(random.nextInt(3)).append('\n');
        }
        return Files.writeString(dir.resolve(name), s);
    }

    @Test
    void aKeras3ExportIsCleanedReadAndWrittenClean() throws Exception {
        Path model = Files.write(dir.resolve("keras3.onnx"), keras3Export().toByteArray());
        CliRun inspect = CliRun.of("inspect", model.toString());
        assertEquals(0, inspect.exitCode(), inspect.toString());
        assertTrue(inspect.out().contains("Cleaned     2 Casts to the same type removed (/Cast_12, /Cast_13)\n"
                + "            1 affine chain folded into /MatMul_3 (/Sub_5, /Mul_6, /Add_7)\n"), inspect.out());
        assertTrue(inspect.out().contains("Dense chain 6-12-8-3"), inspect.out());
        CliRun json = CliRun.of("inspect", model.toString(), "--json");
        assertTrue(json.out().contains("\"cleaned\": ["), json.out());

        Path test = rows("test.csv", 60, 1);
        CliRun eval = CliRun.of("eval", model.toString(), test.toString());
        assertEquals(0, eval.exitCode(), eval.toString());

        Path out = dir.resolve("small.onnx");
        CliRun shrink = CliRun.of("-q", "shrink", model.toString(), "--eval", test.toString(), "--epsilon", "0.05",
                "-o", out.toString());
        assertEquals(0, shrink.exitCode(), shrink.toString());
        ModelProto written = ModelProto.parseFrom(Files.readAllBytes(out));
        List<String> ops = written.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList();
        assertFalse(ops.contains("Cast") || ops.contains("Sub") || ops.contains("Mul"), ops.toString());
        assertEquals("y", written.getGraph().getOutput(0).getName());
        CliRun again = CliRun.of("inspect", out.toString());
        assertEquals(0, again.exitCode(), again.toString());
        assertFalse(again.out().contains("Cleaned"), "the written model is the cleaned one: " + again.out());
    }

    /** inspect lists the passes; --no-clean turns one off by name for the run (and only that run); a wrong name is usage. */
    @Test
    void inspectListsThePassesAndNoCleanTurnsOneOff() throws Exception {
        Path model = Files.write(dir.resolve("keras3.onnx"), keras3Export().toByteArray());
        CliRun off = CliRun.of("inspect", model.toString(), "--no-clean", "same-type-cast");
        assertEquals(0, off.exitCode(), off.toString());
        assertTrue(off.out().contains("Cleaning    passes layout-transposes, flattened-gemm, same-type-cast (off), identity, inference-dropout, "
                + "batchnorm-into-layer, affine-after-layer, affine-before-layer (--no-clean PASS turns one off)\n"),
                off.out());
        assertFalse(off.out().contains("Casts to the same type removed"), off.out());
        assertTrue(off.out().contains("1 affine chain folded into /MatMul_3"), off.out());

        CliRun on = CliRun.of("inspect", model.toString());
        assertTrue(on.out().contains("Cleaned     2 Casts to the same type removed"), "every pass on again: " + on);
        assertTrue(on.out().contains("Cleaning    passes layout-transposes, flattened-gemm, same-type-cast, identity,"), on.out());

        CliRun both = CliRun.of("inspect", model.toString(), "--no-clean", "same-type-cast,affine-after-layer");
        assertFalse(both.out().contains("Cleaned "), both.out());

        CliRun wrong = CliRun.of("inspect", model.toString(), "--no-clean", "casts");
        assertEquals(2, wrong.exitCode(), wrong.toString());
        assertTrue(wrong.err().contains("no cleaning pass 'casts' (the passes: layout-transposes, flattened-gemm, same-type-cast, identity, "), wrong.err());
    }
}

package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.graph.Graphs;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/** inspect, sweep and shrink on ONNX graphs whose parameters sit in dense blocks inside, built in code. */
class GraphBlocksCliTest {

    @TempDir
    Path dir;

    /** Tokens [N, 4, 6]: an FFN block (Erf-GELU, residual), mean over tokens, a linear head of 3 classes. */
    static ModelProto classifier() {
        Graphs g = new Graphs(31);
        g.input("x", 4, 6).output("logits", 3);
        String h = g.node("Add", "pre", g.init("b1", 0.3, 16), g.node("MatMul", "mm1", "x", g.init("w1", 0.6, 6, 16)));
        String a = g.erfGelu(h, "act");
        String o = g.node("Add", "ffn", g.node("MatMul", "mm2", a, g.init("w2", 0.4, 16, 6)), g.init("b2", 0.1, 6));
        String r = g.node("Add", "res", "x", o);
        String pooled = g.node("ReduceMean", "pooled", List.of(Graphs.ints("axes", 1), Graphs.integer("keepdims", 0)),
                r);
        g.node("Gemm", "logits", List.of(Graphs.integer("transB", 1)), pooled, g.init("head", 0.8, 3, 6),
                g.init("head_b", 0.1, 3));
        return g.model(14);
    }

    private Path csv(String name, int rows, long seed) throws Exception {
        return randomRows(dir.resolve(name), rows, seed);
    }

    /** Rows of {@link #classifier()}'s 4x6 tokens in [-1, 1) with random labels of 3 classes, written to {@code p}. */
    static Path randomRows(Path p, int rows, long seed) throws java.io.IOException {
        Random random = new Random(seed);
        StringBuilder s = new StringBuilder();
        for (int c = 0; c < 24; c++) {
            s.append("x").append(c).append(',');
        }
        s.append("label\n");
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < 24; c++) {
                s.append(String.format(java.util.Locale.ROOT, "%.4f,", random.nextDouble() * 2 - 1));
            }
            s.append(random.nextInt(3)).append('\n');
        }
        Files.writeString(p, s);
        return p;
    }

    @Test
    void inspectListsTheBlockAndSweepJudgesRoundsOfIt() throws Exception {
        Path model = dir.resolve("ffn.onnx");
        Files.write(model, classifier().toByteArray());
        CliRun inspect = CliRun.of("inspect", model.toString());
        assertEquals(0, inspect.exitCode(), inspect.toString());
        assertTrue(inspect.out().contains("Dense blocks 1, 214 of the model's"), inspect.out());
        assertTrue(inspect.out().contains("gelu (erf)"), inspect.out());
        CliRun json = CliRun.of("inspect", model.toString(), "--json");
        assertTrue(json.out().contains("\"denseBlocks\""), json.out());
        Path out = dir.resolve("small.onnx");
        Path report = dir.resolve("report.json");
        CliRun sweep = CliRun.of("-q", "sweep", model.toString(), "--train", csv("train.csv", 300, 1).toString(),
                "--validation", csv("validation.csv", 400, 2).toString(), "--eval", csv("test.csv", 100, 3).toString(),
                "-o", out.toString(), "--report", report.toString(), "--accept-chance");
        assertTrue(sweep.exitCode() == 0 || sweep.exitCode() == 3, sweep.toString());
        assertTrue(sweep.out().contains("hidden widths"), sweep.out());
        assertTrue(Files.exists(report));
        assertEquals(sweep.exitCode() == 0, Files.exists(out), sweep.toString());
        Path shrunk = dir.resolve("shrunk.onnx");
        CliRun shrink = CliRun.of("-q", "shrink", model.toString(), "--train", csv("train2.csv", 300, 4).toString(),
                "--validation", csv("validation2.csv", 400, 5).toString(), "--eval", csv("test2.csv", 100, 6)
                        .toString(), "-o", shrunk.toString(), "--accept-chance");
        assertTrue(shrink.exitCode() == 0 || shrink.exitCode() == 3, shrink.toString());
        assertTrue(shrink.out().contains("hidden widths"), shrink.out());
        CliRun epsilon = CliRun.of("shrink", model.toString(), "--eval", csv("test3.csv", 50, 7).toString(),
                "--epsilon", "0.1", "-o", dir.resolve("e.onnx").toString());
        assertEquals(2, epsilon.exitCode(), epsilon.toString());
        assertTrue(epsilon.err().contains("--epsilon applies to dense chains; a graph's blocks are pruned in "
                + "progressive rounds"), epsilon.err());
        // One line, pointing to what works instead.
        assertEquals(1, epsilon.err().strip().lines().count(), epsilon.err());
        assertTrue(epsilon.err().contains("give --train and --validation") && epsilon.err().contains("sweep --share"),
                epsilon.err());
        // Without --train: one round of the sweep's pruning on the --eval rows, written, and eval reads it back.
        Path once = dir.resolve("once.onnx");
        Path rows = csv("test4.csv", 300, 8);
        CliRun oneRound = CliRun.of("-q", "shrink", model.toString(), "--eval", rows.toString(), "-o",
                once.toString());
        assertEquals(0, oneRound.exitCode(), oneRound.toString());
        assertTrue(oneRound.out().contains("Pruned   one round of ") && oneRound.out().contains("wrote " + once),
                oneRound.out());
        CliRun evalOnce = CliRun.of("eval", once.toString(), rows.toString());
        assertEquals(0, evalOnce.exitCode(), evalOnce.toString());
        assertTrue(evalOnce.out().contains("(300 rows, classification)"), evalOnce.out());
    }

    /**
     * Both readings on the graph path: the population reading tests the rounds in order at the whole 5% up to the
     * first that fails; --promise new-set shares the 5% equally among at most five rounds picked on training rows.
     */
    @Test
    void graphSweepsJudgeUnderTheReadingAsked() throws Exception {
        Path model = dir.resolve("ffn.onnx");
        Files.write(model, classifier().toByteArray());
        Path train = csv("train.csv", 300, 1);
        Path validation = csv("validation.csv", 400, 2);
        for (String promise : List.of("population", "new-set")) {
            Path report = dir.resolve(promise + ".json");
            CliRun sweep = CliRun.of("-q", "sweep", model.toString(), "--train", train.toString(), "--validation",
                    validation.toString(), "--eval", csv("test-" + promise + ".csv", 100, 3).toString(), "-o",
                    dir.resolve(promise + ".onnx").toString(), "--report",
                    report.toString(), "--accept-chance", "--graph-retrain", "sequential", "--promise", promise);
            assertTrue(sweep.exitCode() == 0 || sweep.exitCode() == 3, sweep.toString());
            com.google.gson.JsonArray rounds = com.google.gson.JsonParser.parseString(Files.readString(report))
                    .getAsJsonObject().getAsJsonArray("rounds");
            assertFalse(rounds.isEmpty(), sweep.toString());
            List<Double> levels = new java.util.ArrayList<>();
            boolean failed = false;
            for (com.google.gson.JsonElement e : rounds) {
                com.google.gson.JsonObject r = e.getAsJsonObject();
                double level = r.get("level").getAsDouble();
                levels.add(level);
                if (promise.equals("population")) {
                    assertEquals(failed ? 0 : 0.05, level, 1e-12, "tested up to the first failure: " + rounds);
                    failed |= !r.get("holds").getAsBoolean();
                }
            }
            if (promise.equals("new-set")) {
                long picked = levels.stream().filter(v -> v > 0).count();
                assertTrue(picked >= 1 && picked <= 5, "rounds given a part of the 5%: " + levels);
                assertTrue(levels.stream().allMatch(v -> v == 0 || Math.abs(v - 0.05 / picked) < 1e-12), levels
                        .toString());
            }
            assertTrue(sweep.out().contains("The promise (" + promise + " reading)") || sweep.exitCode() == 3,
                    sweep.out());
        }
    }

    /**
     * sweep --quantize on a graph: each round judged as its int8 graph in ONNX Runtime, the report's notes say the form
     * and the layers; the weight-only form is refused in one line before any work.
     */
    @Test
    void sweepJudgesAndWritesTheRoundsInt8Graph() throws Exception {
        Path model = dir.resolve("ffn.onnx");
        Files.write(model, classifier().toByteArray());
        Path out = dir.resolve("int8.onnx");
        Path report = dir.resolve("int8.json");
        CliRun sweep = CliRun.of("-q", "sweep", model.toString(), "--train", csv("train.csv", 300, 1).toString(),
                "--validation", csv("validation.csv", 400, 2).toString(), "--eval", csv("test.csv", 100, 3).toString(),
                "-o", out.toString(), "--report", report.toString(), "--quantize", "int8-dynamic",
                "--graph-retrain", "sequential", "--accept-chance");
        assertTrue(sweep.exitCode() == 0 || sweep.exitCode() == 3, sweep.toString());
        String json = Files.readString(report);
        assertTrue(json.contains("int8: dynamic form (asked for); 3 MatMul/Gemm/Conv nodes int8"), json);
        if (sweep.exitCode() == 0) {
            java.util.List<String> ops = org.odf2nna.onnx.OnnxModelFile.read(out).getGraph().getNodeList().stream()
                    .map(n -> n.getOpType()).toList();
            assertEquals(3, ops.stream().filter(o -> o.equals("MatMulInteger")).count(), ops.toString());
        }
        Path refused = dir.resolve("weights.onnx");
        CliRun weights = CliRun.of("sweep", model.toString(), "--train", csv("t.csv", 300, 4).toString(),
                "--validation", csv("v.csv", 400, 5).toString(), "--eval", csv("e.csv", 50, 6).toString(), "-o",
                refused.toString(), "--quantize", "int8-weights");
        assertEquals(2, weights.exitCode(), weights.toString());
        assertEquals(1, weights.err().strip().lines().count(), weights.err());
        assertTrue(weights.err().contains("--quantize int8-weights"), weights.err());
        assertFalse(Files.exists(refused));
    }

    @Test
    void aGraphWithoutBlocksExitsThreeInSweepAndInspectAndKerasOutputTwo() throws Exception {
        Graphs g = new Graphs(32);
        g.input("x", 4, 6).output("y", 4, 3);
        g.node("Add", "y", g.node("MatMul", "mm", "x", g.init("w", 0.5, 6, 3)), g.init("b", 0.5, 3));
        Path model = dir.resolve("linear.onnx");
        Files.write(model, g.model(14).toByteArray());
        Path out = dir.resolve("out.onnx");
        CliRun sweep = CliRun.of("sweep", model.toString(), "--train", csv("t.csv", 20, 4).toString(),
                "--validation", csv("v.csv", 20, 5).toString(), "--eval", csv("e.csv", 20, 6).toString(), "-o",
                out.toString());
        assertEquals(3, sweep.exitCode(), sweep.toString());
        assertEquals(1, sweep.err().strip().lines().count(), sweep.err());
        assertTrue(sweep.err().contains("no dense blocks"), sweep.err());
        assertFalse(Files.exists(out));
        // inspect describes it and exits 3 too: nothing to prune is one code in every command.
        CliRun inspect = CliRun.of("inspect", model.toString());
        assertEquals(3, inspect.exitCode(), inspect.toString());
        assertTrue((inspect.out() + inspect.err()).contains("nothing to prune"), inspect.toString());
        CliRun json = CliRun.of("inspect", model.toString(), "--json");
        assertEquals(3, json.exitCode(), json.toString());
        Path ffn = dir.resolve("ffn.onnx");
        Files.write(ffn, classifier().toByteArray());
        CliRun keras = CliRun.of("sweep", ffn.toString(), "--train", csv("t2.csv", 20, 7).toString(),
                "--validation", csv("v2.csv", 20, 8).toString(), "--eval", csv("e2.csv", 20, 9).toString(), "-o",
                dir.resolve("out.keras").toString());
        assertEquals(2, keras.exitCode(), keras.toString());
        assertEquals(1, keras.err().strip().lines().count(), keras.err());
    }
}

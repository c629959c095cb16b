package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.OnnxModelFile;

/** --quantize int8: convert end to end, and the refusals (one line, exit 2, nothing written). */
class QuantizeCliTest {

    static final Path IRIS = MainTest.IRIS;
    static final Path DIGITS = MainTest.DIGITS;

    @TempDir
    Path dir;

    @Test
    void convertWritesInt8WeightsThatReadBackAndScoreLikeTheOriginal() throws Exception {
        CliRun original = CliRun.of("eval", "-q", DIGITS.toString(), "examples/digits/digits-test.csv.gz");
        double a = accuracy(original.out());
        for (String form : new String[] {"int8", "int8-weights"}) {
            Path out = dir.resolve("digits." + form + ".onnx");
            // Every layer int8 (no per-layer timing): what this test checks is the int8 form itself.
            CliRun run = form.equals("int8") ? CliRun.of("convert", DIGITS.toString(), "-o", out.toString(),
                    "--quantize", form, "--int8-everywhere")
                    : CliRun.of("convert", DIGITS.toString(), "-o", out.toString(), "--quantize", form);
            assertEquals(0, run.exitCode(), run.toString());
            assertTrue(run.out().contains("int8  3 layers (") && run.out().contains(form.equals("int8")
                    ? "on integer kernels, dynamic form" : "weight-only"), run.out());
            assertTrue(Files.size(out) < 0.35 * Files.size(DIGITS), Files.size(out) + " bytes");
            // int8: ONNX Runtime's integer kernels, no float product left; int8-weights: DequantizeLinear into Gemm.
            java.util.List<String> ops = OnnxModelFile.read(out).getGraph().getNodeList().stream()
                    .map(n -> n.getOpType()).toList();
            assertEquals(form.equals("int8") ? 3 : 0, ops.stream().filter(o -> o.equals("MatMulInteger")).count(),
                    ops.toString());
            assertEquals(form.equals("int8") ? 0 : 3, ops.stream().filter(o -> o.equals("DequantizeLinear")).count(),
                    ops.toString());
            assertEquals(DenseChainReader.read(DIGITS).network().architecture(),
                    DenseChainReader.read(out).network().architecture());
            CliRun inspect = CliRun.of("inspect", out.toString());
            assertEquals(form.equals("int8"), inspect.out().contains("MatMulInteger -> L1_y (int8)"), inspect.out());
            CliRun int8 = CliRun.of("eval", "-q", out.toString(), "examples/digits/digits-test.csv.gz");
            assertEquals(0, int8.exitCode(), int8.toString());
            double b = accuracy(int8.out());
            assertTrue(Math.abs(a - b) <= 1.0, form + ": " + a + " vs " + b);
        }
    }

    /**
     * An int8 file on integer kernels converted without --quantize: as ONNX, one line and nothing written (its layers
     * are rewritten in place, and they are int8); as .keras, the dequantized weights in float, checked.
     */
    @Test
    void anInt8FileOnIntegerKernelsConvertsToFloatOnlyOutsideOnnx() throws Exception {
        Path int8 = dir.resolve("iris.int8.onnx");
        assertEquals(0, CliRun.of("convert", IRIS.toString(), "-o", int8.toString(), "--quantize", "int8",
                "--int8-everywhere").exitCode());
        Path onnx = dir.resolve("back.onnx");
        CliRun refused = CliRun.of("convert", int8.toString(), "-o", onnx.toString());
        assertEquals(2, refused.exitCode(), refused.toString());
        assertEquals(1, refused.err().strip().lines().count(), refused.err());
        assertTrue(refused.err().contains(int8.toString()) && refused.err().contains("integer kernels"),
                refused.err());
        assertFalse(Files.exists(onnx));
        Path keras = dir.resolve("back.keras");
        CliRun written = CliRun.of("convert", int8.toString(), "-o", keras.toString());
        assertEquals(0, written.exitCode(), written.toString());
        assertTrue(Files.size(keras) > 0);
    }

    /**
     * sweep --quantize int8 --report: the JSON report holds what the choice line says in words: the bytes before and
     * after, the layers stored as int8 and those kept float, and the largest difference from the float round.
     */
    @Test
    void sweepReportsItsInt8WeightsInTheJson() throws Exception {
        Path model = Path.of(ProgressiveSweepCliTest.MODEL);
        Path out = dir.resolve("small.int8.onnx");
        Path report = dir.resolve("sweep.json");
        Path fresh = FreshRows.unlabelled(ProgressiveSweepCliTest.TRAIN, 800, 0.05, 1, dir.resolve("fresh.csv"));
        CliRun run = CliRun.of("-q", "sweep", model.toString(), "--eval", ProgressiveSweepCliTest.TEST.toString(),
                "--train", ProgressiveSweepCliTest.TRAIN.toString(), "--validation", fresh.toString(), "-o",
                out.toString(), "--report", report.toString(), "--retrain-epochs", "4", "--share", "0.3",
                "--quantize", "int8");
        assertEquals(0, run.exitCode(), run.toString());
        com.google.gson.JsonObject json = com.google.gson.JsonParser.parseString(Files.readString(report))
                .getAsJsonObject();
        com.google.gson.JsonObject int8 = json.getAsJsonObject("int8");
        assertTrue(int8 != null, json.keySet().toString());
        assertEquals(Files.size(model), int8.get("bytesBefore").getAsLong());
        assertEquals(Files.size(out), int8.get("bytesAfter").getAsLong());
        java.util.List<Integer> int8Layers = new java.util.ArrayList<>();
        int8.getAsJsonArray("int8Layers").forEach(e -> int8Layers.add(e.getAsInt()));
        java.util.List<Integer> floatLayers = new java.util.ArrayList<>();
        int8.getAsJsonArray("floatLayers").forEach(e -> floatLayers.add(e.getAsInt()));
        java.util.List<Integer> all = new java.util.ArrayList<>(int8Layers);
        all.addAll(floatLayers);
        java.util.Collections.sort(all);
        assertEquals(java.util.List.of(1, 2, 3), all, "every layer is int8 or float: " + int8);
        // Per layer: what it was stored as and why, its bytes, and what its int8 form alone moved.
        assertEquals("int8", int8.get("form").getAsString());
        com.google.gson.JsonArray layers = int8.getAsJsonArray("layers");
        assertEquals(3, layers.size(), int8.toString());
        for (int l = 0; l < 3; l++) {
            com.google.gson.JsonObject layer = layers.get(l).getAsJsonObject();
            boolean isInt8 = int8Layers.contains(l + 1);
            assertEquals(isInt8 ? "int8" : "float", layer.get("storedAs").getAsString(), layer.toString());
            assertTrue(layer.get("why").getAsString().contains(isInt8 ? "within" : "over"), layer.toString());
            assertTrue(layer.get("weightBytes").getAsLong() > 0, layer.toString());
            assertTrue(layer.get("maxDifferenceFromFloat").getAsDouble() > 0, layer.toString());
        }
        // The written file agrees: ONNX Runtime's integer kernels (a MatMulInteger) for each int8 layer.
        assertEquals(int8Layers.size(), OnnxModelFile.read(out).getGraph().getNodeList().stream()
                .filter(n -> n.getOpType().equals("MatMulInteger")).count());
        double difference = int8.get("maxDifferenceFromFloat").getAsDouble();
        assertTrue(difference >= 0 && difference < 0.5, int8.toString());
        assertEquals(!int8Layers.isEmpty(), difference > 0, "int8 weights move the outputs: " + int8);
        assertEquals(0.1, int8.get("fallbackShare").getAsDouble(), 1e-12);
        assertTrue(int8.get("checkRows").getAsInt() > 0);
        // The choice line says the same.
        String choice = json.get("choice").getAsString();
        assertTrue(choice.contains(int8.get("bytesBefore").getAsLong() + " -> " + int8.get("bytesAfter").getAsLong()
                + " bytes"), choice);
        assertTrue(choice.contains("layers kept float: " + (floatLayers.isEmpty() ? "none"
                : String.join(", ", floatLayers.stream().map(String::valueOf).toList()))), choice);
    }

    /**
     * A graph built in code (a Conv, a MatMul with its Add, a MatMul of two computed tensors, a Gemm): every layer with
     * a weight on integer kernels, the other said why in one line; with --train, the static form in standard operators
     * (no com.microsoft op), QGemm with --int8-ops contrib, and int8 with --train is the static form (no timing).
     */
    @Test
    void convertQuantizesEveryLayerOfAGraphAndSaysWhichStayedFloat() throws Exception {
        Path model = dir.resolve("conv.onnx");
        Files.write(model, org.odf2nna.onnx.GraphModels.convNet(1).toByteArray());
        Path out = dir.resolve("conv.int8.onnx");
        CliRun run = CliRun.of("convert", model.toString(), "-o", out.toString(), "--quantize", "int8",
                "--int8-everywhere");
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("int8  3 layers (4180 weights)") && run.out().contains("dynamic form"),
                run.out());
        assertTrue(run.out().contains("float 1 MatMul kept float: no constant weight (it multiplies two computed "
                + "tensors) (hh_node)"), run.out());
        java.util.List<String> ops = OnnxModelFile.read(out).getGraph().getNodeList().stream()
                .map(n -> n.getOpType()).toList();
        assertTrue(ops.contains("ConvInteger") && ops.contains("MatMulInteger"), ops.toString());

        Path rows = dir.resolve("train.csv");
        StringBuilder csv = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            csv.append(i == 0 ? "" : ",").append("x").append(i);
        }
        float[] x = org.odf2nna.onnx.GraphModels.rows(2, 100, 64);
        for (int r = 0; r < 100; r++) {
            csv.append('\n');
            for (int i = 0; i < 64; i++) {
                csv.append(i == 0 ? "" : ",").append(x[r * 64 + i]);
            }
        }
        Files.writeString(rows, csv.append('\n'));
        Path fixed = dir.resolve("conv.static.onnx");
        CliRun s = CliRun.of("convert", model.toString(), "-o", fixed.toString(), "--quantize", "int8-static",
                "--train", rows.toString());
        assertEquals(0, s.exitCode(), s.toString());
        assertTrue(s.out().contains("static form (asked for)"), s.out());
        assertTrue(OnnxModelFile.read(fixed).getGraph().getNodeList().stream().allMatch(n -> n.getDomain().isEmpty()),
                "standard operators only by default");
        Path contrib = dir.resolve("conv.contrib.onnx");
        CliRun c = CliRun.of("convert", model.toString(), "-o", contrib.toString(), "--quantize", "int8-static",
                "--train", rows.toString(), "--int8-ops", "contrib");
        assertEquals(0, c.exitCode(), c.toString());
        assertTrue(OnnxModelFile.read(contrib).getGraph().getNodeList().stream()
                .anyMatch(n -> n.getOpType().equals("QGemm")));
        CliRun plain = CliRun.of("convert", model.toString(), "-o", dir.resolve("conv.auto.onnx").toString(),
                "--quantize", "int8", "--train", rows.toString());
        assertEquals(0, plain.exitCode(), plain.toString());
        assertTrue(plain.out().contains("static form (training rows to calibrate on, as ONNX Runtime's "
                + "quantize_static)"), plain.out());
        CliRun bad = CliRun.of("convert", model.toString(), "-o", dir.resolve("bad.onnx").toString(), "--int8-ops",
                "contrib");
        assertEquals(Main.USAGE, bad.exitCode(), bad.toString());
        assertEquals(1, bad.err().strip().lines().count(), bad.err());
    }

    /** Opset 9, as public MNIST exports are: raised to the form's opset, every operator meaning the same there. */
    @Test
    void convertRaisesAnOldOpsetOrNamesTheOperatorThatPreventsIt() throws Exception {
        Path old = dir.resolve("old.onnx");
        Files.write(old, org.odf2nna.onnx.GraphModels.opset9Chain().toByteArray());
        Path out = dir.resolve("old.int8.onnx");
        CliRun run = CliRun.of("convert", old.toString(), "-o", out.toString(), "--quantize", "int8");
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("opset 9 -> 1"), run.out());
        assertTrue(org.odf2nna.onnx.OpsetRaise.opset(OnnxModelFile.read(out)) >= 11);

        Path upsample = dir.resolve("upsample.onnx");
        Files.write(upsample, org.odf2nna.onnx.GraphModels.opset9Upsample().toByteArray());
        Path refused = dir.resolve("upsample.int8.onnx");
        CliRun no = CliRun.of("convert", upsample.toString(), "-o", refused.toString(), "--quantize", "int8");
        assertEquals(2, no.exitCode(), no.toString());
        assertEquals(1, no.err().strip().lines().count(), no.err());
        assertTrue(no.err().contains("Upsample") && no.err().contains("opset"), no.err());
        assertFalse(Files.exists(refused));
    }

    @Test
    void badQuantizeRequestsAreRefusedInOneLineWithoutWriting() {
        String[][] cases = {
            {"convert", IRIS.toString(), "-o", dir.resolve("a.onnx").toString(), "--quantize", "int4"},
            {"convert", IRIS.toString(), "-o", dir.resolve("a.keras").toString(), "--quantize", "int8"},
            {"convert", IRIS.toString(), "-o", dir.resolve("a").toString(), "--format", "savedmodel", "--quantize",
                "int8"},
            {"shrink", IRIS.toString(), "--eval", "examples/iris/iris-test.csv", "--format", "keras", "-o",
                dir.resolve("a.keras").toString(), "--quantize", "int8"},
            {"shrink", IRIS.toString(), "--eval", "examples/iris/iris-test.csv", "--epsilon", "0.1", "-o",
                dir.resolve("a.onnx").toString(), "--quantize", "int8"},
            {"sweep", IRIS.toString(), "--eval", "examples/iris/iris-test.csv", "--train",
                "examples/iris/iris-test.csv", "-o", dir.resolve("a.keras").toString(), "--quantize", "int8"},
            {"sweep", IRIS.toString(), "--eval", "examples/iris/iris-test.csv", "--train",
                "examples/iris/iris-test.csv", "-o", dir.resolve("a.onnx").toString(), "--quantize", "int8",
                "--schedule", "epsilon"},
            {"sweep", IRIS.toString(), "--eval", "examples/iris/iris-test.csv", "--train",
                "examples/iris/iris-test.csv", "-o", dir.resolve("a.onnx").toString(), "--quantize", "int8-static"},
            {"convert", IRIS.toString(), "-o", dir.resolve("a.onnx").toString(), "--quantize", "int8-static"},
            {"convert", IRIS.toString(), "-o", dir.resolve("a.onnx").toString(), "--train",
                "examples/iris/iris-train.csv"},
        };
        for (String[] args : cases) {
            CliRun run = CliRun.of(args);
            assertEquals(2, run.exitCode(), String.join(" ", args) + "\n" + run);
            assertEquals(1, run.err().strip().lines().count(), run.err());
            assertTrue(run.err().contains("--quantize"), run.err());
            assertFalse(Files.exists(dir.resolve("a.onnx")) || Files.exists(dir.resolve("a.keras"))
                    || Files.exists(dir.resolve("a")), String.join(" ", args));
        }
    }

    private static double accuracy(String out) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("accuracy ([0-9.]+)%").matcher(out);
        assertTrue(m.find(), out);
        return Double.parseDouble(m.group(1));
    }
}

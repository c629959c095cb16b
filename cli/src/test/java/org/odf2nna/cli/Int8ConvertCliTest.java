package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * convert --quantize int8 judged as a user would (issue 56): the static form with --eval and --validation is judged as
 * a graph in ONNX Runtime (it was read back as a dense chain and always failed), whichever form plain int8 picks;
 * the int8 file is timed beside the float model and both ratios printed; its size is taken against the float ONNX
 * (a Keras input's own file holds more); the check on generated rows counts changed predictions, not a largest
 * output difference.
 */
class Int8ConvertCliTest {

    private static final String MODEL = "models/digits_8x8-128-64-10_relu.onnx";
    private static final String TEST = "examples/digits/digits-test.csv.gz";
    private static final String TRAIN = "examples/digits/digits-train.csv.gz";

    @TempDir
    Path dir;

    @Test
    void theStaticFormWithEvalAndValidationIsWrittenAndReportsItsAccuracy() {
        Path out = dir.resolve("digits.static.onnx");
        CliRun run = CliRun.of("-q", "convert", MODEL, "-o", out.toString(), "--quantize", "int8-static", "--train",
                TRAIN, "--eval", TEST, "--validation", TEST, "--max-drop", "3", "--timing-batch", "64");
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("static form (asked for)"), run.out());
        Matcher m = Pattern.compile("eval  " + Pattern.quote(TEST) + ": original accuracy 97\\.77%, macro F1 [0-9.]+; "
                + "written accuracy ([0-9.]+)%").matcher(run.out());
        assertTrue(m.find(), run.out());
        assertTrue(Double.parseDouble(m.group(1)) > 95, run.out());
        assertTrue(run.out().contains("valid 359 validation rows: "), run.out());
        assertTrue(Files.exists(out));
        assertFalse(run.out().contains("within") && run.out().contains("of the original's in ONNX Runtime"),
                "an int8 file is not checked by its largest output difference:\n" + run.out());
        assertTrue(run.out().matches("(?s).*checked on 256 training rows in ONNX Runtime: \\d+ of 256 predictions "
                + "changed from the original's \\([0-9.]+%\\).*"), run.out());
        assertTrue(run.out().contains("% of the float ONNX file (" + size(MODEL) + " bytes)"), run.out());
        assertTrue(run.out().matches("(?s).*speed int8 against float in ONNX Runtime \\(1 thread each, side by side, "
                + "median of 5 interleaved repetitions\\): batch 1 latency [0-9.]+× the float file's \\([0-9.]+ "
                + "against [0-9.]+ µs\\); batch 64 latency [0-9.]+× .*, [0-9.]+× its rows per second.*"), run.out());
    }

    /** int8 picks its form by a timing: with --eval it passes whichever it picks. */
    @Test
    void plainInt8WithTrainingRowsAndEvalPassesWhicheverFormItPicks() {
        for (int i = 0; i < 2; i++) {
            Path out = dir.resolve("digits." + i + ".onnx");
            CliRun run = CliRun.of("-q", "convert", MODEL, "-o", out.toString(), "--quantize", "int8", "--train", TRAIN,
                    "--eval", TEST, "--timing-batch", "0");
            assertEquals(0, run.exitCode(), run.toString());
            assertTrue(run.out().contains("written accuracy"), run.out());
            assertFalse(run.out().contains("speed "), "--timing-batch 0 times nothing:\n" + run.out());
        }
    }

    /** A Keras input: the size is taken against the float ONNX of the same network, the .keras size said beside. */
    @Test
    void aKerasInputIsSizedAgainstTheFloatOnnxOfTheSameNetwork() throws Exception {
        Path keras = Path.of("examples/keras/iris_4-16-16-3_relu.keras");
        Path out = dir.resolve("iris.int8.onnx");
        CliRun run = CliRun.of("-q", "convert", keras.toString(), "-o", out.toString(), "--quantize", "int8",
                "--timing-batch", "16");
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("% of the float ONNX of the same network (")
                && run.out().contains("the input file holds " + Files.size(keras) + " bytes"), run.out());
        assertTrue(run.out().contains("predictions changed from the original's"), run.out());
    }

    /**
     * One regression judge: a regressor's static int8 file judged on validation rows by BoundedRegression, outputs
     * clipped to the range the model records (as sweeps judge), on the graph path too; without a recorded range, one
     * line (exit 2) and nothing written.
     */
    @Test
    void aRegressorsStaticInt8FileIsJudgedByTheBoundedRegressionRule() throws Exception {
        org.odf2nna.graph.Graphs g = new org.odf2nna.graph.Graphs(7);
        g.input("x", 4).output("y", 1);
        g.node("Gemm", "y", java.util.List.of(org.odf2nna.graph.Graphs.integer("transB", 1)), "x",
                g.init("w", 0.5, 1, 4), g.init("b", 0.1, 1));
        org.odf2nna.onnx.proto.OnnxProto.ModelProto plain = g.model(14);
        java.util.Random r = new java.util.Random(1);
        StringBuilder train = new StringBuilder("x1,x2,x3,x4\n");
        StringBuilder valid = new StringBuilder("x1,x2,x3,x4,target\n");
        // 5,000 rows: the bound's range term over [-4, 4] needs about 3,100 to allow half the MSE here.
        for (int i = 0; i < 5000; i++) {
            double[] x = {r.nextGaussian(), r.nextGaussian(), r.nextGaussian(), r.nextGaussian()};
            String row = x[0] + "," + x[1] + "," + x[2] + "," + x[3];
            train.append(row).append('\n');
            double y = 0.4 * (x[0] - x[1] + x[2] - x[3]) + 0.1 * r.nextGaussian();
            valid.append(row).append(',').append(Math.max(-4, Math.min(4, y))).append('\n');
        }
        Path trainCsv = Files.writeString(dir.resolve("train.csv"), train);
        Path validCsv = Files.writeString(dir.resolve("valid.csv"), valid);
        Path clipped = dir.resolve("regressor.onnx");
        Files.write(clipped, org.odf2nna.onnx.OutputClip.apply(plain, "y", -4, 4).toByteArray());
        CliRun run = CliRun.of("-q", "convert", clipped.toString(), "-o", dir.resolve("r.int8.onnx").toString(),
                "--quantize", "int8-static", "--train", trainCsv.toString(), "--validation", validCsv.toString(),
                "--eval", validCsv.toString(), "--max-drop", "50", "--timing-batch", "0");
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("valid 5000 validation rows: MSE "), run.out());
        assertTrue(run.out().contains("mean squared difference from the original's outputs"), run.out());
        assertTrue(run.out().contains("eval  " + validCsv + ": original MSE"), run.out());

        Path bare = dir.resolve("bare.onnx");
        Files.write(bare, plain.toByteArray());
        Path refused = dir.resolve("bare.int8.onnx");
        CliRun no = CliRun.of("convert", bare.toString(), "-o", refused.toString(), "--quantize", "int8-static",
                "--train", trainCsv.toString(), "--validation", validCsv.toString());
        assertEquals(2, no.exitCode(), no.toString());
        assertEquals(1, no.err().strip().lines().count(), no.err());
        assertTrue(no.err().contains("records no training targets' range"), no.err());
        assertFalse(Files.exists(refused));
    }

    private static long size(String file) {
        try {
            return Files.size(Path.of(file));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Plain int8 without training rows: the dynamic form, its Conv kept float by the rule sweep follows too (the file
     * holds what the output says); --original: judged and timed against the original float model, the input beside;
     * --int8-everywhere only with int8.
     */
    @Test
    void plainInt8KeepsTheDynamicFormsConvFloatAndIsTimedAgainstTheOriginal() throws Exception {
        Path model = dir.resolve("conv.onnx");
        Files.write(model, org.odf2nna.onnx.GraphModels.convNet(1).toByteArray());
        Path original = dir.resolve("original.onnx");
        Files.write(original, org.odf2nna.onnx.GraphModels.convNet(2).toByteArray());
        Path out = dir.resolve("conv.int8.onnx");
        CliRun run = CliRun.of("convert", model.toString(), "-o", out.toString(), "--quantize", "int8",
                "--timing-batch", "16", "--original", original.toString());
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("float 1 Conv kept float: the dynamic form's ConvInteger runs slower in ONNX "
                + "Runtime than the float Conv"), run.out());
        java.util.List<String> ops = org.odf2nna.onnx.OnnxModelFile.read(out).getGraph().getNodeList().stream()
                .map(n -> n.getOpType()).toList();
        assertFalse(ops.contains("ConvInteger"), ops.toString());
        assertEquals(2, ops.stream().filter(o -> o.equals("MatMulInteger")).count(), ops.toString());
        assertTrue(run.out().contains("% of the original float model's file (" + Files.size(original) + " bytes; "
                + "the float input " + Files.size(model) + " bytes)"), run.out());
        assertTrue(run.out().matches("(?s).*speed int8 against the original float model in ONNX Runtime \\(1 thread "
                + "each, side by side, median of 5 interleaved repetitions\\): batch 1 latency [0-9.]+× the original "
                + "float model's .*"), run.out());
        assertTrue(run.out().contains("speed the float input against the original float model, in the same run: "
                + "batch 1 latency"), run.out());

        Path other = dir.resolve("other.onnx");
        CliRun refused = CliRun.of("convert", model.toString(), "-o", other.toString(), "--quantize", "int8-dynamic",
                "--int8-everywhere");
        assertEquals(Main.USAGE, refused.exitCode(), refused.toString());
        assertEquals(1, refused.err().strip().lines().count(), refused.err());
        assertTrue(refused.err().contains("--quantize int8-dynamic already quantizes every layer"), refused.err());
        assertFalse(Files.exists(other));
    }

    /**
     * The static form's QGemm file: eval reads it, convert quantizes it again or says in one line what it is, and
     * inspect reads it and says in one line why its int8 layers are not pruned (it refused it: no blocks, no chain).
     */
    @Test
    void theStaticFormsFileIsReadByEvalInspectAndConvert() {
        Path out = dir.resolve("digits.static.onnx");
        CliRun run = CliRun.of("-q", "convert", MODEL, "-o", out.toString(), "--quantize", "int8-static", "--train",
                TRAIN, "--timing-batch", "0", "--int8-ops", "contrib");
        assertEquals(0, run.exitCode(), run.toString());
        CliRun inspect = CliRun.of("inspect", out.toString());
        assertEquals(0, inspect.exitCode(), inspect.toString());
        assertTrue(inspect.out().contains("Int8        3 int8 layers (QGemm ×3), not pruned: their int8 codes and "
                + "scales (and a static form's calibrated ranges) were made from the float weights"), inspect.out());
        assertTrue(inspect.out().contains("(--quantize int8)"), inspect.out());
        CliRun json = CliRun.of("inspect", out.toString(), "--json");
        assertEquals(0, json.exitCode(), json.toString());
        assertTrue(com.google.gson.JsonParser.parseString(json.out()).getAsJsonObject().get("int8NotPruned")
                .getAsString().startsWith("3 int8 layers (QGemm ×3)"), json.out());
        CliRun eval = CliRun.of("-q", "eval", out.toString(), TEST);
        assertEquals(0, eval.exitCode(), eval.toString());
        assertTrue(eval.out().contains("accuracy "), eval.out());
        // convert reads it: --quantize quantizes what float layers it has left (none); without, one line says what
        // it is and what reads it, nothing written.
        Path again = dir.resolve("again.onnx");
        CliRun requantized = CliRun.of("-q", "convert", out.toString(), "-o", again.toString(), "--quantize",
                "int8-dynamic", "--timing-batch", "0");
        assertEquals(0, requantized.exitCode(), requantized.toString());
        assertTrue(requantized.out().contains("int8  0 layers"), requantized.out());
        Path copy = dir.resolve("copy.onnx");
        CliRun plain = CliRun.of("convert", out.toString(), "-o", copy.toString());
        assertEquals(Main.USAGE, plain.exitCode(), plain.toString());
        assertEquals(1, plain.err().strip().lines().count(), plain.err());
        assertTrue(plain.err().contains("holds 3 int8 layers (QGemm ×3) on integer kernels and no dense chain to "
                + "rewrite"), plain.err());
        assertFalse(Files.exists(copy));
    }
}

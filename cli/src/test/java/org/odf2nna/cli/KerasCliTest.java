package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.keras.KerasModel;
import org.odf2nna.keras.KerasReader;
import org.odf2nna.keras.KerasTestFiles;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.OnnxDenseModel;

/** Keras files through the command line: convert both ways, inspect, shrink --format keras. */
class KerasCliTest {

    static Path csv(Path dir) throws Exception {
        Random r = new Random(3);
        StringBuilder s = new StringBuilder("a,b,c,d,label\n");
        for (int i = 0; i < 60; i++) {
            for (int k = 0; k < 4; k++) {
                s.append(String.format(Locale.ROOT, "%.4f,", 2 * r.nextGaussian()));
            }
            s.append(i % 3).append('\n');
        }
        return Files.writeString(dir.resolve("rows.csv"), s.toString());
    }

    static void assertSameFunction(DenseNetwork expected, DenseNetwork actual) {
        float[] x = KerasTestFiles.rows(32, expected.inputs(), 5);
        float[] a = expected.forward(x, 32);
        float[] b = actual.forward(x, 32);
        for (int k = 0; k < a.length; k++) {
            assertEquals(a[k], b[k], 1e-5 * Math.max(1, Math.abs(a[k])), "output " + k);
        }
    }

    @Test
    void convertsKerasToOnnxAndBackAndInspectNamesTheKerasLayers(@TempDir Path dir) throws Exception {
        Path keras = KerasTestFiles.keras(dir.resolve("rich.keras"), KerasTestFiles.richModel(), false);
        DenseNetwork original = KerasReader.read(keras).network();

        Path onnx = dir.resolve("rich.onnx");
        CliRun toOnnx = CliRun.of("convert", keras.toString(), "-o", onnx.toString());
        assertEquals(0, toOnnx.exitCode(), toOnnx.toString());
        assertTrue(toOnnx.out().contains("(Keras 3.5.0 .keras): 4-6-5-8-3"), toOnnx.out());
        OnnxDenseModel read = DenseChainReader.read(onnx);
        assertSameFunction(original, read.network());

        // ONNX in, Keras out: a new Sequential config that reads back to the same network.
        Path again = dir.resolve("again.keras");
        CliRun toKeras = CliRun.of("convert", onnx.toString(), "-o", again.toString());
        assertEquals(0, toKeras.exitCode(), toKeras.toString());
        KerasModel back = KerasReader.read(again);
        assertEquals(original.architecture(), back.network().architecture());
        assertSameFunction(original, back.network());

        CliRun inspect = CliRun.of("inspect", keras.toString());
        assertEquals(0, inspect.exitCode(), inspect.toString());
        assertTrue(inspect.out().contains("Format      Keras 3.5.0 .keras")
                && inspect.out().contains("dense_6, dense_7, dense_8, dense_9"), inspect.out());
        // The table names the Keras layers, not the ONNX graph the tool converts them to, and says which
        // BatchNormalization layers were folded, and where.
        List<String> rows = inspect.out().lines().filter(l -> l.matches("\\s+[1-4]\\s+.*")).toList();
        assertEquals(4, rows.size(), inspect.out());
        for (int k = 0; k < 4; k++) {
            assertTrue(rows.get(k).matches("\\s+" + (k + 1) + "\\s+dense_" + (k + 6) + "\\s.*"), rows.get(k));
        }
        assertTrue(inspect.out().contains("Keras layer"), inspect.out());
        assertFalse(inspect.out().contains("/Gemm"), inspect.out());
        assertTrue(inspect.out().contains("BatchNorm   folded into the dense weights: batch_normalization_1 into "
                + "dense_7 (on its outputs), batch_normalization_2 into dense_9 (on its inputs)"), inspect.out());
        JsonObject json = JsonParser.parseString(CliRun.of("inspect", keras.toString(), "--json").out())
                .getAsJsonObject();
        assertEquals("dense_8", json.getAsJsonArray("layers").get(2).getAsJsonObject().get("node").getAsString());
        assertEquals(2, json.getAsJsonArray("batchNormsFolded").size());
        // The ONNX written from it names its nodes after the Keras layers too.
        assertEquals(List.of("dense_6/Gemm", "dense_7/Gemm", "dense_8/Gemm", "dense_9/Gemm"), read.layerNodes());

        // A Keras file without BatchNormalization says so.
        CliRun plain = CliRun.of("inspect", again.toString());
        assertTrue(plain.out().contains("BatchNorm   none"), plain.out());
        // An ONNX model's table keeps its node names.
        assertTrue(CliRun.of("inspect", onnx.toString()).out().contains("  node  "), "ONNX: node column");
    }

    @Test
    void convertsLegacyH5ToASavedModel(@TempDir Path dir) throws Exception {
        List<KerasTestFiles.Layer> layers = List.of(KerasTestFiles.dense("dense_1", 4, 9, "tanh", true, 31),
                KerasTestFiles.dense("dense_2", 9, 3, "softmax", true, 32));
        Path h5 = KerasTestFiles.legacyH5(dir.resolve("old.h5"), layers, true);
        CliRun run = CliRun.of("convert", h5.toString(), "-o", dir.resolve("saved").toString(), "--format", "savedmodel");
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("wrote " + dir.resolve("saved") + " (savedmodel); checked on 64 generated rows"),
                run.out());
        assertTrue(Files.exists(dir.resolve("saved/saved_model.pb")));
    }

    @Test
    void shrinkWritesKerasInTheInputsLayout(@TempDir Path dir) throws Exception {
        Path keras = KerasTestFiles.keras(dir.resolve("rich.keras"), KerasTestFiles.richModel(), false);
        Path out = dir.resolve("small.keras");
        CliRun run = CliRun.of("-q", "shrink", keras.toString(), "--eval", csv(dir).toString(), "--epsilon", "0.3",
                "--format", "keras", "-o", out.toString(), "--accept-chance");
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("wrote " + out), run.out());
        KerasModel original = KerasReader.read(keras);
        KerasModel small = KerasReader.read(out);
        assertEquals(original.layerNames(), small.layerNames());
        assertTrue(small.network().parameterCount() < original.network().parameterCount(),
                small.network().architecture());
        assertEquals(original.layout().dense().stream().map(KerasModel.DenseBinding::kernelPath).toList(),
                small.layout().dense().stream().map(KerasModel.DenseBinding::kernelPath).toList(), "the same datasets");
        assertEquals(List.of("small.keras", "rich.keras", "rows.csv").stream().sorted().toList(),
                Files.list(dir).map(p -> p.getFileName().toString()).sorted().toList(), "no temporary file left");
        assertFalse(run.out().contains("note: written as"), "a Keras input written as Keras needs no note: " + run.out());
    }

    @Test
    void aKerasInputWrittenAsOnnxIsSaidAndAnOnnxFileIsNeverNamedKeras(@TempDir Path dir) throws Exception {
        Path keras = KerasTestFiles.keras(dir.resolve("rich.keras"), KerasTestFiles.richModel(), false);
        Path rows = csv(dir);
        Path out = dir.resolve("small.onnx");
        CliRun run = CliRun.of("-q", "shrink", keras.toString(), "--eval", rows.toString(), "--epsilon", "0.3", "-o",
                out.toString(), "--accept-chance");
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("note: written as ONNX, though " + keras + " is a Keras file; --format keras "
                + "writes a .keras file instead"), run.out());
        assertEquals("4-", DenseChainReader.read(out).network().architecture().substring(0, 2), "an ONNX file");

        // An ONNX model is never written under a Keras name: shrink without --format keras, evolve and run refuse it
        // in one line before any work (sweep of a Keras file writes a Keras file there: issue 55).
        Path named = dir.resolve("small2.keras");
        List<String[]> refused = List.of(
                new String[] {"shrink", keras.toString(), "--eval", rows.toString(), "-o", named.toString()},
                new String[] {"sweep", keras.toString(), "--eval", rows.toString(), "--train", rows.toString(), "-o",
                    named.toString(), "--schedule", "epsilon"},
                new String[] {"evolve", keras.toString(), "--eval", rows.toString(), "--train", rows.toString(), "-o",
                    named.toString()},
                new String[] {"run", rows.toString(), "--test", rows.toString(), "-o", named.toString()});
        for (String[] args : refused) {
            CliRun r = CliRun.of(args);
            assertEquals(2, r.exitCode(), r.toString());
            assertTrue(r.err().startsWith("odf2nna-onnx: error: -o " + named + ": the model is written as ONNX there, "
                    + "not as a Keras file") || args[0].equals("sweep") && r.err().startsWith("odf2nna-onnx: error: -o "
                    + named + ": a sweep writes a Keras file with the progressive schedule"), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertFalse(Files.exists(named), args[0]);
        }
    }
}

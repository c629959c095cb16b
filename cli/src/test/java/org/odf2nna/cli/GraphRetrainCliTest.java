package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.Device;
import org.odf2nna.graph.GraphRows;
import org.odf2nna.graph.GraphSweep;
import org.odf2nna.graph.GraphSweepRetrainTest;
import org.odf2nna.graph.Graphs;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/** --graph-retrain on sweep and shrink --train: end to end by default, the fallback's note, sequential alone. */
class GraphRetrainCliTest {

    @TempDir
    Path dir;

    /** Rows labelled with the model's own classes. */
    private Path csv(ModelProto model, String name, int rows, long seed) throws Exception {
        float[] x = Graphs.rows(seed, rows, 24);
        int[] labels = GraphSweep.predict(model, dir, GraphRows.dataInput(model, dir), new GraphRows(x, 24, null),
                Device.CPU);
        StringBuilder s = new StringBuilder();
        for (int c = 0; c < 24; c++) {
            s.append("x").append(c).append(',');
        }
        s.append("label\n");
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < 24; c++) {
                s.append(x[r * 24 + c]).append(',');
            }
            s.append(labels[r]).append('\n');
        }
        Path p = dir.resolve(name);
        Files.writeString(p, s);
        return p;
    }

    private Path model(boolean einsum, String name) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, GraphSweepRetrainTest.classifier(einsum).toByteArray());
        return p;
    }

    @Test
    void sweepRetrainsEndToEndByDefaultAndWritesAModelOnnxRuntimeRuns() throws Exception {
        Path model = model(false, "ffn.onnx");
        ModelProto proto = OnnxModelFile.read(model);
        Path out = dir.resolve("small.onnx");
        CliRun sweep = CliRun.of("-q", "sweep", model.toString(), "--train", csv(proto, "t.csv", 500, 1).toString(),
                "--validation", csv(proto, "v.csv", 2000, 2).toString(), "--eval", csv(proto, "e.csv", 100, 3)
                .toString(), "--share", "0.25", "-o", out.toString());
        assertEquals(0, sweep.exitCode(), sweep.toString());
        assertTrue(sweep.out().contains("Retraining after each refit: end to end (2 epochs per round on up to 50000 "
                + "training rows, batches of 128, learning rate one cycle up to 0.002, every weight of the graph)"),
                sweep.out());
        // No fallback is noted: the notes allowed say which round is the half step before the chain's last, and what
        // the retraining cost and bought (issue 69).
        assertTrue(sweep.out().lines().filter(l -> l.startsWith("Note:")).allMatch(l -> l.matches("Note: round \\d+ "
                + "is a half step: made from round \\d+, it removes the block parameters halfway to round \\d+, the "
                + "chain's last; .*") || l.startsWith("Note: end-to-end retraining ran in ")), sweep.out());
        ModelProto written = OnnxModelFile.read(out);
        float[] rows = Graphs.rows(9, 50, 24);
        int[] classes = GraphSweep.predict(written, out, GraphRows.dataInput(written, out), new GraphRows(rows, 24,
                null), Device.CPU);
        assertEquals(50, classes.length);
    }

    @Test
    void aNodeOutsideTheTranslationIsOneNoteAndTheSequentialRefitStands() throws Exception {
        Path model = model(true, "einsum.onnx");
        ModelProto proto = OnnxModelFile.read(model);
        Path out = dir.resolve("small.onnx");
        CliRun sweep = CliRun.of("-q", "sweep", model.toString(), "--train", csv(proto, "t.csv", 300, 1).toString(),
                "--validation", csv(proto, "v.csv", 2000, 2).toString(), "--eval", csv(proto, "e.csv", 100, 3)
                .toString(), "--share", "0.25", "-o", out.toString());
        assertEquals(0, sweep.exitCode(), sweep.toString());
        long notes = sweep.out().lines().filter(l -> l.startsWith("Note: node '/Einsum_")
                && l.contains("': operator Einsum (opset ") && l.contains(" is not translated; supported: ")
                && l.endsWith("every round keeps the sequential block refit")).count();
        assertEquals(1, notes, sweep.out());
        assertTrue(Files.exists(out));
    }

    @Test
    void shrinkTakesSequentialAloneAndAnUnknownRetrainingIsOneLine() throws Exception {
        Path model = model(false, "ffn.onnx");
        ModelProto proto = OnnxModelFile.read(model);
        Path t = csv(proto, "t.csv", 300, 1);
        Path v = csv(proto, "v.csv", 1000, 2);
        String e = csv(proto, "e.csv", 100, 3).toString();
        CliRun shrink = CliRun.of("-q", "shrink", model.toString(), "--train", t.toString(), "--validation",
                v.toString(), "--eval", e, "-o", dir.resolve("s.onnx").toString(), "--graph-retrain", "sequential");
        assertTrue(shrink.exitCode() == 0 || shrink.exitCode() == 3, shrink.toString());
        assertTrue(shrink.out().contains("Retraining after each refit: sequential refit alone"), shrink.out());
        assertTrue(shrink.out().lines().filter(l -> l.startsWith("  ") && l.matches(".*\\s-\\s.*")).count() > 0,
                shrink.out());
        CliRun bad = CliRun.of("sweep", model.toString(), "--train", t.toString(), "--validation", v.toString(),
                "--eval", e, "--graph-retrain", "whole");
        assertEquals(2, bad.exitCode(), bad.toString());
        assertEquals(1, bad.err().strip().lines().count(), bad.err());
        assertTrue(bad.err().contains("--graph-retrain") && bad.err().contains("'whole'"), bad.err());
        CliRun epochs = CliRun.of("sweep", model.toString(), "--train", t.toString(), "--validation", v.toString(),
                "--eval", e, "--graph-epochs", "0");
        assertEquals(2, epochs.exitCode(), epochs.toString());
        assertTrue(epochs.err().contains("--graph-epochs must be at least 1"), epochs.err());
        CliRun scope = CliRun.of("sweep", model.toString(), "--train", t.toString(), "--validation", v.toString(),
                "--eval", e, "--graph-train", "heads");
        assertEquals(2, scope.exitCode(), scope.toString());
        assertEquals(1, scope.err().strip().lines().count(), scope.err());
        assertTrue(scope.err().contains("--graph-train") && scope.err().contains("'heads'"), scope.err());
        CliRun schedule = CliRun.of("sweep", model.toString(), "--train", t.toString(), "--validation", v.toString(),
                "--eval", e, "--graph-schedule", "cosine");
        assertEquals(2, schedule.exitCode(), schedule.toString());
        assertTrue(schedule.err().contains("--graph-schedule") && schedule.err().contains("'cosine'"),
                schedule.err());
        CliRun batch = CliRun.of("sweep", model.toString(), "--train", t.toString(), "--validation", v.toString(),
                "--eval", e, "--graph-batch-size", "0");
        assertEquals(2, batch.exitCode(), batch.toString());
        assertTrue(batch.err().contains("--graph-batch-size must be at least 1"), batch.err());
    }
}

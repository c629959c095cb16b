package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.graph.GraphFeedTest;
import org.odf2nna.graph.Graphs;
import org.odf2nna.graph.WeightStorageTest;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/** A graph written as paddle2onnx writes one (Constant-node weights, open H and W), swept from NumPy archives. */
class GraphInputsCliTest {

    @TempDir
    Path dir;

    /** GraphFeedTest's [N, 3, H, W] graph (a pointwise block, pooling, a Gemm head), weights as Constant nodes. */
    private static ModelProto paddleStyle() {
        return WeightStorageTest.asConstantNodes(GraphFeedTest.openImage(new Graphs(61)));
    }

    /** An .npz archive of {@code rows} rows of 3×4×4 float32 values in x, and class ids in y. */
    private Path npz(String name, int rows, long seed) throws Exception {
        Random r = new Random(seed);
        ByteBuffer x = ByteBuffer.allocate(rows * 48 * 4).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer y = ByteBuffer.allocate(rows * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows * 48; i++) {
            x.putFloat((float) (r.nextDouble() * 2 - 1));
        }
        for (int i = 0; i < rows; i++) {
            y.putLong(r.nextInt(3));
        }
        Path p = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(p); ZipOutputStream zip = new ZipOutputStream(out)) {
            entry(zip, "x.npy", "'<f4'", "(" + rows + ", 3, 4, 4)", x.array());
            entry(zip, "y.npy", "'<i8'", "(" + rows + ",)", y.array());
        }
        return p;
    }

    private static void entry(ZipOutputStream zip, String name, String descr, String shape, byte[] data)
            throws Exception {
        String h = "{'descr': " + descr + ", 'fortran_order': False, 'shape': " + shape + ", }";
        h = h + " ".repeat(64 - (10 + h.length() + 1) % 64) + "\n";
        zip.putNextEntry(new ZipEntry(name));
        zip.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) h.length(), (byte) (h.length() >> 8)});
        zip.write(h.getBytes(StandardCharsets.ISO_8859_1));
        zip.write(data);
        zip.closeEntry();
    }

    @Test
    void inspectFindsTheBlockAndSweepTakesTheShapeAndTheArchives() throws Exception {
        Path model = dir.resolve("paddle.onnx");
        Files.write(model, paddleStyle().toByteArray());
        CliRun inspect = CliRun.of("inspect", model.toString());
        assertEquals(0, inspect.exitCode(), inspect.toString());
        assertTrue(inspect.out().contains("Dense blocks 1"), inspect.out());
        Path train = npz("train.npz", 300, 1);
        Path validation = npz("validation.npz", 400, 2);
        Path report = npz("report.npz", 200, 3);
        Path out = dir.resolve("small.onnx");
        CliRun open = CliRun.of("sweep", model.toString(), "--train", train.toString(), "--validation",
                validation.toString(), "--eval", report.toString(), "-o", out.toString(), "--graph-retrain",
                "sequential");
        assertEquals(2, open.exitCode(), open.toString());
        assertTrue(open.err().contains("input 'x' has shape [batch, 3, H, W]: the shape of its rows is open; give it "
                + "with --input-shape 3,H,W (the batch axis left out; a size for each named axis)"), open.err());
        assertEquals(1, open.err().strip().lines().count(), open.err());
        assertFalse(Files.exists(out));
        CliRun sweep = CliRun.of("sweep", model.toString(), "--input-shape", "3,4,4", "--train", train.toString(),
                "--validation", validation.toString(), "--eval", report.toString(), "-o", out.toString(),
                "--graph-retrain", "sequential", "--max-drop", "20", "--accept-chance");
        assertEquals(0, sweep.exitCode(), sweep.toString());
        assertTrue(sweep.out().contains("<- written"), sweep.out());
        ModelProto written = ModelProto.parseFrom(Files.readAllBytes(out));
        assertEquals(0, written.getGraph().getInitializerCount(), "every weight a Constant node again");
        assertEquals(List.of("N", "", "H", "W"), written.getGraph().getInput(0).getType().getTensorType().getShape()
                .getDimList().stream().map(d -> d.getDimParam()).toList());
        CliRun wrong = CliRun.of("sweep", model.toString(), "--input-shape", "3,4", "--train", train.toString(),
                "--validation", validation.toString(), "--eval", report.toString(), "-o", out.toString());
        assertEquals(2, wrong.exitCode(), wrong.toString());
        assertTrue(wrong.err().contains("--input-shape 3,4 does not fit input 'x'"), wrong.err());
    }

    /** An .npz archive of {@code rows} rows of 6 token ids (a few, then padding 0) in x, their attention_mask, classes. */
    private Path tokenArchive(String name, int rows, long seed) throws Exception {
        Random r = new Random(seed);
        ByteBuffer x = ByteBuffer.allocate(rows * 6 * 8).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer mask = ByteBuffer.allocate(rows * 6 * 8).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer y = ByteBuffer.allocate(rows * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows; i++) {
            int n = 1 + r.nextInt(6);
            for (int t = 0; t < 6; t++) {
                x.putLong(t < n ? 1 + r.nextInt(49) : 0);
                mask.putLong(t < n ? 1 : 0);
            }
            y.putLong(r.nextInt(4));
        }
        Path p = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(p); ZipOutputStream zip = new ZipOutputStream(out)) {
            entry(zip, "x.npy", "'<i8'", "(" + rows + ", 6)", x.array());
            entry(zip, "attention_mask.npy", "'<i8'", "(" + rows + ", 6)", mask.array());
            entry(zip, "y.npy", "'<i8'", "(" + rows + ",)", y.array());
        }
        return p;
    }

    @Test
    void aSweepReadsAnOpenSequenceLengthFromTheArchivesAsEvalDoes() throws Exception {
        Path model = dir.resolve("text.onnx");
        Files.write(model, GraphFeedTest.textClassifier(new Graphs(71)).toByteArray());
        Path train = tokenArchive("train.npz", 300, 1);
        Path validation = tokenArchive("validation.npz", 300, 2);
        Path out = dir.resolve("text.small.onnx");
        CliRun sweep = CliRun.of("sweep", model.toString(), "--train", train.toString(), "--validation",
                validation.toString(), "-o", out.toString(), "--graph-retrain", "sequential", "--max-drop", "20",
                "--accept-chance");
        assertEquals(0, sweep.exitCode(), sweep.toString());
        assertFalse(sweep.err().contains("the shape of its rows is open"), sweep.err());
        assertTrue(Files.exists(out), sweep.toString());
        // The sequence axis stays open in the written model, as the export had it.
        assertEquals("sequence", ModelProto.parseFrom(Files.readAllBytes(out)).getGraph().getInput(0).getType()
                .getTensorType().getShape().getDim(1).getDimParam());
    }

    /** textClassifier's ids-only form: one int64 input [batch, sequence], the mean of its embeddings, two MatMuls. */
    private static ModelProto idsOnly(Graphs g) {
        g.inputOf("input_ids", org.odf2nna.onnx.proto.OnnxProto.TensorProto.DataType.INT64_VALUE, "batch",
                "sequence").output("logits", 4);
        String emb = g.node("Gather", "emb", g.init("embedding", 1.0, 50, 6), "input_ids");
        String pooled = g.node("ReduceMean", "pooled", List.of(Graphs.ints("axes", 1), Graphs.integer("keepdims", 0)),
                emb);
        String h = g.node("Relu", "h", g.node("Add", "pre", g.node("MatMul", "mm1", pooled, g.init("w1", 0.7, 6, 12)),
                g.init("b1", 0.2, 12)));
        g.node("Add", "logits", g.node("MatMul", "mm2", h, g.init("w2", 0.7, 12, 4)), g.init("b2", 0.1, 4));
        return g.model(13);
    }

    @Test
    void anIdsOnlyExportWithAnOpenSequenceIsSweptAsAGraph() throws Exception {
        // The chain reader refuses its int64 input; that is no weight fed as an input, so the graph path takes it.
        Path model = dir.resolve("ids.onnx");
        Files.write(model, idsOnly(new Graphs(72)).toByteArray());
        Path train = tokenArchive("train.npz", 300, 4);
        Path validation = tokenArchive("validation.npz", 300, 5);
        Path out = dir.resolve("ids.small.onnx");
        CliRun sweep = CliRun.of("sweep", model.toString(), "--train", train.toString(), "--validation",
                validation.toString(), "-o", out.toString(), "--graph-retrain", "sequential", "--max-drop", "20",
                "--accept-chance");
        assertEquals(0, sweep.exitCode(), sweep.toString());
        assertFalse(sweep.err().contains("only FLOAT and DOUBLE inputs"), sweep.err());
        assertTrue(Files.exists(out), sweep.toString());
    }
}

package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
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
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.api.FileWorkflows;
import org.odf2nna.api.Inspection;
import org.odf2nna.graph.Decoder;
import org.odf2nna.graph.GraphFeed;
import org.odf2nna.graph.GraphRows;
import org.odf2nna.graph.GraphSweep;
import org.odf2nna.graph.Graphs;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.report.Evaluation;
import org.odf2nna.settings.CsvReading;
import org.odf2nna.settings.ModelInputs;
import org.odf2nna.settings.OutputDecoding;

/** {@code eval} of graphs that are no dense chain: several int64 inputs, fed as sweep feeds them. */
class GraphEvaluatorTest {

    private static final int INT64 = TensorProto.DataType.INT64_VALUE;
    private static final int LENGTH = 6;
    private static final int ROWS = 200;

    @TempDir
    Path dir;

    /**
     * A BERT-like export's inputs: input_ids, attention_mask and token_type_ids, int64 [batch, sequence]; embeddings of
     * the ids and the types, the masked mean, MatMul 6→12, ReLU, MatMul 12→4.
     */
    static ModelProto threeInputs() {
        Graphs g = new Graphs(43);
        g.inputOf("input_ids", INT64, "batch", "sequence").inputOf("attention_mask", INT64, "batch", "sequence")
                .inputOf("token_type_ids", INT64, "batch", "sequence").output("logits", 4);
        String emb = g.node("Add", "emb", g.node("Gather", "words", g.init("embedding", 1.0, 50, 6), "input_ids"),
                g.node("Gather", "types", g.init("type_embedding", 0.5, 2, 6), "token_type_ids"));
        String mask = g.node("Cast", "maskf", List.of(Graphs.integer("to", 1)), "attention_mask");
        String mask3 = g.node("Unsqueeze", "mask3", mask, g.int64("last", -1));
        String sum = g.node("ReduceSum", "sum", List.of(Graphs.integer("keepdims", 0)),
                g.node("Mul", "masked", emb, mask3), g.int64("tokens", 1));
        String count = g.node("ReduceSum", "count", List.of(Graphs.integer("keepdims", 1)), mask, g.int64("tokens2", 1));
        String pooled = g.node("Div", "pooled", sum, count);
        String h = g.node("Relu", "h", g.node("Add", "pre", g.node("MatMul", "mm1", pooled, g.init("w1", 0.7, 6, 12)),
                g.init("b1", 0.2, 12)));
        g.node("Add", "logits", g.node("MatMul", "mm2", h, g.init("w2", 0.7, 12, 4)), g.init("b2", 0.1, 4));
        return g.model(13);
    }

    /** Token ids (then padding 0) and their mask, row-major. */
    private static float[][] tokens() {
        Random r = new Random(3);
        float[] ids = new float[ROWS * LENGTH];
        float[] mask = new float[ROWS * LENGTH];
        for (int i = 0; i < ROWS; i++) {
            int n = 1 + r.nextInt(LENGTH);
            for (int t = 0; t < n; t++) {
                ids[i * LENGTH + t] = 1 + r.nextInt(49);
                mask[i * LENGTH + t] = 1;
            }
        }
        return new float[][] {ids, mask};
    }

    /** Labels the model gets right on three rows in four: its own class, else the next. */
    private static int[] labels(ModelProto model, Path file, float[][] t) {
        // The mask as rows of its own (the file named is not read: the rows are given in memory).
        GraphFeed feed = GraphFeed.resolve(model, file, new ModelInputs(new long[] {LENGTH}, "input_ids", List.of(
                new ModelInputs.Other("attention_mask", null, List.of(file)),
                new ModelInputs.Other("token_type_ids", 0.0, null))), List.of());
        int[] predicted = GraphSweep.predict(model, file, feed, new GraphRows(t[0], LENGTH, null,
                java.util.Map.of("attention_mask", t[1])), Device.CPU, new Decoder(OutputDecoding.DEFAULT));
        int[] labels = new int[ROWS];
        for (int r = 0; r < ROWS; r++) {
            labels[r] = r % 4 == 0 ? (predicted[r] + 1) % 4 : predicted[r];
        }
        return labels;
    }

    private Path csv(String name, float[] values, int[] labels) throws IOException {
        StringBuilder s = new StringBuilder();
        for (int t = 0; t < LENGTH; t++) {
            s.append(t > 0 ? "," : "").append("t").append(t);
        }
        s.append(labels == null ? "" : ",label").append('\n');
        for (int r = 0; r < ROWS; r++) {
            for (int t = 0; t < LENGTH; t++) {
                s.append(t > 0 ? "," : "").append((long) values[r * LENGTH + t]);
            }
            s.append(labels == null ? "" : "," + labels[r]).append('\n');
        }
        Path p = dir.resolve(name);
        Files.writeString(p, s);
        return p;
    }

    @Test
    void aThreeInputGraphIsMeasuredOnItsFirstOutputFromCsvFilesAndFromAnArchive() throws IOException {
        ModelProto model = threeInputs();
        Path file = dir.resolve("bert.onnx");
        Files.write(file, model.toByteArray());
        float[][] t = tokens();
        int[] labels = labels(model, file, t);
        Path ids = csv("ids.csv", t[0], labels);
        Path mask = csv("mask.csv", t[1], null);
        ModelInputs inputs = new ModelInputs(null, null, List.of(new ModelInputs.Other("attention_mask", null,
                List.of(mask)), new ModelInputs.Other("token_type_ids", 0.0, null)));
        Evaluation e = FileWorkflows.evaluate(file, ids, new CsvReading(null, 64), null, inputs, Device.CPU,
                Progress.NONE);
        Metrics.Classification c = (Metrics.Classification) e.metrics();
        assertEquals(ROWS, c.rows());
        assertEquals(4, c.classes());
        assertEquals(0.75, c.accuracy(), 1e-12);
        assertEquals("classification", e.task());
        // The same rows as one archive: x the ids, the other inputs' arrays named after them, y the labels.
        Path npz = dir.resolve("test.npz");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(npz))) {
            npy(zip, "x", t[0], LENGTH);
            npy(zip, "attention_mask", t[1], LENGTH);
            npy(zip, "token_type_ids", new float[ROWS * LENGTH], LENGTH);
            float[] y = new float[ROWS];
            for (int r = 0; r < ROWS; r++) {
                y[r] = labels[r];
            }
            npy(zip, "y", y, 0);
        }
        Evaluation fromArchive = FileWorkflows.evaluate(file, npz, new CsvReading(null, 1024), null, ModelInputs.NONE,
                Device.CPU, Progress.NONE);
        assertEquals(0.75, ((Metrics.Classification) fromArchive.metrics()).accuracy(), 1e-12);
        // Without the other inputs: one line naming them and the setting that gives them.
        InputException missing = assertThrows(InputException.class, () -> FileWorkflows.evaluate(file, ids,
                new CsvReading(null, 64), null, ModelInputs.NONE, Device.CPU, Progress.NONE));
        assertTrue(missing.getMessage().contains("attention_mask") && missing.getMessage().contains("token_type_ids"),
                missing.getMessage());
    }

    @Test
    void aBadLabelIsNamedByItsLineAndColumnOrByItsRowAndArray() throws IOException {
        ModelProto model = threeInputs();
        Path file = dir.resolve("bert.onnx");
        Files.write(file, model.toByteArray());
        float[][] t = tokens();
        int[] labels = new int[ROWS];
        labels[2] = 7;
        Path ids = csv("ids.csv", t[0], labels);
        Path mask = csv("mask.csv", t[1], null);
        ModelInputs inputs = new ModelInputs(null, null, List.of(new ModelInputs.Other("attention_mask", null,
                List.of(mask)), new ModelInputs.Other("token_type_ids", 0.0, null)));
        // A CSV file: its line (row 3 is line 4, after the header) and the target column, as a dense chain's.
        InputException csv = assertThrows(InputException.class, () -> FileWorkflows.evaluate(file, ids,
                new CsvReading(null, 64), null, inputs, Device.CPU, Progress.NONE));
        assertEquals(ids + ": line 4, column 'label': class id 7 but the model outputs 4 classes (0..3)",
                csv.getMessage());
        // An archive has no lines: the row and the labels array.
        Path npz = dir.resolve("bad.npz");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(npz))) {
            npy(zip, "x", t[0], LENGTH);
            npy(zip, "attention_mask", t[1], LENGTH);
            npy(zip, "token_type_ids", new float[ROWS * LENGTH], LENGTH);
            float[] y = new float[ROWS];
            y[2] = 9;
            npy(zip, "y", y, 0);
        }
        InputException archive = assertThrows(InputException.class, () -> FileWorkflows.evaluate(file, npz,
                new CsvReading(null, 64), null, ModelInputs.NONE, Device.CPU, Progress.NONE));
        assertEquals(npz + ": row 3, labels 'y': class id 9 but the model outputs 4 classes (0..3)",
                archive.getMessage());
        // Another input's file with fewer rows than the data: both counts, as when the rows were read at once.
        Path shortMask = dir.resolve("short.csv");
        Files.write(shortMask, Files.readAllLines(mask).subList(0, 101));
        ModelInputs cut = new ModelInputs(null, null, List.of(new ModelInputs.Other("attention_mask", null,
                List.of(shortMask)), new ModelInputs.Other("token_type_ids", 0.0, null)));
        InputException rows = assertThrows(InputException.class, () -> FileWorkflows.evaluate(file,
                csv("good.csv", t[0], new int[ROWS]), new CsvReading(null, 64), null, cut, Device.CPU,
                Progress.NONE));
        assertTrue(rows.getMessage().contains("holds 100 rows for input 'attention_mask', and "
                + dir.resolve("good.csv") + " " + ROWS + ";"), rows.getMessage());
    }

    @Test
    void inspectRunsAThreeInputGraphOnMadeUpRows() throws IOException {
        Path file = dir.resolve("bert.onnx");
        Files.write(file, threeInputs().toByteArray());
        org.odf2nna.report.GraphBlocks blocks = Inspection.describeBlocks(file, ModelInputs.NONE);
        assertEquals(1, blocks.blocks().size(), blocks.toString());
        assertTrue(blocks.notes().stream().noneMatch(n -> n.contains("did not run")), blocks.notes().toString());
    }

    /** An int64 .npy array of {@code values} ([rows, width], or [rows] for width 0) as an archive's entry. */
    private static void npy(ZipOutputStream zip, String name, float[] values, int width) throws IOException {
        zip.putNextEntry(new ZipEntry(name + ".npy"));
        String shape = width == 0 ? "(" + values.length + ",)" : "(" + values.length / width + ", " + width + ")";
        String h = "{'descr': '<i8', 'fortran_order': False, 'shape': " + shape + ", }";
        h = h + " ".repeat(64 - (10 + h.length() + 1) % 64) + "\n";
        zip.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) h.length(), 0});
        zip.write(h.getBytes(StandardCharsets.ISO_8859_1));
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putLong((long) v);
        }
        zip.write(b.array());
        zip.closeEntry();
    }
}

package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.report.SweepReport;
import org.odf2nna.settings.ModelInputs;
import org.odf2nna.settings.OutputDecoding;

/** Graphs fed as exporters write them: open spatial sizes, several inputs, token ids. */
public class GraphFeedTest {

    private static final Path FILE = BlockFinderTest.FILE;
    private static final int INT64 = TensorProto.DataType.INT64_VALUE;

    @TempDir
    Path dir;

    /** [N, 3, H, W]: 1×1 Conv 3→8, ReLU, 1×1 Conv 8→4, global average pool, Flatten, Gemm 4→3. */
    public static ModelProto openImage(Graphs g) {
        g.inputOf("x", 1, "N", "3", "H", "W").output("y", 3);
        String c1 = g.node("Conv", "c1", List.of(Graphs.ints("kernel_shape", 1, 1)), "x", g.init("w1", 0.8, 8, 3, 1, 1),
                g.init("b1", 0.3, 8));
        String c2 = g.node("Conv", "c2", List.of(Graphs.ints("kernel_shape", 1, 1)), g.node("Relu", "r", c1),
                g.init("w2", 0.6, 4, 8, 1, 1), g.init("b2", 0.1, 4));
        String f = g.node("Flatten", "f", g.node("GlobalAveragePool", "gap", c2));
        g.node("Gemm", "y", f, g.init("head", 1.0, 4, 3), g.init("hb", 0.1, 3));
        return g.model(14);
    }

    /**
     * A text classifier over int64 token ids [N, T] with an attention mask [N, T]: an embedding Gather, the mean of the
     * unmasked tokens, MatMul 6→12, ReLU, MatMul 12→4.
     */
    public static ModelProto textClassifier(Graphs g) {
        g.inputOf("input_ids", INT64, "batch", "sequence").inputOf("attention_mask", INT64, "batch", "sequence")
                .output("logits", 4);
        String emb = g.node("Gather", "emb", g.init("embedding", 1.0, 50, 6), "input_ids");
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

    /** Rows of token ids: a few tokens, then padding 0; the mask marks the tokens. */
    static float[][] tokens(long seed, int rows, int length) {
        Random r = new Random(seed);
        float[] ids = new float[rows * length];
        float[] mask = new float[rows * length];
        for (int i = 0; i < rows; i++) {
            int n = 1 + r.nextInt(length);
            for (int t = 0; t < n; t++) {
                ids[i * length + t] = 1 + r.nextInt(49);
                mask[i * length + t] = 1;
            }
        }
        return new float[][] {ids, mask};
    }

    @Test
    void anOpenRowShapeIsRefusedNamingTheFlagAndFixedByIt() {
        ModelProto model = openImage(new Graphs(41));
        InputException e = assertThrows(InputException.class, () -> GraphFeed.of(model, FILE));
        assertTrue(e.getMessage().contains("input 'x' has shape [batch, 3, H, W]"), e.getMessage());
        assertTrue(e.getMessage().contains("give it with the input-shape setting 3,H,W (the batch axis left out; a "
                + "size for each named axis)"),
                e.getMessage());
        // Fed as one flat row anywhere else, it says the same instead of ONNX Runtime's "Invalid rank".
        try (org.odf2nna.onnx.OnnxRunner r = org.odf2nna.onnx.OnnxRunner.open(model, new org.odf2nna.onnx
                .InputSignature("x", 1, new long[] {-1, 3, -1, -1}), Device.CPU, FILE)) {
            InputException flat = assertThrows(InputException.class, () -> r.run(new float[75], 1, 75,
                    List.of("y")));
            assertTrue(flat.getMessage().contains("the shape of its rows is open"), flat.getMessage());
        }
        InputException wrong = assertThrows(InputException.class, () -> GraphFeed.resolve(model, FILE,
                ModelInputs.NONE.withRowShape(new long[] {4, 5, 5}), List.of()));
        assertTrue(wrong.getMessage().contains("4,5,5 does not fit input 'x'"), wrong.getMessage());
        GraphFeed feed = GraphFeed.resolve(model, FILE, ModelInputs.NONE.withRowShape(new long[] {3, 5, 5}),
                List.of());
        assertEquals(75, feed.width());
        // Pruned with that shape, the written model still takes any H and W.
        GraphRows rows = new GraphRows(Graphs.rows(3, 200, 75), 75, null);
        BlockPruner.Pruned p = GraphSweep.prune(model, FILE, feed, rows, 0.4, GraphRun.of(org.odf2nna.settings.SweepSettings.defaults(), 0.1));
        assertTrue(BlockFinder.find(p.model(), FILE).get(0).sizes().width() < 8);
        List<TensorShapeProto.Dimension> dims = p.model().getGraph().getInput(0).getType().getTensorType().getShape()
                .getDimList();
        assertEquals(List.of("N", "", "H", "W"), dims.stream().map(TensorShapeProto.Dimension::getDimParam).toList());
        GraphFeed other = GraphFeed.resolve(p.model(), FILE, ModelInputs.NONE.withRowShape(new long[] {3, 7, 2}),
                List.of());
        int[] classes = GraphSweep.predict(p.model(), FILE, other, new GraphRows(Graphs.rows(4, 10, 42), 42, null),
                Device.CPU, new Decoder(OutputDecoding.DEFAULT));
        assertEquals(10, classes.length);
    }

    /**
     * An Ultralytics export with dynamic=True ([batch, 3, height, width]) is fed at the imgsz its metadata keeps; the
     * input-shape setting still wins, and a model without that metadata is still refused.
     */
    @Test
    void aDynamicUltralyticsExportIsFedAtTheSizeItWasExportedAt() {
        ModelProto open = openImage(new Graphs(45));
        ModelProto exported = withMetadata(open, "author", "Ultralytics", "task", "detect", "imgsz", "[16, 12]");
        assertEquals(3 * 16 * 12, GraphFeed.of(exported, FILE).width());
        assertArrayEquals(new long[] {-1, 3, 16, 12}, GraphFeed.of(exported, FILE).data().shape());
        // Looked at (inspect, multiply-adds) at that size too, not at the made-up 8 × 8 its Concats may not meet at.
        assertEquals(3 * 16 * 12, GraphFeed.madeUp(exported, FILE, ModelInputs.NONE).width());
        assertEquals(3 * 8 * 8, GraphFeed.madeUp(open, FILE, ModelInputs.NONE).width());
        assertEquals(75, GraphFeed.resolve(exported, FILE, ModelInputs.NONE.withRowShape(new long[] {3, 5, 5}),
                List.of()).width());
        assertEquals(3 * 20 * 20, GraphFeed.of(withMetadata(open, "author", "Ultralytics", "task", "detect", "imgsz",
                "20"), FILE).width());
        assertThrows(InputException.class, () -> GraphFeed.of(withMetadata(open, "author", "Ultralytics", "task",
                "classify", "imgsz", "[16, 12]"), FILE));
        assertThrows(InputException.class, () -> GraphFeed.of(withMetadata(open, "author", "Ultralytics", "task",
                "detect"), FILE));
    }

    private static ModelProto withMetadata(ModelProto model, String... keysAndValues) {
        ModelProto.Builder b = model.toBuilder();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            b.addMetadataProps(org.odf2nna.onnx.proto.OnnxProto.StringStringEntryProto.newBuilder()
                    .setKey(keysAndValues[i]).setValue(keysAndValues[i + 1]));
        }
        return b.build();
    }

    /**
     * An export with its batch fixed at 4 ([4, 3, 2, 2], Ultralytics' batch=4): its rows go one per run; where the
     * graph keeps the batch inside (a Reshape to [4, 12]) it is refused in one line that says how to export it,
     * else it runs.
     */
    @Test
    void aBatchFixedAboveOneRunsRowByRowOrIsRefusedInOneLine() {
        Graphs kept = new Graphs(46);
        kept.inputOf("x", 1, "4", "3", "2", "2").output("y", 12);
        kept.node("Reshape", "y", kept.node("Relu", "r", "x"), kept.int64("to", 4, 12));
        ModelProto keeps = kept.model(14);
        GraphFeed feed = GraphFeed.of(keeps, FILE);
        assertEquals(4, feed.fixedBatchOverOne());
        GraphRows rows = new GraphRows(Graphs.rows(8, 3, 12), 12, null);
        InputException e = assertThrows(InputException.class, () -> Graphs.runY(keeps, feed, rows));
        assertTrue(e.getMessage().contains("input 'x' has shape [4, 3, 2, 2]: its batch is fixed at 4, and the graph "
                + "keeps that batch inside"), e.getMessage());
        assertTrue(e.getMessage().contains("dynamic=True"), e.getMessage());
        Graphs plain = new Graphs(47);
        plain.inputOf("x", 1, "4", "3", "2", "2").output("y", 3, 2, 2);
        plain.node("Relu", "y", "x");
        ModelProto free = plain.model(14);
        float[] y = Graphs.runY(free, GraphFeed.of(free, FILE), rows);
        assertEquals(36, y.length);
        assertEquals(Math.max(0, rows.features()[35]), y[35], 0);
        assertEquals(0, GraphFeed.resolve(openImage(new Graphs(48)), FILE, ModelInputs.NONE.withRowShape(
                new long[] {3, 2, 2}), List.of()).fixedBatchOverOne());
    }

    @Test
    void otherInputsAreConstantsOrRowsAndWhatIsNotGivenIsRefused() {
        // y = x·w + state's mean: a recurrent state [2, N, 4] and a sample rate (a scalar) beside the rows.
        Graphs g = new Graphs(42);
        g.inputOf("x", 1, "N", "6").inputOf("state", 1, "2", "N", "4").inputOf("sr", INT64).output("y", 4);
        String s = g.node("ReduceMean", "s", List.of(Graphs.ints("axes", 0), Graphs.integer("keepdims", 0)), "state");
        String srf = g.node("Cast", "srf", List.of(Graphs.integer("to", 1)), "sr");
        g.node("Add", "y", g.node("Mul", "scaled", g.node("MatMul", "mm", "x", g.init("w", 0.5, 6, 4)), srf), s);
        ModelProto model = g.model(14);
        InputException missing = assertThrows(InputException.class, () -> GraphFeed.of(model, FILE));
        assertTrue(missing.getMessage().contains("3 inputs (x, state, sr), 3 of them not given"),
                missing.getMessage());
        ModelInputs given = new ModelInputs(null, null, List.of(ModelInputs.parseOther("state=0.5"),
                ModelInputs.parseOther("sr=2")));
        GraphFeed feed = GraphFeed.resolve(model, FILE, given, List.of());
        assertEquals("x", feed.data().name());
        assertEquals(1, feed.sides().get(0).batchAxis());
        assertEquals(-1, feed.sides().get(1).batchAxis());
        GraphRows rows = new GraphRows(Graphs.rows(5, 7, 6), 6, null);
        try (GraphFeed.Session s1 = feed.open(GraphRows.runnable(model, feed.data()), Device.CPU, FILE)) {
            float[] y = s1.run(rows, 2, 5, List.of("y")).get("y");
            assertEquals(20, y.length);
            // Row 2's first output: 2·(x·w)[0] + 0.5.
            float[] x = rows.features();
            TensorProto wt = model.getGraph().getInitializerList().stream().filter(t -> t.getName().equals("w"))
                    .findFirst().orElseThrow();
            float[] w = org.odf2nna.onnx.OnnxValues.floats(wt, FILE, "w");
            double expected = 0.5;
            for (int k = 0; k < 6; k++) {
                expected += 2 * x[2 * 6 + k] * w[k * 4];
            }
            assertEquals(expected, y[0], 1e-5);
        }
        InputException unknown = assertThrows(InputException.class, () -> GraphFeed.resolve(model, FILE,
                new ModelInputs(null, null, List.of(ModelInputs.parseOther("h=0"))), List.of()));
        assertTrue(unknown.getMessage().contains("the graph has no input 'h'; its inputs: x, state, sr"),
                unknown.getMessage());
        InputException perFile = assertThrows(InputException.class, () -> GraphFeed.resolve(model, FILE,
                new ModelInputs(null, "x", List.of(ModelInputs.parseOther("state=a.csv"),
                        ModelInputs.parseOther("sr=1"))), List.of(Path.of("t.csv"))));
        assertTrue(perFile.getMessage().contains("has its batch on axis 1"), perFile.getMessage());
    }

    private Path csv(String name, float[] values, int width, int[] labels) throws IOException {
        StringBuilder s = new StringBuilder();
        for (int k = 0; k < width; k++) {
            s.append(k > 0 ? "," : "").append("t").append(k);
        }
        s.append(labels == null ? "\n" : ",label\n");
        for (int r = 0; r < values.length / width; r++) {
            for (int k = 0; k < width; k++) {
                s.append(k > 0 ? "," : "").append((long) values[r * width + k]);
            }
            s.append(labels == null ? "\n" : "," + labels[r] + "\n");
        }
        Path file = dir.resolve(name);
        Files.writeString(file, s);
        return file;
    }

    @Test
    void aTextClassifierOverTokenIdsIsReadPrunedAndJudgedFromCsvFiles() throws IOException {
        ModelProto model = textClassifier(new Graphs(43));
        int length = 8;
        List<Path> data = new ArrayList<>();
        List<Path> masks = new ArrayList<>();
        for (int f = 0; f < 2; f++) {
            float[][] t = tokens(10 + f, f == 0 ? 400 : 600, length);
            data.add(csv("ids" + f + ".csv", t[0], length, null));
            masks.add(csv("mask" + f + ".csv", t[1], length, null));
        }
        ModelInputs inputs = new ModelInputs(new long[] {length}, null, List.of(new ModelInputs.Other(
                "attention_mask", null, masks)));
        GraphFeed feed = GraphFeed.resolve(model, FILE, inputs, data);
        assertTrue(feed.integerRows());
        assertFalse(feed.singleFloatInput());
        GraphRows train = GraphRows.read(data.get(0), 0, feed, null, 10_000);
        GraphRows validation = GraphRows.read(data.get(1), 1, feed, null, 10_000);
        assertEquals(600, validation.count());
        assertEquals(600 * length, validation.side("attention_mask").length);
        // Labels from the original's own classes: a classifier that is right on every row.
        int[] labels = GraphSweep.predict(model, FILE, feed, validation, Device.CPU,
                new Decoder(OutputDecoding.DEFAULT));
        GraphRows labelled = new GraphRows(validation.features(), length, labels, validation.sides());
        GraphSweep.Outcome out = GraphSweep.sweep(model, FILE, new GraphSweep.Io(feed, OutputDecoding.DEFAULT), train,
                labelled, null, GraphRun.of(org.odf2nna.settings.SweepSettings.defaults(), 0.2), Progress.NONE);
        SweepReport report = out.report();
        assertFalse(report.outcome().rounds().isEmpty());
        // Token ids with their mask are retrained end to end, their rows packed (issue 58).
        assertTrue(report.notes().stream().noneMatch(n -> n.contains("sequential block refit")),
                report.notes().toString());
        assertTrue(report.outcome().rounds().stream().allMatch(r -> r.retrainedEpoch() != null),
                report.notes().toString());
        assertNotNull(report.outcome().rounds().get(0).validation());
        // A token id that is not a whole number is refused, naming the row and value.
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "t0,t1,t2,t3,t4,t5,t6,t7\n1,2,3,4.5,0,0,0,0\n");
        InputException e = assertThrows(InputException.class, () -> GraphRows.read(bad, 0, feed, null, 10));
        assertTrue(e.getMessage().contains("value 4") && e.getMessage().contains("not a token id"), e.getMessage());
    }

    /**
     * A detector's tail on [N, 3, H, W]: a pointwise block 3-12-4, a residual-free 1×1 Conv to one channel, an Add of a
     * constant before the Sigmoid (what stops a dense chain), the map [N, 1, H, W] as the output.
     */
    static ModelProto detector(Graphs g) {
        g.inputOf("x", 1, "N", "3", "H", "W").output("map", 1, 1, 1);
        String c1 = g.node("Conv", "c1", List.of(Graphs.ints("kernel_shape", 1, 1)), "x",
                g.init("w1", 0.8, 12, 3, 1, 1), g.init("b1", 0.3, 12));
        String c2 = g.node("Conv", "c2", List.of(Graphs.ints("kernel_shape", 1, 1)), g.node("Relu", "r", c1),
                g.init("w2", 0.6, 4, 12, 1, 1), g.init("b2", 0.1, 4));
        String c3 = g.node("Conv", "c3", List.of(Graphs.ints("kernel_shape", 1, 1)), c2, g.init("w3", 0.9, 1, 4, 1, 1));
        g.node("Sigmoid", "map", g.node("Add", "shift", c3, g.constant("bias", 0.2f)));
        return g.model(11);
    }

    @Test
    void aDetectorWhoseTailIsNotAChainIsReadAndJudgedOnItsThresholdedMap() throws IOException {
        ModelProto model = detector(new Graphs(44));
        Path file = dir.resolve("det.onnx");
        Files.write(file, WeightStorageTest.asConstantNodes(model).toByteArray());
        ModelInputs inputs = ModelInputs.NONE.withRowShape(new long[] {3, 8, 8});
        assertTrue(org.odf2nna.method.GraphSweeper.appliesTo(file, inputs));
        assertEquals(1, BlockFinder.find(WeightStorageTest.asConstantNodes(model), file).size());
        GraphFeed feed = GraphFeed.resolve(model, file, inputs, List.of());
        GraphRows train = new GraphRows(Graphs.rows(6, 300, 192), 192, null);
        GraphRows validation = new GraphRows(Graphs.rows(7, 400, 192), 192, null);
        GraphSweep.Outcome out = GraphSweep.sweep(WeightStorageTest.asConstantNodes(model), file,
                new GraphSweep.Io(feed, OutputDecoding.DEFAULT), train, validation, null,
                GraphRun.of(org.odf2nna.settings.SweepSettings.builder().graphRetraining(org.odf2nna.settings.GraphRetraining.SEQUENTIAL).build(), 0.25), Progress.NONE);
        SweepReport report = out.report();
        assertTrue(report.notes().toString().contains("the map thresholded at 0.5"), report.notes().toString());
        assertFalse(report.outcome().rounds().isEmpty());
        if (out.chosen() != null) {
            assertTrue(report.outcome().choice().contains("changes more than 1% of its decoded outputs (the map "
                    + "thresholded at 0.5)"), report.outcome().choice());
            // Written as it was stored: every weight a Constant node.
            assertEquals(0, out.chosen().getGraph().getInitializerCount());
        }
    }

    @Test
    void outputsThatAreNotOneClassVectorAreDecoded() {
        // [2 rows, 5 positions, 3 classes]: row 0 reads 1,1,0,2,2 -> "1 2"; row 1 reads 1,0,1,2,0 -> "1 1 2".
        float[] v = new float[30];
        int[][] best = {{1, 1, 0, 2, 2}, {1, 0, 1, 2, 0}};
        for (int r = 0; r < 2; r++) {
            for (int t = 0; t < 5; t++) {
                v[r * 15 + t * 3 + best[r][t]] = 1;
            }
        }
        Decoder ctc = new Decoder(OutputDecoding.parse("ctc", 0.5));
        int[] a = ctc.decode(new org.odf2nna.onnx.OnnxRunner.Out(v, new long[] {2, 5, 3}), 2, "y", FILE);
        assertTrue(a[0] != a[1]);
        // The same decoded text with other repeats and blanks: the same output.
        float[] w = new float[15];
        int[] same = {0, 1, 0, 0, 2};
        for (int t = 0; t < 5; t++) {
            w[t * 3 + same[t]] = 1;
        }
        assertEquals(a[0], ctc.decode(new org.odf2nna.onnx.OnnxRunner.Out(w, new long[] {1, 5, 3}), 1, "y", FILE)[0]);
        // Read position by position, those differ.
        Decoder positions = new Decoder(OutputDecoding.DEFAULT);
        int p0 = positions.decode(new org.odf2nna.onnx.OnnxRunner.Out(v, new long[] {2, 5, 3}), 2, "y", FILE)[0];
        assertEquals(OutputDecoding.Kind.POSITIONS, positions.kind());
        assertTrue(p0 != positions.decode(new org.odf2nna.onnx.OnnxRunner.Out(w, new long[] {1, 5, 3}), 1, "y",
                FILE)[0]);
        // A single-channel map [N, 1, 2, 2] thresholded at 0.5: equal above and below alike.
        Decoder map = new Decoder(OutputDecoding.DEFAULT);
        float[] m = {0.9f, 0.1f, 0.6f, 0.2f, 0.8f, 0.3f, 0.7f, 0.4f, 0.9f, 0.1f, 0.2f, 0.2f};
        int[] ids = map.decode(new org.odf2nna.onnx.OnnxRunner.Out(m, new long[] {3, 1, 2, 2}), 3, "y", FILE);
        assertEquals(OutputDecoding.Kind.MAP, map.kind());
        assertArrayEquals(new int[] {0, 0, 1}, ids);
        assertTrue(map.judged().contains("thresholded at 0.5"));
        // A class vector keeps its class ids, which labels compare with.
        Decoder classes = new Decoder(OutputDecoding.DEFAULT);
        assertArrayEquals(new int[] {2, 0}, classes.decode(new org.odf2nna.onnx.OnnxRunner.Out(
                new float[] {0, 1, 3, 5, 1, 1}, new long[] {2, 3}), 2, "y", FILE));
        assertTrue(classes.classes());
    }

    /** A named open axis is printed by its name, not as a literal "?" to type (issue 56). */
    @Test
    void aNamedOpenAxisIsNamedInTheShapeToGive() {
        Graphs g = new Graphs(3);
        g.inputOf("x", 1, "N", "seq").output("y", 2);
        g.node("Relu", "y", "x");
        InputException e = assertThrows(InputException.class, () -> GraphFeed.of(g.model(14), FILE));
        assertTrue(e.getMessage().contains("input 'x' has shape [batch, seq]"), e.getMessage());
        assertTrue(e.getMessage().contains("give it with the input-shape setting seq (the batch axis left out; a size "
                + "for each named axis)"), e.getMessage());
        assertFalse(e.getMessage().contains("?"), e.getMessage());
    }

    /** Every input given by --input leaves none for the rows, and the line says so (issue 56). */
    @Test
    void everyInputGivenSaysByWhat() {
        Graphs g = new Graphs(3);
        g.input("a", 2).input("b", 2).output("y", 2);
        g.node("Add", "y", "a", "b");
        InputException e = assertThrows(InputException.class, () -> GraphFeed.resolve(g.model(14), FILE,
                new ModelInputs(null, null, List.of(ModelInputs.parseOther("a=0"), ModelInputs.parseOther("b=0"))),
                List.of()));
        assertTrue(e.getMessage().contains("each is given by the input setting, so none is left for the rows"),
                e.getMessage());
        assertFalse(e.getMessage().contains("gives them all"), e.getMessage());
    }

    /**
     * Arrays named after every input feed them all, the labels found as labels (issue 72): no flag, and an x beside
     * them is not read; an input that no array names and that is not left alone for x is refused naming both.
     */
    @Test
    void arraysNamedAfterTheInputsFeedThemAll(@TempDir Path dir) throws IOException {
        ModelProto model = textClassifier(new Graphs(72));
        float[][] t = tokens(72, 5, 4);
        long[] ids = new long[20];
        long[] mask = new long[20];
        for (int i = 0; i < 20; i++) {
            ids[i] = (long) t[0][i];
            mask[i] = (long) t[1][i];
        }
        java.util.Map<String, org.odf2nna.data.TestNpz.Array> arrays = new java.util.LinkedHashMap<>();
        arrays.put("attention_mask", new org.odf2nna.data.TestNpz.Array(mask, 5));
        arrays.put("input_ids", new org.odf2nna.data.TestNpz.Array(ids, 5));
        arrays.put("labels", new org.odf2nna.data.TestNpz.Array(new long[] {0, 1, 2, 3, 1}, 5));
        Path named = org.odf2nna.data.TestNpz.write(dir.resolve("named.npz"), arrays);
        arrays.put("x", new org.odf2nna.data.TestNpz.Array(new long[20], 5));
        Path withX = org.odf2nna.data.TestNpz.write(dir.resolve("with-x.npz"), arrays);
        for (Path file : List.of(named, withX)) {
            GraphFeed feed = GraphFeed.resolve(model, FILE, ModelInputs.NONE, List.of(file), 4);
            assertEquals("input_ids", feed.data().name(), file.toString());
            assertEquals("input_ids", feed.dataArray());
            GraphRows rows = GraphRows.read(file, 0, feed, null, Integer.MAX_VALUE);
            assertArrayEquals(t[0], rows.features(), "the ids, not x's zeros");
            assertArrayEquals(t[1], rows.side("attention_mask"));
            assertArrayEquals(new int[] {0, 1, 2, 3, 1}, rows.labels());
        }
        // An archive naming one input: the other is x's, as before.
        arrays.remove("input_ids");
        Path maskOnly = org.odf2nna.data.TestNpz.write(dir.resolve("mask-only.npz"), arrays);
        GraphFeed feed = GraphFeed.resolve(model, FILE, ModelInputs.NONE, List.of(maskOnly), 4);
        assertEquals("x", feed.dataArray());
        assertEquals("input_ids", feed.data().name());
        // Neither named: refused in one line naming the inputs and the arrays.
        arrays.remove("attention_mask");
        Path neither = org.odf2nna.data.TestNpz.write(dir.resolve("neither.npz"), arrays);
        InputException e = assertThrows(InputException.class, () -> GraphFeed.resolve(model, FILE, ModelInputs.NONE,
                List.of(neither), 4));
        assertTrue(e.getMessage().contains("the graph has 2 inputs (input_ids, attention_mask), 2 of them not given "
                + "and named by no array of the data files (input_ids, attention_mask); " + neither + " holds arrays "
                + "labels, x"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }
}

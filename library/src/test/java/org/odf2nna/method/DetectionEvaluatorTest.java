package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.api.FileWorkflows;
import org.odf2nna.graph.Graphs;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.onnx.OnnxValues;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.Evaluation;
import org.odf2nna.settings.ModelInputs;

/** A YOLO-shaped export (YOLOv8's or YOLOv5's layout) judged by mAP on an archive of images and boxes. */
public class DetectionEvaluatorTest {

    @TempDir
    Path dir;

    /** images [1, 3, 4, 4] reshaped to output0 [1, 6, 8]: the pixels are the output (2 classes, 8 anchors). */
    private static ModelProto yoloShaped(long... outputShape) {
        Graphs g = new Graphs(1);
        g.inputOf("images", OnnxValues.FLOAT, "1", "3", "4", "4").output("output0", 6, 8);
        g.node("Reshape", "output0", "images", g.int64("shape", outputShape));
        return g.model(13);
    }

    /**
     * Image 0: anchor 0 a box at centre (1, 1) of size 1, class 0 scored {@code full}; its truth that box, class 0.
     * Image 1: the same box scored as class 1; its truth class 0, and a padding row.
     */
    private static float[][] imagesAndBoxes(float full) {
        float[] x = new float[2 * 48];
        for (int image = 0; image < 2; image++) {
            for (int c = 0; c < 4; c++) {
                x[image * 48 + c * 8] = full;
            }
            x[image * 48 + (4 + image) * 8] = full;
        }
        float[] boxes = {0, 0.25f, 0.25f, 0.25f, 0.25f, -1, -1, -1, -1, -1,
            0, 0.25f, 0.25f, 0.25f, 0.25f, -1, -1, -1, -1, -1};
        return new float[][] {x, boxes};
    }

    /**
     * Class 0 has two truths and one detection, right: recall 1/2 at precision 1, so the envelope is 1 to recall 0.5
     * and falls linearly to 0 at recall 1: AP 0.75. Class 1 has no truth and does not count.
     */
    @Test
    void aYoloShapedExportIsJudgedByMapAsUltralyticsComputesIt() throws IOException {
        Path model = dir.resolve("yolo.onnx");
        Files.write(model, yoloShaped(1, 6, 8).toByteArray());
        for (boolean bytes : new boolean[] {false, true}) {
            float[][] data = imagesAndBoxes(bytes ? 255 : 1);
            Path npz = dir.resolve(bytes ? "val-u8.npz" : "val.npz");
            try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(npz))) {
                npy(zip, "x", data[0], bytes, 2, 3, 4, 4);
                npy(zip, "boxes", data[1], false, 2, 2, 5);
            }
            Evaluation e = FileWorkflows.evaluateDetector(model, npz, ModelInputs.NONE, Device.CPU, Progress.NONE);
            Metrics.Detection d = (Metrics.Detection) e.metrics();
            assertEquals(0.75, d.map50(), 1e-12, npz.toString());
            assertEquals(0.75, d.map50to95(), 1e-12);
            assertEquals(1, d.classes());
            assertEquals(2, d.truths());
            assertEquals(2, d.rows());
            assertTrue(FileWorkflows.holdsBoxes(npz));
        }
    }

    /**
     * A YOLOv5-shaped export: images [1, 3, 4, 4] reshaped to output0 [1, 8, 6], 8 anchors of cx, cy, w, h,
     * objectness and one class score (the pixels are the output). Each image's truth: class 0 at centre (1, 1), size 1.
     * Image 0: that box at objectness 0.9 × score 1 (0.9); a box in the corner at 0.01 × 0.05 = 0.0005, under the
     * threshold though both factors pass it; one at objectness 0 × score 1, no candidate. Image 1: the truth's box at
     * 0.5 × 0.5 = 0.25, below a corner box at 1 × 0.4 = 0.4 (read without objectness, the truth's box would rank
     * first). In descending score: right, wrong, right; recall 1/2, 1/2, 1 at precision 1, 1/2, 2/3. The envelope is 1
     * to recall 0.5 (the point at 0.5 read as 2/3, NumPy's last), 2/3 to 0.99, and falls to 0 at 1: AP
     * 0.49 + 0.01 (1 + 2/3) / 2 + 0.49 (2/3) + 0.01 (2/3) / 2 = 497/600, at every IoU (the boxes are exact).
     */
    @Test
    void aYoloV5ShapedExportIsJudgedWithObjectnessTimesClassScore() throws IOException {
        Path model = dir.resolve("yolov5.onnx");
        Graphs g = new Graphs(1);
        g.inputOf("images", OnnxValues.FLOAT, "1", "3", "4", "4").output("output0", 8, 6);
        g.node("Reshape", "output0", "images", g.int64("shape", 1, 8, 6));
        Files.write(model, g.model(13).toByteArray());
        float[] truth = {1, 1, 1, 1};
        float[] corner = {0.25f, 0.25f, 0.5f, 0.5f};
        float[][][] anchors = {
            {box(truth, 0.9f, 1), box(corner, 0.01f, 0.05f), box(corner, 0, 1)},
            {box(truth, 0.5f, 0.5f), box(corner, 1, 0.4f)}};
        float[] x = new float[2 * 48];
        for (int image = 0; image < 2; image++) {
            for (int a = 0; a < anchors[image].length; a++) {
                System.arraycopy(anchors[image][a], 0, x, image * 48 + a * 6, 6);
            }
        }
        float[] boxes = {0, 0.25f, 0.25f, 0.25f, 0.25f, 0, 0.25f, 0.25f, 0.25f, 0.25f};
        Path npz = dir.resolve("v5.npz");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(npz))) {
            npy(zip, "x", x, false, 2, 3, 4, 4);
            npy(zip, "boxes", boxes, false, 2, 1, 5);
        }
        Evaluation e = FileWorkflows.evaluateDetector(model, npz, ModelInputs.NONE, Device.CPU, Progress.NONE);
        Metrics.Detection d = (Metrics.Detection) e.metrics();
        assertEquals(497 / 600.0, d.map50(), 1e-12);
        assertEquals(497 / 600.0, d.map50to95(), 1e-12);
        assertEquals(1, d.classes());
        assertEquals(2, d.truths());
        assertEquals(3, d.detections());
    }

    /** One anchor of YOLOv5's layout: box (centre, size), objectness, the class's score. */
    private static float[] box(float[] centreAndSize, float objectness, float score) {
        return new float[] {centreAndSize[0], centreAndSize[1], centreAndSize[2], centreAndSize[3], objectness, score};
    }

    @Test
    void badBoxesAndOutputsAreRefusedInOneLine() throws IOException {
        Path model = dir.resolve("yolo.onnx");
        Files.write(model, yoloShaped(1, 6, 8).toByteArray());
        float[][] data = imagesAndBoxes(1);
        data[1][5] = 7;
        Path npz = dir.resolve("val.npz");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(npz))) {
            npy(zip, "x", data[0], false, 2, 3, 4, 4);
            npy(zip, "boxes", data[1], false, 2, 2, 5);
        }
        InputException e = assertThrows(InputException.class, () -> FileWorkflows.evaluateDetector(model, npz,
                ModelInputs.NONE, Device.CPU, Progress.NONE));
        assertTrue(e.getMessage().contains("array 'boxes', image 0, box 1") && e.getMessage().contains("class 7 "),
                e.getMessage());
        // A classifier's layout, [1, 48]: neither YOLOv8's nor YOLOv5's.
        Path flat = dir.resolve("flat.onnx");
        Files.write(flat, yoloShaped(1, 48).toByteArray());
        InputException shape = assertThrows(InputException.class, () -> FileWorkflows.evaluateDetector(flat, npz,
                ModelInputs.NONE, Device.CPU, Progress.NONE));
        assertTrue(shape.getMessage().contains("[1, 4 + classes, anchors]")
                && shape.getMessage().contains("YOLOv5's [1, anchors, 5 + classes]"), shape.getMessage());
    }

    /** A float32 (or uint8) .npy array of {@code values} in the given shape, as an archive's entry. */
    /**
     * A detector's rows are read as eval reads them, by {@code GraphRows} itself for the detector's feed: uint8 pixels
     * of an archive /255 (the model was trained on 0..1), float pixels as they are. Read raw, a YOLO sees saturated
     * images and every judgement of its rounds is noise.
     */
    @Test
    void aDetectorsUint8RowsAreReadOverTwoFiftyFiveAsEvalReadsThem() throws IOException {
        Path model = dir.resolve("yolo.onnx");
        Files.write(model, batchOfOne(yoloShaped(1, 6, 8)).toByteArray());
        ModelProto proto = org.odf2nna.onnx.OnnxModelFile.read(model);
        for (boolean bytes : new boolean[] {false, true}) {
            float[][] data = imagesAndBoxes(bytes ? 255 : 1);
            Path npz = dir.resolve(bytes ? "rows-u8.npz" : "rows.npz");
            try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(npz))) {
                npy(zip, "x", data[0], bytes, 2, 3, 4, 4);
                npy(zip, "boxes", data[1], false, 2, 2, 5);
            }
            org.odf2nna.graph.GraphFeed feed = org.odf2nna.graph.GraphFeed.resolve(proto, model, ModelInputs.NONE,
                    java.util.List.of(npz));
            assertTrue(feed.detectorImages());
            org.odf2nna.graph.GraphRows rows = org.odf2nna.graph.GraphRows.read(npz, 0, feed, null,
                    Integer.MAX_VALUE);
            assertEquals(1f, largest(rows), 0f, npz.toString());
            assertEquals(1f, largest(org.odf2nna.graph.GraphRows.inputs(npz, 0, feed, Integer.MAX_VALUE)), 0f,
                    npz.toString());
        }
    }

    /**
     * A detector's uint8 images are held as their bytes, a quarter of their floats, and hand out what the same images
     * stored as floats /255 give: every value, a few rows, the first rows, the rows without boxes; the leak check finds
     * the same rows among them as among the floats' (two of the validation images are training images).
     */
    @Test
    void aDetectorsUint8ImagesAreHeldAsBytesAndReadAsTheirFloats() throws IOException {
        Path model = dir.resolve("yolo.onnx");
        Files.write(model, batchOfOne(yoloShaped(1, 6, 8)).toByteArray());
        ModelProto proto = org.odf2nna.onnx.OnnxModelFile.read(model);
        Path bytes = uint8Images("held-u8.npz", 3);
        float[] pixels = new float[8 * 48];
        java.util.Random random = new java.util.Random(3);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = random.nextInt(256) / 255f;
        }
        pixels[0] = 1;
        Path floats = dir.resolve("held.npz");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(floats))) {
            npy(zip, "x", pixels, false, 8, 3, 4, 4);
            npy(zip, "boxes", new float[8 * 5], false, 8, 1, 5);
        }
        org.odf2nna.graph.GraphFeed feed = org.odf2nna.graph.GraphFeed.resolve(proto, model, ModelInputs.NONE,
                java.util.List.of(bytes));
        org.odf2nna.graph.GraphRows held = org.odf2nna.graph.GraphRows.read(bytes, 0, feed, null, Integer.MAX_VALUE);
        org.odf2nna.graph.GraphRows read = org.odf2nna.graph.GraphRows.read(floats, 0, feed, null, Integer.MAX_VALUE);
        assertTrue(held.pixels() != null && held.pixels().length == 8 * 48, "held as bytes");
        assertTrue(read.pixels() == null, "a float archive's rows stay floats");
        assertEquals(8, held.count());
        assertArrayEquals(read.features(), held.features());
        assertArrayEquals(read.values(2, 3), held.values(2, 3));
        assertArrayEquals(read.first(3).features(), held.first(3).features());
        assertArrayEquals(held.features(), held.unlabelled().features());
        org.odf2nna.graph.GraphRows validation = org.odf2nna.graph.GraphRows.read(uint8Images("other-u8.npz", 4), 0,
                feed, null, Integer.MAX_VALUE);
        byte[] mixed = validation.pixels().clone();
        System.arraycopy(held.pixels(), 48, mixed, 0, 2 * 48);
        org.odf2nna.graph.GraphRows shared = org.odf2nna.graph.GraphRows.pixels(mixed, 48);
        org.odf2nna.data.RowOverlap.Count c = org.odf2nna.data.RowOverlap.count(ValidationLeakCheck.rows(held),
                ValidationLeakCheck.rows(shared));
        assertEquals(2, c.overlapping(), c.toString());
        assertEquals(0, org.odf2nna.data.RowOverlap.count(ValidationLeakCheck.rows(held),
                ValidationLeakCheck.rows(validation)).overlapping());
    }

    /**
     * The rows sweep and evolve read ({@link GraphSweepRows#read}, behind {@code GraphSweeper.open}): a detector's
     * uint8 training and validation images come in 0..1 with no flag of the caller's. Before, each caller had to ask
     * for the /255 itself, and a caller that did not read the pixels 0..255.
     */
    @Test
    void sweepAndEvolveReadADetectorsUint8ImagesInZeroToOne() throws IOException {
        Path model = dir.resolve("yolo.onnx");
        Files.write(model, batchOfOne(yoloShaped(1, 6, 8)).toByteArray());
        ModelProto proto = org.odf2nna.onnx.OnnxModelFile.read(model);
        Path train = uint8Images("train.npz", 1);
        Path validation = uint8Images("validation.npz", 2);
        java.util.List<Path> files = java.util.List.of(train, validation);
        org.odf2nna.graph.GraphFeed feed = org.odf2nna.graph.GraphFeed.resolve(proto, model, ModelInputs.NONE, files);
        GraphSweepRows read = GraphSweepRows.read(new org.odf2nna.settings.SweepFiles(model, train, validation, null,
                dir.resolve("out.onnx"), null, null, org.odf2nna.settings.CsvReading.DEFAULT), feed, files,
                org.odf2nna.settings.SweepSettings.builder().task(org.odf2nna.settings.Task.CLASSIFICATION).build(),
                Progress.NONE);
        for (org.odf2nna.graph.GraphRows rows : new org.odf2nna.graph.GraphRows[] {read.training(),
            read.validation()}) {
            assertEquals(8, rows.count());
            assertEquals(1f, largest(rows), 0f, "255 read as 1");
            for (float v : rows.features()) {
                assertTrue(v >= 0 && v <= 1, v + " outside [0, 1]");
            }
        }
    }

    /** 8 images [3, 4, 4] of uint8 pixels drawn with {@code seed}, one pixel 255, and a box each. */
    private Path uint8Images(String name, long seed) throws IOException {
        java.util.Random random = new java.util.Random(seed);
        float[] pixels = new float[8 * 48];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = random.nextInt(256);
        }
        pixels[0] = 255;
        float[] boxes = new float[8 * 5];
        for (int image = 0; image < 8; image++) {
            System.arraycopy(new float[] {0, 0.5f, 0.5f, 0.25f, 0.25f}, 0, boxes, image * 5, 5);
        }
        Path npz = dir.resolve(name);
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(npz))) {
            npy(zip, "x", pixels, true, 8, 3, 4, 4);
            npy(zip, "boxes", boxes, false, 8, 1, 5);
        }
        return npz;
    }

    /** {@code model} with its output's batch fixed at 1, as a YOLO's export declares it: a detector to sweep. */
    private static ModelProto batchOfOne(ModelProto model) {
        ModelProto.Builder b = model.toBuilder();
        b.getGraphBuilder().getOutputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder()
                .getDimBuilder(0).clearDimParam().setDimValue(1);
        return b.build();
    }

    private static float largest(org.odf2nna.graph.GraphRows rows) {
        float largest = 0;
        for (float v : rows.features()) {
            largest = Math.max(largest, v);
        }
        return largest;
    }

    private static void npy(ZipOutputStream zip, String name, float[] values, boolean bytes, long... shape)
            throws IOException {
        zip.putNextEntry(new ZipEntry(name + ".npy"));
        StringBuilder dims = new StringBuilder();
        for (long d : shape) {
            dims.append(dims.length() > 0 ? ", " : "").append(d);
        }
        String h = "{'descr': '" + (bytes ? "|u1" : "<f4") + "', 'fortran_order': False, 'shape': (" + dims + "), }";
        h = h + " ".repeat(64 - (10 + h.length() + 1) % 64) + "\n";
        zip.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) h.length(), 0});
        zip.write(h.getBytes(StandardCharsets.ISO_8859_1));
        ByteBuffer b = ByteBuffer.allocate(values.length * (bytes ? 1 : 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            if (bytes) {
                b.put((byte) (int) v);
            } else {
                b.putFloat(v);
            }
        }
        zip.write(b.array());
        zip.closeEntry();
    }
}

package org.odf2nna.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.TrainingOptions;
import org.odf2nna.tf.ops.OnnxTensorValues;

/**
 * A YOLOv8 graph as Ultralytics exports it (the tiny one under the test resources: Resize, Split, Concat, SPPF's
 * MaxPools, the DFL head, the anchors' arithmetic; its input fixed at batch 1) translated to TensorFlow and distilled
 * end to end from its original's boxes and scores.
 */
class DetectorDistillationTest {

    private static final Path MODEL = Path.of("library/src/test/resources/corpus/tiny-yolo/tiny_yolov8.onnx");
    private static final int WIDTH = 3 * 32 * 32;

    private static ModelProto original() throws java.io.IOException {
        return ModelProto.parseFrom(Files.readAllBytes(MODEL));
    }

    /** Images of values in [0, 1), as a detector reads them. */
    private static float[] images(long seed, int rows) {
        Random r = new Random(seed);
        float[] x = new float[rows * WIDTH];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat();
        }
        return x;
    }

    private static GraphRetrainer.Settings settings(int epochs) {
        return new GraphRetrainer.Settings(Loss.MEAN_SQUARED_ERROR, new TrainingOptions(epochs, 8, 3e-3f, 5, 0,
                Device.CPU), Distillation.DEFAULT, 0.25, 4, 1e-3);
    }

    @Test
    void theYoloGraphTranslatesInBatchesAsOnnxRuntimeRunsItRowByRow() throws Exception {
        TranslationCheck c = TranslationCheck.compare(original(), images(1, 6), 6, Device.CPU);
        assertTrue(c.within(1e-3), c.describe());
    }

    @Test
    void recognisesBothYoloLayoutsAndNothingElse() throws Exception {
        DetectorDistillation.Output o = DetectorDistillation.recognise(original());
        assertNotNull(o);
        assertEquals(new DetectorDistillation.Output(false, 7, 21, 1.6f), o);
        assertNull(DetectorDistillation.recognise(new OnnxGraphs(13, "x", 6).node("Relu", OnnxGraphs.in("x"), "y")
                .output("y").model()));
    }

    @Test
    void retrainingLowersTheDistillationLossAndKeepsTheOutputs() throws Exception {
        ModelProto original = original();
        ModelProto pruned = perturbed(original, "model.22.cv3", 0.5f);
        DetectorDistillation.Output o = DetectorDistillation.recognise(original);
        float[] x = images(2, 48);
        GraphRetrainer.Rows rows = new GraphRetrainer.Rows(x, null, 48, null);
        double before = DetectorDistillation.loss(original, pruned, rows, settings(1), o);
        double same = DetectorDistillation.loss(original, original, rows, settings(1), o);
        assertTrue(before > same, before + " against the original's own " + same);
        Set<String> trainable = trainable(pruned, "model.22.cv3");
        GraphRetrainer.Retrained out = DetectorDistillation.retrain(original, pruned, trainable, rows, null, settings(4), o,
                (e, n) -> { });
        assertTrue(out.bestEpoch() > 0, "kept epoch " + out.bestEpoch() + " of " + out.history());
        double after = DetectorDistillation.loss(original, out.model(), rows, settings(1), o);
        assertTrue(after < before, after + " after, " + before + " before");
        assertEquals(pruned.getGraph().getOutputList(), out.model().getGraph().getOutputList());
        assertEquals(pruned.getGraph().getNodeList(), out.model().getGraph().getNodeList());
        TranslationCheck c = TranslationCheck.compare(out.model(), x, 3, Device.CPU);
        assertTrue(c.within(1e-3), c.describe());
    }

    @Test
    void labelledBoxesAddTheirLossAndMoveTheRetraining() throws Exception {
        ModelProto original = original();
        ModelProto pruned = perturbed(original, "model.22.cv3", 0.5f);
        DetectorDistillation.Output o = DetectorDistillation.recognise(original);
        assertTrue(DetectorDistillation.readsBoxes(original, o));
        float[] x = images(4, 32);
        GraphRetrainer.Rows rows = new GraphRetrainer.Rows(x, null, 32, null);
        float[] boxes = squareBoxes(6, 32, 2);
        Set<String> trainable = trainable(pruned, "model.22");
        GraphRetrainer.Retrained plain = DetectorDistillation.retrain(original, pruned, trainable, rows, null,
                settings(3), o, (e, n) -> { });
        GraphRetrainer.Retrained labelled = DetectorDistillation.retrain(original, pruned, trainable, rows,
                new DetectorDistillation.Boxes(boxes, 2), settings(3), o, (e, n) -> { });
        double plainStart = plain.history().get(0).validationLoss();
        double labelledStart = labelled.history().get(0).validationLoss();
        assertTrue(labelledStart > plainStart + 0.01, labelledStart + " with boxes, " + plainStart + " without");
        assertTrue(labelled.bestEpoch() > 0, "kept epoch " + labelled.bestEpoch() + " of " + labelled.history());
        assertTrue(!plain.model().equals(labelled.model()), "the boxes changed nothing");
        TranslationCheck c = TranslationCheck.compare(labelled.model(), x, 3, Device.CPU);
        assertTrue(c.within(1e-3), c.describe());
    }

    @Test
    void aBatchRunInPartsStepsAsTheWholeBatch() throws Exception {
        ModelProto original = original();
        ModelProto pruned = perturbed(original, "model.22.cv3", 0.5f);
        DetectorDistillation.Output o = DetectorDistillation.recognise(original);
        float[] x = images(7, 24);
        GraphRetrainer.Rows rows = new GraphRetrainer.Rows(x, null, 24, null);
        float[] boxes = squareBoxes(8, 24, 1);
        Set<String> trainable = trainable(pruned, "model.22");
        DetectorDistillation.Boxes labelled = new DetectorDistillation.Boxes(boxes, 1);
        // Batches of 8 images: one part each, against parts of 3, 3 and 2 images fed the batch's totals.
        GraphRetrainer.Retrained whole = DetectorDistillation.retrain(original, pruned, trainable, rows, labelled,
                settings(3), o, (e, n) -> { }, Integer.MAX_VALUE);
        GraphRetrainer.Retrained parts = DetectorDistillation.retrain(original, pruned, trainable, rows, labelled,
                settings(3), o, (e, n) -> { }, 3 * WIDTH);
        assertEquals(whole.history().size(), parts.history().size());
        for (int e = 0; e < whole.history().size(); e++) {
            double a = whole.history().get(e).validationLoss();
            double b = parts.history().get(e).validationLoss();
            assertEquals(a, b, 1e-4 * Math.abs(a), "epoch " + e + ": " + whole.history() + " against " + parts.history());
        }
        assertTrue(whole.history().get(3).validationLoss() < whole.history().get(0).validationLoss() - 1e-3,
                "the steps moved the loss: " + whole.history());
    }

    /**
     * Images held as uint8 bytes (each value v / 255, a quarter of their floats' memory) train as the same images given
     * as floats: the same history, bit for bit, since every batch is handed out as the same floats.
     */
    @Test
    void imagesHeldAsBytesTrainAsTheirFloats() throws Exception {
        ModelProto original = original();
        ModelProto pruned = perturbed(original, "model.22.cv3", 0.5f);
        DetectorDistillation.Output o = DetectorDistillation.recognise(original);
        int images = 12;
        Random r = new Random(5);
        byte[] pixels = new byte[images * WIDTH];
        float[] x = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) r.nextInt(256);
            x[i] = (pixels[i] & 0xFF) / 255f;
        }
        GraphRetrainer.Rows asFloats = new GraphRetrainer.Rows(x, null, images, null);
        GraphRetrainer.Rows asBytes = new GraphRetrainer.Rows(null, null, images, null, null, pixels);
        assertArrayEquals(x, asBytes.inputs());
        assertArrayEquals(java.util.Arrays.copyOfRange(x, 3 * WIDTH, 5 * WIDTH), asBytes.values(3, 2));
        Set<String> trainable = trainable(pruned, "model.22");
        DetectorDistillation.Boxes labelled = new DetectorDistillation.Boxes(squareBoxes(9, images, 1), 1);
        GraphRetrainer.Retrained floats = DetectorDistillation.retrain(original, pruned, trainable, asFloats, labelled,
                settings(2), o, (e, n) -> { }, 3 * WIDTH);
        GraphRetrainer.Retrained bytes = DetectorDistillation.retrain(original, pruned, trainable, asBytes, labelled,
                settings(2), o, (e, n) -> { }, 3 * WIDTH);
        assertEquals(floats.history(), bytes.history());
        assertTrue(floats.history().get(2).validationLoss() < floats.history().get(0).validationLoss(),
                "the steps moved the loss: " + floats.history());
    }

    /**
     * One box per image, of class (i mod 3), 8 to 20 pixels square somewhere on the 32-pixel image, in rows of
     * {@code perImage} (the others -1, padding).
     */
    private static float[] squareBoxes(long seed, int images, int perImage) {
        Random r = new Random(seed);
        float[] boxes = new float[images * perImage * 5];
        java.util.Arrays.fill(boxes, -1);
        for (int i = 0; i < images; i++) {
            int at = i * perImage * 5;
            float w = (8 + 12 * r.nextFloat()) / 32;
            boxes[at] = i % 3;
            boxes[at + 1] = w / 2 + (1 - w) * r.nextFloat();
            boxes[at + 2] = w / 2 + (1 - w) * r.nextFloat();
            boxes[at + 3] = w;
            boxes[at + 4] = w;
        }
        return boxes;
    }

    /** The float initializers of {@code model} named from {@code prefix}. */
    private static Set<String> trainable(ModelProto model, String prefix) {
        Set<String> names = new java.util.TreeSet<>();
        for (TensorProto t : model.getGraph().getInitializerList()) {
            if (t.getName().startsWith(prefix) && t.getDataType() == TensorProto.DataType.FLOAT_VALUE) {
                names.add(t.getName());
            }
        }
        return names;
    }

    /** {@code model} with the float initializers named from {@code prefix} moved by noise of {@code scale}. */
    static ModelProto perturbed(ModelProto model, String prefix, float scale) {
        GraphProto.Builder g = model.getGraph().toBuilder();
        Random r = new Random(3);
        for (int i = 0; i < g.getInitializerCount(); i++) {
            TensorProto t = g.getInitializer(i);
            if (t.getName().startsWith(prefix) && t.getDataType() == TensorProto.DataType.FLOAT_VALUE) {
                float[] v = OnnxTensorValues.floats(t);
                for (int k = 0; k < v.length; k++) {
                    v[k] += scale * (float) r.nextGaussian() * Math.abs(v[k]);
                }
                g.setInitializer(i, OnnxTensorValues.withFloats(t, v));
            }
        }
        return model.toBuilder().setGraph(g).build();
    }

}

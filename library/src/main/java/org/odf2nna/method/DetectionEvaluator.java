package org.odf2nna.method;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.data.Batch;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.data.NumpyRows;
import org.odf2nna.data.RowReader;
import org.odf2nna.graph.GraphFeed;
import org.odf2nna.graph.GraphRows;
import org.odf2nna.metrics.DetectionMap;
import org.odf2nna.metrics.DetectionMap.Box;
import org.odf2nna.metrics.DetectionMap.Detection;
import org.odf2nna.metrics.DetectionMap.Truth;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.metrics.YoloDecoding;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.settings.ModelInputs;

/**
 * A YOLOv8 detector's mAP on labelled images, as Ultralytics' {@code val} computes it: the images of an {@code .npz}
 * archive (array {@code x} of [N, 3, H, W], uint8 read as /255 or float as it is, at the model's input size) run one
 * at a time as the export takes them; the first output, {@code [1, 4 + classes, anchors]}, decoded ({@link
 * YoloDecoding#VAL}); the detections clipped to the image and matched against array {@code boxes} of [N, M, 5] rows
 * (class, cx, cy, w, h, normalised to 0..1; rows of -1 pad an image's boxes) ({@link DetectionMap}).
 */
public final class DetectionEvaluator {

    /** The array of ground-truth boxes. */
    public static final String BOXES = "boxes";

    /** Images read and run at a time. */
    private static final int IMAGES_PER_READ = 16;

    private DetectionEvaluator() {
    }

    /** Whether {@code data} is an {@code .npz} archive with an array of boxes: labels of a detector. */
    public static boolean hasBoxes(Path data) {
        return NumpyRows.arrayInfo(data, BOXES) != null;
    }

    /**
     * The model's mAP50 and mAP50-95 on the images of {@code data}.
     *
     * @throws InputException when the archive lacks its arrays or they do not fit the model, or the model's first
     *                        output is not YOLOv8's
     */
    public static Metrics.Detection evaluate(Path model, Path data, ModelInputs inputs, Device device,
            Progress progress) {
        ModelProto proto = OnnxModelFile.read(model);
        GraphFeed feed = GraphFeed.resolve(proto, model, inputs, List.of(data));
        long[] input = feed.data().shape();
        if (input.length != 4) {
            throw InputException.usage(model, "input '" + feed.data().name() + "' has shape "
                    + feed.data().describeShape() + "; a detector takes images [N, 3, H, W]");
        }
        int height = (int) input[2];
        int width = (int) input[3];
        Images images = Images.of(data, feed, height, width);
        String output = proto.getGraph().getOutput(0).getName();
        DetectionMap map = new DetectionMap();
        try (GraphFeed.Session session = feed.open(GraphRows.runnable(proto, feed.data()), device, model);
             RowReader x = RowReader.open(data, feed.dataArray(), ColumnRequest.of(feed.width(), null,
                     ColumnRequest.Target.ABSENT));
             RowReader boxes = RowReader.open(data, BOXES, ColumnRequest.of(images.boxesPerImage() * 5, null,
                     ColumnRequest.Target.ABSENT))) {
            Batch pixels;
            int done = 0;
            while ((pixels = x.next(IMAGES_PER_READ)) != null) {
                Batch truths = boxes.next(pixels.rows());
                float[] values = images.scaled(pixels.features());
                OnnxRunner.Out out = session.runShaped(new GraphRows(values, feed.width(), null), 0, pixels.rows(),
                        List.of(output)).get(output);
                long[] one = checkedShape(out.shape(), pixels.rows(), output, model);
                int channels = (int) one[1];
                int anchors = (int) one[2];
                for (int r = 0; r < pixels.rows(); r++) {
                    List<Detection> found = YoloDecoding.VAL.detections(out.values(), r * channels * anchors,
                            channels, anchors);
                    map.add(YoloDecoding.clipped(found, width, height),
                            images.truths(truths.features(), r, done + r, channels - 4));
                }
                done += pixels.rows();
                progress.update("evaluating", done, images.count(), done + " images");
            }
        }
        progress.done("evaluating");
        DetectionMap.Result r = map.result();
        return new Metrics.Detection(r.images(), r.classes(), r.map50(), r.map50to95(), r.truths(), r.detections());
    }

    /** The shape of one image's output, [1, 4 + classes, anchors]; anything else refused in one line. */
    private static long[] checkedShape(long[] shape, int images, String output, Path model) {
        long[] one = shape.clone();
        if (one.length > 0) {
            one[0] = shape[0] / images;
        }
        if (!YoloDecoding.isYoloV8(one)) {
            throw InputException.usage(model, "output '" + output + "' has shape " + java.util.Arrays.toString(one)
                    + " per image; a detector is judged on YOLOv8's [1, 4 + classes, anchors] (box centre and size "
                    + "in input pixels, then the class scores)");
        }
        return one;
    }

    /**
     * The archive's images and boxes, checked against the model's input.
     *
     * @param file           the archive
     * @param count          images
     * @param boxesPerImage  M, the rows of boxes per image
     * @param bytes          whether the images are uint8 (read as /255)
     * @param height         the model's input height
     * @param width          its width
     */
    record Images(Path file, int count, int boxesPerImage, boolean bytes, int height, int width) {

        static Images of(Path data, GraphFeed feed, int height, int width) {
            NumpyRows.ArrayInfo x = NumpyRows.arrayInfo(data, feed.dataArray());
            NumpyRows.ArrayInfo boxes = NumpyRows.arrayInfo(data, BOXES);
            if (x == null || boxes == null) {
                throw new InputException(data, null, "is no .npz archive of images and boxes: a detector's labelled "
                        + "images are array " + feed.dataArray() + " [N, 3, H, W] and array " + BOXES
                        + " [N, M, 5] (class, cx, cy, w, h, normalised; rows of -1 pad)");
            }
            long[] s = x.shape();
            if (s.length != 4 || s[1] != 3 || s[2] != height || s[3] != width) {
                throw new InputException(data, "array '" + feed.dataArray() + "'", "has shape " + x.shapeText()
                        + "; the model takes images of (N, 3, " + height + ", " + width + "): give them at that size "
                        + "(letterboxed as Ultralytics does, gray 114 around)");
            }
            long[] b = boxes.shape();
            if (b.length != 3 || b[0] != s[0] || b[2] != 5) {
                throw new InputException(data, "array '" + BOXES + "'", "has shape " + boxes.shapeText() + "; the "
                        + "boxes are (" + s[0] + ", M, 5): per image M rows of class, cx, cy, w, h, normalised to "
                        + "0..1, rows of -1 where an image has fewer");
            }
            return new Images(data, (int) s[0], (int) b[1], x.type().equals("uint8"), height, width);
        }

        /** Pixel values as the model takes them: uint8 over 255 (in float, as Ultralytics divides), float as given. */
        float[] scaled(float[] values) {
            if (bytes) {
                for (int i = 0; i < values.length; i++) {
                    values[i] = values[i] / 255f;
                }
            }
            return values;
        }

        /**
         * Image {@code r} of a batch of boxes: its ground truth in input pixels, clipped to the image (as Ultralytics
         * scales and clips its labels); padding rows (a negative class) left out.
         */
        List<Truth> truths(float[] rows, int r, int image, int classes) {
            List<Truth> truths = new ArrayList<>();
            for (int m = 0; m < boxesPerImage; m++) {
                int at = (r * boxesPerImage + m) * 5;
                float c = rows[at];
                if (c < 0) {
                    continue;
                }
                if (c != Math.rint(c) || c >= classes) {
                    throw new InputException(file, "array '" + BOXES + "', image " + image + ", box " + m, "class "
                            + c + " is no class id of the model's " + classes + " (0.." + (classes - 1) + ")");
                }
                Box n = Box.ofCentre(rows[at + 1], rows[at + 2], rows[at + 3], rows[at + 4]);
                Box pixels = new Box(n.x1() * width, n.y1() * height, n.x2() * width, n.y2() * height);
                truths.add(new Truth(pixels.clipped(width, height), (int) c));
            }
            return truths;
        }
    }
}

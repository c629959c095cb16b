package org.odf2nna.method;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
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
 * A YOLO detector's mAP on labelled images, as Ultralytics' {@code val} computes it: the images (an {@code .npz}
 * archive, {@link NpzDetectionImages}, or an Ultralytics dataset's {@code data.yaml}, its {@code val} split,
 * {@link DatasetDetectionImages}) run one at a time where the export takes one; the first output, YOLOv8's
 * {@code [1, 4 + classes, anchors]} ({@link YoloDecoding#VAL}) or YOLOv5's {@code [1, anchors, 5 + classes]}
 * ({@link YoloDecoding#VAL_V5}, as YOLOv5's {@code val.py} decodes it), decoded; the detections clipped to the picture
 * and matched against the ground truth ({@link DetectionMap}, whose matching and 101-point AP the two vals share).
 */
public final class DetectionEvaluator {

    /** Images read and run at a time. */
    private static final int IMAGES_PER_READ = 16;

    /** The split of a dataset's data.yaml that is judged (Ultralytics val's default). */
    static final String SPLIT = "val";

    private DetectionEvaluator() {
    }

    /** Whether {@code data} holds a detector's labels: an {@code .npz} archive with boxes, or a data.yaml. */
    public static boolean hasBoxes(Path data) {
        return DatasetDetectionImages.isYaml(data) || NpzDetectionImages.holdsBoxes(data);
    }

    /**
     * The model's mAP50 and mAP50-95 on the images of {@code data}.
     *
     * @throws InputException when the images or their labels cannot be read or do not fit the model, or the model's
     *                        first output is neither YOLOv8's nor YOLOv5's
     */
    public static Metrics.Detection evaluate(Path model, Path data, ModelInputs inputs, Device device,
            Progress progress) {
        return evaluate(OnnxModelFile.read(model), model, data, inputs, device, progress);
    }

    /** The same for a graph in memory ({@code model}: its file, for messages and ONNX Runtime's session). */
    static Metrics.Detection evaluate(ModelProto proto, Path model, Path data, ModelInputs inputs, Device device,
            Progress progress) {
        boolean yaml = DatasetDetectionImages.isYaml(data);
        GraphFeed feed = GraphFeed.resolve(proto, model, inputs, yaml ? List.of() : List.of(data));
        long[] input = feed.data().shape();
        if (input.length != 4 || input[1] != 3 || (yaml && input[2] != input[3])) {
            throw InputException.usage(model, "input '" + feed.data().name() + "' has shape "
                    + feed.data().describeShape() + "; a detector takes images [N, 3, H, W]"
                    + (yaml ? ", square for a dataset's images (letterboxed)" : ""));
        }
        String output = proto.getGraph().getOutput(0).getName();
        DetectionMap map = new DetectionMap();
        try (DetectionImages images = yaml ? DatasetDetectionImages.open(data, SPLIT, (int) input[2])
                : NpzDetectionImages.open(data, feed.dataArray(), (int) input[2], (int) input[3]);
             GraphFeed.Session session = feed.open(GraphRows.runnable(proto, feed.data()), device, model)) {
            DetectionImages.Batch batch;
            int done = 0;
            while ((batch = images.next(IMAGES_PER_READ)) != null) {
                OnnxRunner.Out out = session.runShaped(new GraphRows(batch.pixels(), feed.width(), null), 0,
                        batch.images(), List.of(output)).get(output);
                YoloDecoding.Layout layout = checkedLayout(out.shape(), batch.images(), output, model);
                for (int r = 0; r < batch.images(); r++) {
                    List<Truth> truths = checked(images, batch.truths().get(r), done + r, layout.classes());
                    Box b = batch.bounds().get(r);
                    List<Detection> found = layout.valDetections(out.values(), r);
                    map.add(clipped(found, b), clippedTruths(truths, b));
                }
                done += batch.images();
                progress.update("evaluating", done, images.count(), done + " images");
            }
        }
        progress.done("evaluating");
        DetectionMap.Result r = map.result();
        return new Metrics.Detection(r.images(), r.classes(), r.map50(), r.map50to95(), r.truths(), r.detections());
    }

    /** The truths, each of a class the model has. */
    private static List<Truth> checked(DetectionImages images, List<Truth> truths, int image, int classes) {
        for (int t = 0; t < truths.size(); t++) {
            if (truths.get(t).classId() >= classes) {
                throw images.badClass(image, t, truths.get(t).classId(), classes);
            }
        }
        return truths;
    }

    /** Detections clipped to the picture, as Ultralytics clips them to the original image. */
    private static List<Detection> clipped(List<Detection> found, Box picture) {
        List<Detection> out = new ArrayList<>(found.size());
        for (Detection d : found) {
            out.add(new Detection(within(d.box(), picture), d.score(), d.classId()));
        }
        return out;
    }

    private static List<Truth> clippedTruths(List<Truth> truths, Box picture) {
        List<Truth> out = new ArrayList<>(truths.size());
        for (Truth t : truths) {
            out.add(new Truth(within(t.box(), picture), t.classId()));
        }
        return out;
    }

    private static Box within(Box b, Box p) {
        return new Box(clamp(b.x1(), p.x1(), p.x2()), clamp(b.y1(), p.y1(), p.y2()), clamp(b.x2(), p.x1(), p.x2()),
                clamp(b.y2(), p.y1(), p.y2()));
    }

    private static float clamp(float v, float least, float most) {
        return Math.min(Math.max(v, least), most);
    }

    /**
     * The layout of one image's output, YOLOv8's [1, 4 + classes, anchors] or YOLOv5's [1, anchors, 5 + classes] (the
     * larger size taken as the anchors); anything else refused in one line.
     */
    private static YoloDecoding.Layout checkedLayout(long[] shape, int images, String output, Path model) {
        long[] one = shape.clone();
        if (one.length > 0) {
            one[0] = shape[0] / images;
        }
        YoloDecoding.Layout layout = YoloDecoding.Layout.of(one);
        if (layout == null) {
            throw InputException.usage(model, "output '" + output + "' has shape " + java.util.Arrays.toString(one)
                    + " per image; a detector is judged on YOLOv8's [1, 4 + classes, anchors] (box centre and size "
                    + "in input pixels, then the class scores) or YOLOv5's [1, anchors, 5 + classes] (box, "
                    + "objectness, then the class scores)");
        }
        return layout;
    }
}

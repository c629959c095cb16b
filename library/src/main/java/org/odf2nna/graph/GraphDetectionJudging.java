package org.odf2nna.graph;

import java.util.ArrayList;
import java.util.List;
import org.odf2nna.Progress;
import org.odf2nna.RoundLoop;
import org.odf2nna.graph.GraphSweep.Judgement;
import org.odf2nna.graph.GraphSweep.Judging;
import org.odf2nna.graph.GraphSweep.Rows;
import org.odf2nna.metrics.ChainCertificate;
import org.odf2nna.metrics.DetectionMap.Detection;
import org.odf2nna.metrics.DetectionMap.Truth;
import org.odf2nna.metrics.DetectionShift;
import org.odf2nna.metrics.YoloDecoding;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.report.SweepReport;

/**
 * A YOLOv8 detector's rounds judged on the validation images' labelled boxes where their file holds them, else by
 * agreement. With boxes: an image is worse when the candidate's boxes scored at least {@link #CONFIDENCE}, matched one
 * to one to the image's boxes of their class at IoU at least {@link #IOU}, leave more errors (boxes missed plus false
 * detections, {@link DetectionShift#errors}) than the original's, better when fewer: a classifier's rows lost and
 * gained, certified as its accuracy points are. Without: each image's output decoded as Ultralytics' val
 * decodes it (scores above 0.001, NMS at IoU 0.7, at most 300 boxes), and an image changed when the candidate's boxes
 * scored at least {@link #CONFIDENCE} (Ultralytics' predict default) do not pair one to one with the original's, same
 * class and IoU at least {@link #IOU} ({@link DetectionShift#agrees}). The changed images are a classifier's changed
 * rows without labels: the same tests and chain ({@link ChainCertificate#verdict}). Never the argmax of raw channels,
 * which moves on almost every image while the boxes stay. Images run one per run, as a batch-1 export takes them.
 */
public final class GraphDetectionJudging {

    /** The confidence of the boxes compared. */
    static final float CONFIDENCE = 0.25f;

    /** The least IoU at which two boxes of a class pair. */
    static final float IOU = 0.5f;

    /** What is compared, in the promise's words. */
    static final String WORDS = "images' detections (boxes scored at least 0.25 after NMS, paired with the original's "
            + "by class and IoU at least 0.5)";

    /** What is compared with labelled boxes, in the promise's words. */
    static final String LABELLED_WORDS = "errors per image: boxes missed plus false detections scored at least 0.25 "
            + "after NMS, matched to the image's boxes of their class at IoU at least 0.5";

    /** The report's note with labelled boxes. */
    static final String LABELLED_NOTE = "images judged on their labelled boxes: an image is worse when the boxes "
            + "scored at least 0.25 after NMS, each matched to one of the image's boxes of its class at IoU at least "
            + "0.5, miss more boxes or add more false ones (together) than the original's, better when fewer; worse "
            + "less better, as a share of the images, is held to at most " + org.odf2nna.Setting.MAX_DROP.ref()
            + " (in points), as a classifier's lost accuracy is; the mAP columns are only measured, the mAP is not "
            + "certified (docs/promise.md, Detectors)";

    /** The report's note. */
    static final String NOTE = "images judged on agreement with the original's detections (boxes scored at least "
            + "0.25 after NMS, each paired with one of the original's of its class at IoU at least 0.5); labels do "
            + "not judge: the mAP columns, where the images' files hold boxes, are only measured, and the mAP is not "
            + "certified (docs/promise.md, Detectors)";

    private GraphDetectionJudging() {
    }

    /**
     * Whether the graph's first output is YOLOv8's {@code [1, 4 + classes, anchors]}, every size fixed; or, as an
     * Ultralytics export with {@code dynamic=True} declares it, {@code [batch, ?, ?]} (its sizes follow the image's)
     * in a model whose metadata says {@code task: detect}.
     */
    public static boolean detector(ModelProto model) {
        var out = model.getGraph().getOutput(0);
        if (!out.getType().hasTensorType() || !out.getType().getTensorType().hasShape()) {
            return false;
        }
        List<TensorShapeProto.Dimension> dims = out.getType().getTensorType().getShape().getDimList();
        long[] shape = new long[dims.size()];
        boolean open = false;
        for (int d = 0; d < shape.length; d++) {
            shape[d] = dims.get(d).hasDimValue() ? dims.get(d).getDimValue() : -1;
            open |= shape[d] < 0;
        }
        if (!open) {
            return YoloDecoding.isYoloV8(shape);
        }
        return shape.length == 3 && shape[0] < 0 && ultralyticsDetector(model);
    }

    /** Whether the model's metadata is an Ultralytics export's of a detector ({@code task: detect}). */
    public static boolean ultralyticsDetector(ModelProto model) {
        boolean detect = false;
        boolean ultralytics = false;
        for (var p : model.getMetadataPropsList()) {
            detect |= p.getKey().equals("task") && p.getValue().equals("detect");
            ultralytics |= p.getKey().equals("author") && p.getValue().startsWith("Ultralytics");
        }
        return detect && ultralytics;
    }

    /** The rounds judged by the images whose errors on their boxes grew, or without boxes whose boxes changed. */
    static Judgement judge(ModelProto model, List<ModelProto> models, Judging how, Rows rows, Progress progress) {
        GraphRows validation = rows.validation();
        boolean labelled = validation.boxes() != null;
        List<List<Detection>> before = detections(JudgedForm.FLOAT, model, how, validation);
        List<SweepReport.Judged> judged = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            progress.update(RoundLoop.JUDGING, i, models.size(), null);
            judged.add(compared(before, detections(how.form(), models.get(i), how, validation), validation, how));
        }
        progress.done(RoundLoop.JUDGING);
        GraphRows report = rows.report();
        List<SweepReport.Judged> reported = java.util.Collections.nCopies(models.size(), null);
        if (report != null) {
            List<List<Detection>> reportBefore = detections(JudgedForm.FLOAT, model, how, report);
            reported = models.stream().map(m -> compared(reportBefore, detections(how.form(), m, how, report), report,
                    how)).toList();
        }
        int[] gained = judged.stream().mapToInt(SweepReport.Judged::gained).toArray();
        int[] lost = judged.stream().mapToInt(SweepReport.Judged::lost).toArray();
        GraphRun settings = how.settings();
        double[] shares = settings.promise() == ChainCertificate.Reading.NEW_SET
                ? ChainCertificate.newSetShares(trainingShares(model, models, how, rows.training()),
                        settings.maxDrop()) : null;
        ChainCertificate.Verdict verdict = lost.length == 0
                ? new ChainCertificate.Verdict(-1, new boolean[0], new double[0])
                : ChainCertificate.verdict(settings.promise(), validation.count(), settings.maxDrop(), labelled, lost,
                        gained, shares);
        return new Judgement(changed(before, before), report == null ? null : new SweepReport.Judged(
                report.count(), Double.NaN, 0, 0), judged, reported, verdict, labelled, null, null);
    }

    /** {@code candidate} against {@code original} on {@code rows}: on their boxes where they have them. */
    private static SweepReport.Judged compared(List<List<Detection>> original, List<List<Detection>> candidate,
            GraphRows rows, Judging how) {
        if (rows.boxes() == null) {
            return changed(original, candidate);
        }
        long[] input = how.input().data().shape();
        int height = (int) input[input.length - 2];
        int width = (int) input[input.length - 1];
        int worse = 0;
        int better = 0;
        for (int i = 0; i < original.size(); i++) {
            List<Truth> truths = truths(rows, i, height, width);
            int before = DetectionShift.errors(original.get(i), truths, CONFIDENCE, IOU);
            int after = DetectionShift.errors(candidate.get(i), truths, CONFIDENCE, IOU);
            worse += after > before ? 1 : 0;
            better += after < before ? 1 : 0;
        }
        return new SweepReport.Judged(original.size(), Double.NaN, worse, better);
    }

    /** Image {@code image}'s labelled boxes in input pixels (rows of a negative class pad). */
    static List<Truth> truths(GraphRows rows, int image, int height, int width) {
        List<Truth> truths = new ArrayList<>();
        int per = rows.boxesPerRow();
        float[] b = rows.boxes();
        for (int m = 0; m < per; m++) {
            int at = (image * per + m) * GraphRows.BOX_VALUES;
            if (b[at] < 0) {
                continue;
            }
            truths.add(Truth.ofNormalised((int) b[at], b[at + 1], b[at + 2], b[at + 3], b[at + 4], width, height));
        }
        return truths;
    }

    /** Per round, the share of the first training images whose boxes changed: what the new-set reading picks by. */
    private static double[] trainingShares(ModelProto model, List<ModelProto> models, Judging how,
            GraphRows training) {
        GraphRows picking = training.first(GraphSweep.PICKING_ROWS);
        List<List<Detection>> before = detections(JudgedForm.FLOAT, model, how, picking);
        double[] shares = new double[models.size()];
        for (int i = 0; i < shares.length; i++) {
            SweepReport.Judged j = compared(before, detections(how.form(), models.get(i), how, picking), picking,
                    how);
            shares[i] = (j.lost() - j.gained()) / (double) Math.max(1, picking.count());
        }
        return shares;
    }

    /** The images whose confident boxes changed, as a classifier's changed rows without labels. */
    static SweepReport.Judged changed(List<List<Detection>> original, List<List<Detection>> candidate) {
        int lost = 0;
        for (int i = 0; i < original.size(); i++) {
            lost += DetectionShift.agrees(original.get(i), candidate.get(i), CONFIDENCE, IOU) ? 0 : 1;
        }
        return new SweepReport.Judged(original.size(), Double.NaN, lost, 0);
    }

    /** Each image's detections by {@code model} in {@code form}, one image per run. */
    static List<List<Detection>> detections(JudgedForm form, ModelProto model, Judging how, GraphRows rows) {
        GraphFeed feed = how.input();
        ModelProto runnable = BlockStatistics.relaxed(form.apply(model).toBuilder(), feed.data().name()).build();
        String output = model.getGraph().getOutput(0).getName();
        List<List<Detection>> out = new ArrayList<>();
        try (GraphFeed.Session runner = feed.open(runnable, how.settings().device(), how.file())) {
            for (int r = 0; r < rows.count(); r++) {
                OnnxRunner.Out o = runner.runShaped(rows, r, 1, List.of(output)).get(output);
                long[] shape = o.shape();
                out.add(YoloDecoding.VAL.detections(o.values(), 0, (int) shape[1], (int) shape[2]));
            }
        }
        return out;
    }
}

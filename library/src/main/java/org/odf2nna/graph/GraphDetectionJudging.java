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
import org.odf2nna.metrics.DetectionShift;
import org.odf2nna.metrics.YoloDecoding;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.report.GraphSweepReport;

/**
 * A YOLOv8 detector's rounds judged by agreement, labels not read: each image's output decoded as Ultralytics' val
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

    /** The report's note. */
    static final String NOTE = "images judged on agreement with the original's detections (boxes scored at least "
            + "0.25 after NMS, each paired with one of the original's of its class at IoU at least 0.5); labels do "
            + "not judge: the mAP columns, where the images' files hold boxes, are only measured, and the mAP is not "
            + "certified (docs/promise.md, Detectors)";

    private GraphDetectionJudging() {
    }

    /** Whether the graph's first output is YOLOv8's {@code [1, 4 + classes, anchors]}, every size fixed. */
    public static boolean detector(ModelProto model) {
        var out = model.getGraph().getOutput(0);
        if (!out.getType().hasTensorType() || !out.getType().getTensorType().hasShape()) {
            return false;
        }
        List<TensorShapeProto.Dimension> dims = out.getType().getTensorType().getShape().getDimList();
        long[] shape = new long[dims.size()];
        for (int d = 0; d < shape.length; d++) {
            if (!dims.get(d).hasDimValue()) {
                return false;
            }
            shape[d] = dims.get(d).getDimValue();
        }
        return YoloDecoding.isYoloV8(shape);
    }

    /** The rounds judged by the images whose confident boxes changed. */
    static Judgement judge(ModelProto model, List<ModelProto> models, Judging how, Rows rows, Progress progress) {
        GraphRows validation = rows.validation();
        List<List<Detection>> before = detections(JudgedForm.FLOAT, model, how, validation);
        List<GraphSweepReport.Judged> judged = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            progress.update(RoundLoop.JUDGING, i, models.size(), null);
            judged.add(changed(before, detections(how.form(), models.get(i), how, validation)));
        }
        progress.done(RoundLoop.JUDGING);
        GraphRows report = rows.report();
        List<GraphSweepReport.Judged> reported = java.util.Collections.nCopies(models.size(), null);
        if (report != null) {
            List<List<Detection>> reportBefore = detections(JudgedForm.FLOAT, model, how, report);
            reported = models.stream().map(m -> changed(reportBefore, detections(how.form(), m, how, report)))
                    .toList();
        }
        int[] lost = judged.stream().mapToInt(GraphSweepReport.Judged::lost).toArray();
        GraphRun settings = how.settings();
        double[] shares = settings.promise() == ChainCertificate.Reading.NEW_SET
                ? ChainCertificate.newSetShares(trainingShares(model, models, how, rows.training()),
                        settings.maxDrop()) : null;
        ChainCertificate.Verdict verdict = lost.length == 0
                ? new ChainCertificate.Verdict(-1, new boolean[0], new double[0])
                : ChainCertificate.verdict(settings.promise(), validation.count(), settings.maxDrop(), false, lost,
                        new int[lost.length], shares);
        return new Judgement(changed(before, before), report == null ? null : new GraphSweepReport.Judged(
                report.count(), Double.NaN, 0, 0), judged, reported, verdict, false, null, null);
    }

    /** Per round, the share of the first training images whose boxes changed: what the new-set reading picks by. */
    private static double[] trainingShares(ModelProto model, List<ModelProto> models, Judging how,
            GraphRows training) {
        GraphRows picking = training.first(GraphSweep.PICKING_ROWS);
        List<List<Detection>> before = detections(JudgedForm.FLOAT, model, how, picking);
        double[] shares = new double[models.size()];
        for (int i = 0; i < shares.length; i++) {
            shares[i] = changed(before, detections(how.form(), models.get(i), how, picking)).lost()
                    / (double) Math.max(1, picking.count());
        }
        return shares;
    }

    /** The images whose confident boxes changed, as a classifier's changed rows without labels. */
    static GraphSweepReport.Judged changed(List<List<Detection>> original, List<List<Detection>> candidate) {
        int lost = 0;
        for (int i = 0; i < original.size(); i++) {
            lost += DetectionShift.agrees(original.get(i), candidate.get(i), CONFIDENCE, IOU) ? 0 : 1;
        }
        return new GraphSweepReport.Judged(original.size(), Double.NaN, lost, 0);
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

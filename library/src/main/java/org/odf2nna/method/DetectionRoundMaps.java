package org.odf2nna.method;

import java.nio.file.Path;
import java.util.function.IntFunction;
import org.odf2nna.Device;
import org.odf2nna.Progress;
import org.odf2nna.graph.GraphDetectionJudging;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.SweepReport;
import org.odf2nna.settings.ModelInputs;
import org.odf2nna.settings.SweepFiles;

/**
 * A detector's sweep table with its own measure beside the judging: the mAP50-95 of the original and of every round
 * on the validation and report images whose files hold boxes, as {@link DetectionEvaluator} computes it. The rounds
 * are still judged by the images whose detections changed (docs/promise.md, Detectors): the mAP is only measured.
 */
final class DetectionRoundMaps {

    private DetectionRoundMaps() {
    }

    /**
     * {@code report} with the mAPs added, or as it is when the model is no YOLOv8 detector or no file holds boxes.
     *
     * @param rounds each round's model as it would be written, from 0
     */
    static SweepReport measured(SweepReport report, ModelProto original, IntFunction<ModelProto> rounds,
            SweepFiles files, ModelInputs inputs, Device device, Progress progress) {
        if (!GraphDetectionJudging.detector(original)) {
            return report;
        }
        int count = report.outcome().rounds().size();
        double[] validation = maps(original, rounds, count, files.model(), files.validation(), inputs, device,
                progress);
        double[] measured = maps(original, rounds, count, files.model(), files.test(), inputs, device, progress);
        return validation == null && measured == null ? report : report.withMaps(validation, measured);
    }

    /** The original's mAP50-95 on {@code data}, then each round's; null when {@code data} holds no boxes. */
    private static double[] maps(ModelProto original, IntFunction<ModelProto> rounds, int count, Path model,
            Path data, ModelInputs inputs, Device device, Progress progress) {
        if (data == null || !DetectionEvaluator.hasBoxes(data)) {
            return null;
        }
        double[] out = new double[count + 1];
        for (int i = 0; i <= count; i++) {
            progress.update("mAP of each round on " + data.getFileName(), i, count + 1, null);
            ModelProto m = i == 0 ? original : rounds.apply(i - 1);
            out[i] = DetectionEvaluator.evaluate(m, model, data, inputs, device, Progress.NONE).map50to95();
        }
        progress.done("mAP of each round on " + data.getFileName());
        return out;
    }
}

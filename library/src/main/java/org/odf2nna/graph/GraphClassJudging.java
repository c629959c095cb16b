package org.odf2nna.graph;

import static org.odf2nna.graph.GraphSweep.PICKING_ROWS;
import static org.odf2nna.graph.GraphSweep.predict;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.odf2nna.Device;
import org.odf2nna.Progress;
import org.odf2nna.RoundLoop;
import org.odf2nna.graph.GraphSweep.Judgement;
import org.odf2nna.graph.GraphSweep.Judging;
import org.odf2nna.graph.GraphSweep.Rows;
import org.odf2nna.metrics.ChainCertificate;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.SweepReport;

/**
 * A classifier's rounds judged ({@link GraphSweep}): each round's graph run on the validation rows, its rows lost and
 * gained against the original's, and the chain's verdict under the reading ({@link ChainCertificate#verdict}). Its own
 * room, as {@link GraphRegression} is a regressor's, because the judging holds none of the sweep's rounds or report.
 */
final class GraphClassJudging {

    private GraphClassJudging() {
    }

    /** A classifier's rounds judged by their lost and gained rows ({@link ChainCertificate#verdict}). */
    static Judgement judgeClasses(ModelProto model, List<ModelProto> models, Judging how, Rows rows,
            Progress progress) {
        GraphRows validation = rows.validation();
        GraphRows report = rows.report();
        Decoder decoder = how.decoder();
        Device device = how.settings().device();
        int[] validationOriginal = predict(model, how.file(), how.input(), validation, device, decoder);
        int[] reportOriginal = report == null ? null : predict(model, how.file(), how.input(), report, device,
                decoder);
        int[] validationLabels = decoder.classes() ? validation.labels() : null;
        int[] reportLabels = decoder.classes() && report != null ? report.labels() : null;
        List<SweepReport.Judged> judged = judgeAll(models, how, validation, validationOriginal, validationLabels,
                progress);
        List<SweepReport.Judged> reported = report == null ? java.util.Collections.nCopies(models.size(), null)
                : judgeAll(models, how, report, reportOriginal, reportLabels, Progress.NONE);
        int[][] counts = {judged.stream().mapToInt(SweepReport.Judged::lost).toArray(),
            judged.stream().mapToInt(SweepReport.Judged::gained).toArray()};
        boolean labelled = validationLabels != null;
        GraphRows stats = rows.training().first(how.settings().statisticsRows());
        ChainCertificate.Verdict verdict = verdict(how.settings(), validation.count(), labelled, counts,
                () -> ChainCertificate.newSetShares(trainingLosses(model, models, how, stats),
                        how.settings().maxDrop()));
        return new Judgement(judge(validationOriginal, validationOriginal, validationLabels),
                report == null ? null : judge(reportOriginal, reportOriginal, reportLabels), judged, reported,
                verdict, labelled, null, null);
    }

    /** Each round's graph judged on {@code rows} against the original's predictions there (and their labels). */
    private static List<SweepReport.Judged> judgeAll(List<ModelProto> models, Judging how, GraphRows rows,
            int[] original, int[] labels, Progress progress) {
        List<SweepReport.Judged> judged = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            progress.update(RoundLoop.JUDGING, i, models.size(), null);
            judged.add(judge(predict(how.form(), models.get(i), how.file(), how.input(), rows,
                    how.settings().device(), how.decoder()), original, labels));
        }
        progress.done(RoundLoop.JUDGING);
        return judged;
    }

    /**
     * The chain judged under the settings' reading ({@link ChainCertificate#verdict}); the new-set reading's shares
     * are picked on training rows, only when that reading asks for them.
     *
     * @param counts per round, the validation rows lost and gained
     */
    private static ChainCertificate.Verdict verdict(GraphRun settings, int rows, boolean labelled, int[][] counts,
            java.util.function.Supplier<double[]> newSetShares) {
        int n = counts[0].length;
        if (n == 0) {
            return new ChainCertificate.Verdict(-1, new boolean[0], new double[0]);
        }
        double[] shares = settings.promise() == ChainCertificate.Reading.NEW_SET ? newSetShares.get() : null;
        return ChainCertificate.verdict(settings.promise(), rows, settings.maxDrop(), labelled, counts[0], counts[1],
                shares);
    }

    /**
     * Per round, its loss against the original on the first {@link GraphSweep#PICKING_ROWS} training rows (accuracy
     * lost, or the share of changed predictions without labels): what the new-set reading picks its rounds by, before
     * the validation rows are read.
     */
    private static double[] trainingLosses(ModelProto original, List<ModelProto> models, Judging how,
            GraphRows training) {
        Path file = how.file();
        GraphFeed input = how.input();
        Decoder decoder = how.decoder();
        GraphRun settings = how.settings();
        GraphRows rows = training.first(PICKING_ROWS);
        int[] before = predict(original, file, input, rows, settings.device(), decoder);
        int[] labels = decoder.classes() ? rows.labels() : null;
        double[] losses = new double[models.size()];
        for (int i = 0; i < models.size(); i++) {
            SweepReport.Judged j = judge(predict(models.get(i), file, input, rows, settings.device(), decoder),
                    before, labels);
            losses[i] = (double) (j.lost() - j.gained()) / Math.max(1, rows.count());
        }
        return losses;
    }

    /**
     * {@code predicted} against the original's predictions and the labels (null: unlabelled, every changed prediction
     * lost): the accuracy, the rows lost and gained. What a round is judged by, and a graph's evolve mask too.
     */
    static SweepReport.Judged judge(int[] predicted, int[] original, int[] labels) {
        int lost = 0;
        int gained = 0;
        int right = 0;
        for (int i = 0; i < predicted.length; i++) {
            if (labels == null) {
                lost += predicted[i] != original[i] ? 1 : 0;
                continue;
            }
            boolean was = original[i] == labels[i];
            boolean is = predicted[i] == labels[i];
            right += is ? 1 : 0;
            lost += was && !is ? 1 : 0;
            gained += !was && is ? 1 : 0;
        }
        return new SweepReport.Judged(predicted.length, labels == null ? Double.NaN
                : (double) right / predicted.length, lost, gained);
    }
}

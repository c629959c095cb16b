package org.odf2nna.method;

import org.odf2nna.Progress;
import org.odf2nna.io.AtomicFiles;
import org.odf2nna.io.OutputPaths;
import org.odf2nna.report.BuildSummary;
import org.odf2nna.report.ReportFormat;
import org.odf2nna.report.RunReport;
import org.odf2nna.report.SweepReport;
import org.odf2nna.settings.BuildSettings;
import org.odf2nna.settings.RunFiles;
import org.odf2nna.settings.SweepFiles;
import org.odf2nna.settings.SweepSettings;

/**
 * The paper's Algorithm 1: build and train the general model, score its units, prune at each ε, compensate,
 * retrain for 15% of the epochs the general model trained, and keep the smallest model that stays within
 * the allowed drop on the validation rows.
 */
public final class MethodRun {

    private MethodRun() {
    }

    /**
     * Builds the general model {@code build} describes on the training rows, writes it to {@code files.general()},
     * then sweeps it as {@code sweep} says (on the general model's task; retraining epochs, unless given, 15% of those
     * the general model ran, read back from its metadata) and writes the chosen model and the report.
     */
    public static RunReport run(RunFiles files, BuildSettings build, SweepSettings sweep, Progress progress) {
        // The general model is a dense chain: refused before it is built.
        ProgressiveSweep.requireChainRanking(sweep, files.general());
        OutputPaths.checkWritable(files.output(), files.train(), files.test());
        OutputPaths.checkWritable(files.general(), files.train(), files.test());
        if (files.report() != null) {
            OutputPaths.checkWritable(files.report(), files.train(), files.test());
        }
        ModelBuilder.Built built = ModelBuilder.build(files.build(), build, progress);
        BuildSummary general = built.summary(files.build());
        SweepSettings settings = sweep.withTask(built.task());
        SweepFiles sweepFiles = new SweepFiles(files.general(), files.train(), null, files.test(), files.output(), null,
                files.chart(), files.csv());
        SweepReport swept;
        try {
            swept = Sweeper.run(sweepFiles, settings, progress);
        } catch (org.odf2nna.InputException e) {
            if (e.kind() != org.odf2nna.InputException.Kind.UNCERTIFIABLE) {
                throw e;
            }
            // The general model is written by then: say so instead of "nothing was written".
            throw e.reworded(m -> m.replace("nothing was written", "no pruned model was written (the general model "
                    + "was, to " + files.general() + ")").replace("no pruned model was written (allow", "no pruned "
                    + "model was written (the general model was, to " + files.general() + "; allow"));
        }
        RunReport report = new RunReport(general, swept);
        if (files.report() != null) {
            AtomicFiles.writeString(files.report(), ReportFormat.json(report));
        }
        return report;
    }
}

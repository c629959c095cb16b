package org.odf2nna.method;

import org.odf2nna.Progress;
import org.odf2nna.io.AtomicFiles;
import org.odf2nna.io.OutputPaths;
import org.odf2nna.report.BuildSummary;
import org.odf2nna.report.ReportFormat;
import org.odf2nna.report.RunReport;
import org.odf2nna.report.SweepReport;
import org.odf2nna.settings.CsvReading;
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

    public static RunReport run(RunOptions options, Progress progress) {
        OutputPaths.checkWritable(options.output(), options.build().train(), options.test().file());
        OutputPaths.checkWritable(options.build().output(), options.build().train(), options.test().file());
        if (options.report() != null) {
            OutputPaths.checkWritable(options.report(), options.build().train(), options.test().file());
        }
        ModelBuilder.Built built = ModelBuilder.build(options.build(), progress);
        BuildSummary general = built.summary(options.build());
        // The sweep runs on the general model's task; its retraining epochs default to 15% of those the general
        // model ran, read back from its metadata.
        SweepSettings settings = options.sweep().withTask(built.task());
        SweepFiles files = new SweepFiles(options.build().output(), options.build().train(), null,
                options.test().file(), options.output(), null, options.chart(),
                new CsvReading(options.test().columns().label(), options.test().inferenceBatch()));
        SweepReport swept;
        try {
            swept = Sweeper.run(files, settings, progress);
        } catch (org.odf2nna.InputException e) {
            if (e.kind() != org.odf2nna.InputException.Kind.UNCERTIFIABLE) {
                throw e;
            }
            // The general model is written by then: say so instead of "nothing was written".
            throw e.reworded(m -> m.replace("nothing was written", "no pruned model was written (the general model "
                    + "was, to " + options.build().output() + ")"));
        }
        RunReport report = new RunReport(general, swept);
        if (options.report() != null) {
            AtomicFiles.writeString(options.report(), ReportFormat.json(report));
        }
        return report;
    }
}

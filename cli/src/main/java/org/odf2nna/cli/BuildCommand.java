package org.odf2nna.cli;

import java.nio.file.Path;
import org.odf2nna.api.FileWorkflows;
import org.odf2nna.report.BuildSummary;
import org.odf2nna.report.ReportFormat;
import org.odf2nna.settings.BuildFiles;
import org.odf2nna.settings.BuildSettings;
import org.odf2nna.settings.RetrainSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "build",
        description = {
            "Builds and trains the paper's general model from a CSV: NL hidden layers of equal width "
                    + "NU = (NP - NC) / (D + NL*(NC+1)) (NP: training rows, D: inputs, NC: classes or 1), trained "
                    + "with TensorFlow Java (Adam, validation split, early stopping, best epoch kept) and written as "
                    + "ONNX with its training settings in the metadata.",
            ""},
        footerHeading = "%nExamples:%n",
        footer = {
            "  odf2nna-onnx build train.csv -o general.onnx --epochs 200"})
final class BuildCommand extends Subcommand {

    @Mixin
    TfThreadsOption tfThreads;

    @Mixin
    TrainArgument train;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT",
            description = "The ONNX file to write (default: TRAIN-NAME.general.onnx in the current folder).")
    Path output;

    @Option(names = "--json", description = "Print the summary as JSON.")
    boolean json;

    @Mixin
    BuildCliOptions build;

    @Mixin
    TrainingCliOptions training;

    @Mixin
    DataOptions data;

    @Override
    public Integer call() {
        BuildFiles files = new BuildFiles(train.path,
                output == null ? BuildFiles.defaultOutput(train.path) : output, data.csv());
        BuildSettings settings = settings(build, training, data);
        java.util.Set<Path> before = Main.existing(java.util.List.of(files.output()));
        BuildSummary summary = FileWorkflows.build(files, settings, main.progress());
        if (json) {
            main.out.print(ReportFormat.json(summary));
        } else {
            main.out.println("Wrote " + summary.output() + ": " + summary.network().architecture() + ", "
                    + summary.network().parameters() + " parameters, " + summary.task()
                    + Main.replaced(before, summary.output()));
            main.out.println("  " + summary.sizing());
            main.out.println("  trained " + summary.training().epochsRun() + " epochs (kept epoch "
                    + summary.training().bestEpoch() + ") on " + summary.split().trainRows() + " rows; validation "
                    + summary.training().validationMetric() + " " + (summary.training().validationMetric()
                            .equals("accuracy") ? ReportFormat.percent(summary.training().validationAfter())
                            : ReportFormat.number(summary.training().validationAfter()))
                    + " on " + summary.split().validationRows() + " held-out rows");
        }
        return Main.OK;
    }

    /** The general model the flags ask for: its shape, and Adam's settings at build's learning rate. */
    static BuildSettings settings(BuildCliOptions build, TrainingCliOptions training, DataOptions data) {
        training.checkPatience();
        RetrainSettings adam = Flags.built(() -> training.retraining(training.buildLearningRate()).build());
        return build.settings(adam, data.task());
    }
}

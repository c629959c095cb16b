package org.odf2nna.cli;

import java.nio.file.Path;
import org.odf2nna.api.FileWorkflows;
import org.odf2nna.report.ReportFormat;
import org.odf2nna.report.RunReport;
import org.odf2nna.settings.BuildSettings;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.RunFiles;
import org.odf2nna.settings.SweepSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "run",
        description = {
            "The whole ODF2NNA method from a CSV: builds and trains the general model (the paper's Algorithm 1 "
                    + "and eq. 2), then prunes it as sweep does (progressive rounds by default, the paper's ε grid "
                    + "with --paper), retrains for 15%% of the epochs the general model trained, and writes the "
                    + "smallest round that holds on the validation rows (the rounds sharing one 5%%: at most 5%% of runs "
                    + "write a model that loses more than --max-drop on a new set of as many rows). OR, "
                    + "PWR and PR are reported on the test rows.",
            ""},
        footerHeading = "%nExamples:%n",
        footer = {
            "  odf2nna-onnx run train.csv --test test.csv -o small.onnx --chart run \\",
            "        --report run.json"})
final class RunCommand extends Subcommand {

    @Mixin
    TfThreadsOption tfThreads;

    @Mixin
    TrainArgument train;

    @Option(names = "--test", required = true, paramLabel = "CSV",
            description = "Labelled test rows: the metrics are measured on them, never used to choose.")
    Path test;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT",
            description = "Where the chosen small model goes (default: TRAIN-NAME.small.onnx); the general model "
                    + "goes beside it as OUT-NAME.general.onnx.")
    Path output;

    @Mixin
    ReportOption report;

    @Mixin
    BuildCliOptions build;

    @Mixin
    TrainingCliOptions training;

    @Mixin
    SweepCliOptions sweep;

    @Mixin
    PruningCliOptions pruning;

    @Mixin
    DistillCliOptions distill;

    @Mixin
    ClipInputsOption clipInputs;

    @Mixin
    DataOptions data;

    @Mixin
    AcceptChanceOption chance;

    @Override
    public Integer call() {
        Main.refuseKerasName(output, Main.writesOnnxOnly("run"));
        Path out = output == null ? RunFiles.defaultOutput(train.path) : output;
        Path general = RunFiles.defaultGeneral(out);
        BuildSettings buildSettings = BuildCommand.settings(build, training, data);
        // The general model's sweep retrains with these Adam settings and the default patience.
        SweepSettings settings = Flags.built(() -> clipInputs.applyTo(sweep.settings())
                .retraining(training.retraining(training.retrainLearningRate())
                        .distillation(distill.options(Distillation.DEFAULT)).build())
                .pruning(pruning.options()).device(data.device()).build());
        RunFiles files = new RunFiles(train.path, test, general, out, report.path, sweep.chart(out),
                chance.applyTo(data.csv()));
        java.util.Set<Path> before = Main.existing(java.util.List.of(general, out));
        RunReport result = FileWorkflows.run(files, buildSettings, settings, main.progress());
        main.out.print(ReportFormat.run(result));
        printReplacedNote(before, result.general().output());
        printReplacedNote(before, result.sweep().output());
        printWrote(report.path);
        return result.sweep().output() == null ? Main.NOTHING_QUALIFIED : Main.OK;
    }
}

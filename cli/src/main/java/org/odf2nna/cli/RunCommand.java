package org.odf2nna.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.odf2nna.api.Odf2nna;
import org.odf2nna.report.ReportFormat;
import org.odf2nna.report.RunReport;
import org.odf2nna.settings.BuildSettings;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.RunFiles;
import org.odf2nna.settings.SweepSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {
            "The whole ODF2NNA method from a CSV: builds and trains the general model (the paper's Algorithm 1 "
                    + "and eq. 2), then prunes it as sweep does (progressive rounds by default, the paper's ε grid "
                    + "with --paper), retrains for 15%% of the epochs the general model trained, and writes the "
                    + "smallest model that a 95%% prediction bound on the validation rows keeps within --max-drop. OR, "
                    + "PWR and PR are reported on the test rows.",
            "",
            "Example: odf2nna-onnx run train.csv --test test.csv -o small.onnx --chart run --report run.json",
            ""})
final class RunCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "TRAIN", description = "Labelled training rows (CSV with a header).")
    Path train;

    @Option(names = "--test", required = true, paramLabel = "CSV",
            description = "Labelled test rows: the metrics are measured on them, never used to choose.")
    Path test;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT",
            description = "Where the chosen small model goes (default: TRAIN-NAME.small.onnx); the general model "
                    + "goes beside it as OUT-NAME.general.onnx.")
    Path output;

    @Option(names = "--report", paramLabel = "FILE.json", description = "Also write the report as JSON.")
    Path report;

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
    DataOptions data;

    @Override
    public Integer call() {
        Main.refuseKerasName(output, "run writes ONNX only: name it .onnx, then 'odf2nna-onnx convert OUT.onnx -o "
                + "OUT.keras' converts it");
        Path out = output == null ? BuildCommand.defaultOutput(train, ".small.onnx") : output;
        Path general = out.resolveSibling(BuildCommand.defaultOutput(out, ".general.onnx").getFileName());
        BuildSettings buildSettings = BuildCommand.settings(build, training, data);
        // The general model's sweep retrains with these Adam settings and the default patience.
        SweepSettings settings = Flags.built(() -> sweep.settings()
                .retraining(training.retraining(training.retrainLearningRate())
                        .distillation(distill.options(Distillation.DEFAULT)).build())
                .pruning(pruning.options()).device(data.device()).build());
        RunFiles files = new RunFiles(train, test, general, out, report, sweep.chart(out), data.csv());
        java.util.Set<Path> before = Main.existing(java.util.List.of(general, out));
        RunReport result = Odf2nna.run(files, buildSettings, settings, main.progress());
        main.out.print(ReportFormat.run(result));
        for (Object written : new Object[] {result.general().output(), result.sweep().output()}) {
            if (!Main.replaced(before, written).isEmpty()) {
                main.out.println("note: " + written + " replaced the file that was there");
            }
        }
        if (report != null) {
            main.out.println("wrote " + report);
        }
        return result.sweep().output() == null ? Main.NOTHING_QUALIFIED : Main.OK;
    }
}

package org.odf2nna.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.odf2nna.api.Odf2nna;
import org.odf2nna.report.ReportFormat;
import org.odf2nna.report.SweepReport;
import org.odf2nna.settings.ModelFormat;
import org.odf2nna.settings.Quantize;
import org.odf2nna.settings.SweepFiles;
import org.odf2nna.settings.SweepSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = {
            "Prunes a model in rounds and writes the smallest that keeps a promise: each round removes --share of "
                    + "the parameters (the units the least-squares refit best makes up for), refits and retrains "
                    + "towards the original, steered on training rows; the rounds are then judged once on the "
                    + "validation rows, and the smallest whose 95%% prediction bound keeps a new set of as many rows "
                    + "within --max-drop is written. OR, PWR and PR are reported on the --eval rows, with a chart of "
                    + "metric against parameters. --paper (or --epsilon) runs the paper's grid of ε instead.",
            "",
            "Example: odf2nna-onnx sweep model.onnx --eval test.csv --train train.csv --chart sweep --compare-scratch",
            ""})
final class SweepCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "MODEL", description = "ONNX model, Keras file (.keras or .h5) or TensorFlow SavedModel directory.")
    Path model;

    @Option(names = "--eval", required = true, paramLabel = "CSV",
            description = "Test rows: OR, PWR and PR are measured on them, and they are never used to choose.")
    Path eval;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT",
            description = "Where the chosen model goes (default: MODEL-NAME.chosen.onnx in the current folder).")
    Path output;

    @Option(names = "--quantize", paramLabel = "int8",
            description = "Store the chosen model's dense weights as int8 with a float scale per output unit (biases "
                    + "stay float). Each round's int8 network is what the search goes by and the validation rows "
                    + "judge; a layer whose int8 weights cost too much on the training rows stays float, and the "
                    + "report says which. Progressive schedule only.")
    String quantize;

    @Option(names = "--report", paramLabel = "FILE.json", description = "Also write the report as JSON.")
    Path report;

    @Mixin
    SweepCliOptions sweep;

    @Mixin
    RetrainCliOptions retrain;

    @Mixin
    PruningCliOptions pruning;

    @Mixin
    DataOptions data;

    @Override
    public Integer call() {
        Quantize precision = Quantize.parse(quantize);
        if (output != null && output.getFileName() != null
                && output.getFileName().toString().toLowerCase(java.util.Locale.ROOT).matches(".*\\.(keras|h5)")) {
            precision.checkFormat(ModelFormat.KERAS);
        }
        Main.refuseKerasName(output, "sweep writes ONNX only: name it .onnx, then 'odf2nna-onnx convert OUT.onnx -o "
                + "OUT.keras' converts it");
        Path out = output == null ? BuildCommand.defaultOutput(model, ".chosen.onnx") : output;
        SweepSettings settings = Flags.built(() -> sweep.settings().retraining(retrain.required())
                .pruning(pruning.options()).quantize(precision).task(data.task()).device(data.device()).build());
        SweepFiles files = new SweepFiles(model, retrain.train, retrain.validation, eval, out, report,
                sweep.chart(out), data.csv());
        java.util.Set<Path> before = Main.existing(java.util.List.of(out));
        SweepReport result = Odf2nna.sweep(files, settings, main.progress());
        main.out.print(Main.withRecordedMetricWarning(ReportFormat.sweep(result),
                Odf2nna.recordedMetricWarning(model, result.table().originalMetrics())));
        if (!Main.replaced(before, result.output()).isEmpty()) {
            main.out.println("note: " + result.output() + " replaced the file that was there");
        }
        if (result.output() != null) {
            String formatNote = Main.writtenFormatNote(model, ModelFormat.ONNX,
                    in -> "sweep writes ONNX only; " + Main.convertHint(result.output(), in));
            if (formatNote != null) {
                main.out.println(formatNote);
            }
        }
        if (report != null) {
            main.out.println("wrote " + report);
        }
        return result.output() == null ? Main.NOTHING_QUALIFIED : Main.OK;
    }
}

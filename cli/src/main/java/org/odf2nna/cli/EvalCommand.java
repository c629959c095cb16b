package org.odf2nna.cli;

import java.nio.file.Path;
import org.odf2nna.api.Odf2nna;
import org.odf2nna.report.Evaluation;
import org.odf2nna.report.ReportFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "eval",
        description = {"Runs the model in ONNX Runtime over labelled CSV rows and prints its metrics: accuracy, "
                + "macro F1 and (two classes) ROC AUC for classification; MSE, MAE and R² for regression.",
            ""},
        footerHeading = "%nExamples:%n",
        footer = {
            "  odf2nna-onnx eval model.onnx test.csv",
            "  odf2nna-onnx eval model.onnx test.csv --json"})
final class EvalCommand extends Subcommand {

    @Mixin
    ModelArgument model;

    @Parameters(index = "1", paramLabel = "CSV", description = "Labelled rows (CSV with a header, optionally .gz).")
    Path csv;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Mixin
    DataOptions data;

    @Override
    public Integer call() {
        Evaluation e = Odf2nna.evaluate(model.path, csv, data.csv(), data.task(),
                data.device(), main.progress());
        if (json) {
            main.out.print(ReportFormat.json(e));
        } else {
            main.out.println("Model  " + e.model());
            main.out.println("Data   " + e.data() + " (" + e.metrics().rows() + " rows, " + e.task() + ")");
            if (e.label() != null) {
                main.out.println("Label  " + e.label() + ": the last column, as no column is named label, target, "
                        + "class or y (name another with --label)");
            }
            main.out.println(ReportFormat.describe(e.metrics()));
        }
        if (e.warning() != null) {
            main.err.println("odf2nna-onnx: warning: " + e.warning());
        }
        return Main.OK;
    }
}

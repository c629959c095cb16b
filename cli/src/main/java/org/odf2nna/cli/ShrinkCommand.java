package org.odf2nna.cli;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.Callable;
import org.odf2nna.InputException;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.api.Odf2nna;
import org.odf2nna.method.RetrainOptions;
import org.odf2nna.method.ShrinkOptions;
import org.odf2nna.report.EpsilonOutcome;
import org.odf2nna.report.ReportFormat;
import org.odf2nna.report.ShrinkReport;
import org.odf2nna.report.SweepReport;
import org.odf2nna.settings.ModelFormat;
import org.odf2nna.settings.Quantize;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.settings.SweepFiles;
import org.odf2nna.settings.SweepSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "shrink", mixinStandardHelpOptions = true,
        description = {
            "Scores every hidden unit on the evaluation rows (by the standard deviation of its activation, or "
                    + "with --score impact by how much it moves the next layer), keeps the units scoring above ε, "
                    + "makes up for the removed ones in the next layer (a least-squares refit on the evaluation "
                    + "rows, or with --compensate mean the paper's mean folding), and writes a smaller ONNX model "
                    + "(checked in ONNX Runtime before it is moved into place). Prints the paper's table: "
                    + "parameters, reduction, and the metric of the original (OR) and pruned (PWR, with both "
                    + "compensations) model. With --train, each pruned network is retrained with TensorFlow Java "
                    + "(the paper's PR stage) before it is written.",
            "",
            "With --train and no --epsilon (ONNX output), shrink prunes as sweep does by default: rounds of "
                    + "progressive pruning steered on training rows, then judged once on the validation rows "
                    + "(--validation, or a share held out from --train), and writes the smallest model whose 95%% "
                    + "prediction bound keeps a new set of as many rows within --max-drop; --eval rows only report. "
                    + "If none does, or the validation rows are too few to certify it, nothing is written and the "
                    + "exit code is 3. Give --epsilon for the paper's one-shot rule.",
            "",
            "Example: odf2nna-onnx shrink model.onnx --eval test.csv --epsilon 0.01,0.05,0.1 --report report.json",
            "         odf2nna-onnx shrink model.onnx --eval test.csv --train train.csv -o model.small.onnx",
            ""})
final class ShrinkCommand implements Callable<Integer> {

    /** The paper's threshold, the default of the one-shot rule. */
    static final double DEFAULT_EPSILON = 0.05;

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "MODEL",
            description = "ONNX model file, Keras file (.keras or .h5) or TensorFlow SavedModel directory; never "
                    + "modified.")
    Path model;

    @Option(names = "--eval", required = true, paramLabel = "CSV",
            description = "Evaluation rows (CSV with a header, optionally .gz): units are scored on them, least "
                    + "squares fits on them, and the metrics are computed on them. A file with exactly the model's "
                    + "inputs and no target is accepted (a few thousand unlabelled rows are enough); metrics are then "
                    + "left out.")
    Path eval;

    @Option(names = {"-e", "--epsilon"}, paramLabel = "E", split = ",", converter = EpsilonConverter.class,
            description = "Threshold(s) on the unit score (--score): units scoring > ε are kept; with std, ε is in "
                    + "the units of the activation, with impact in those of the next layer's pre-activation. "
                    + "One value or a comma-separated list, each giving one model (default: 0.05, or progressive "
                    + "pruning with --train).")
    List<Double> epsilons;

    @Option(names = "--max-drop", paramLabel = "D",
            description = "With --train and no --epsilon: the most the chosen model may lose on the validation rows, "
                    + "in accuracy points for classification (default 1) or percent of MSE for regression "
                    + "(default 10).")
    Double maxDrop;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT",
            description = "Output ONNX file (default: MODEL-NAME.small.onnx in the current folder), or SavedModel "
                    + "directory with --format savedmodel (default MODEL-NAME.small). With several ε, '.eps<E>' is "
                    + "inserted before '.onnx' (appended for SavedModels).")
    Path output;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "onnx",
            description = "onnx (default), savedmodel (a TensorFlow SavedModel directory with a clean inference "
                    + "graph and a serving_default signature) or keras (a .keras file: the input's own config and "
                    + "weight layout when it is a .keras file, else a new Keras 3 Sequential config). savedmodel and "
                    + "keras: models without an input prefix only.")
    String format;

    @Option(names = "--report", paramLabel = "FILE.json", description = "Also write the report as JSON.")
    Path report;

    @Mixin
    DataOptions data;

    @Mixin
    RetrainCliOptions retrain;

    @Mixin
    PruningCliOptions pruning;

    @Option(names = "--quantize", paramLabel = "int8",
            description = "Store the written model's dense weights as int8 with a float scale per output unit "
                    + "(biases stay float; ONNX only). With --train (progressive pruning), each round's int8 network "
                    + "is what the search goes by and the validation rows judge; a layer whose int8 weights cost "
                    + "too much on the training rows stays float.")
    String quantize;

    @Override
    public Integer call() {
        ModelFormat outputFormat = ModelFormat.parse(format);
        Quantize precision = Quantize.parse(quantize);
        precision.checkFormat(outputFormat);
        if (outputFormat == ModelFormat.ONNX) {
            Main.refuseKerasName(output, "add --format keras to write a .keras file (one-shot ε pruning), or name it "
                    + ".onnx");
        }
        if (epsilons == null && retrain.train != null && outputFormat == ModelFormat.ONNX) {
            return progressive(precision);
        }
        if (precision != Quantize.NONE) {
            throw InputException.usage("--quantize applies to progressive pruning (--train without --epsilon), where "
                    + "the int8 model is what is judged; for a one-shot model run convert --quantize int8 on it");
        }
        if (maxDrop != null) {
            throw InputException.usage("--max-drop applies to progressive pruning: "
                    + "--train without --epsilon, ONNX output");
        }
        if (epsilons == null) {
            epsilons = List.of(DEFAULT_EPSILON);
        }
        if (new HashSet<>(epsilons).size() != epsilons.size()) {
            throw InputException.usage("--epsilon lists a value twice: " + epsilons);
        }
        List<Path> outputs = outputPaths(model, output, epsilons, outputFormat);
        java.util.Set<Path> before = Main.existing(outputs);
        ShrinkOptions options = ShrinkOptions.builder().model(model)
                .eval(data.data(eval, ColumnRequest.Target.OPTIONAL)).epsilons(epsilons).outputs(outputs)
                .report(report).task(data.task()).device(data.device()).retrain(retraining())
                .format(outputFormat).pruning(pruning.options()).build();
        ShrinkReport result = Odf2nna.shrink(options, main.progress());
        main.out.print(Main.withRecordedMetricWarning(ReportFormat.table(result), model, result.originalMetrics()));
        main.out.println();
        for (EpsilonOutcome o : result.outcomes()) {
            String runtime = outputFormat == ModelFormat.SAVEDMODEL ? "TensorFlow"
                    : outputFormat == ModelFormat.KERAS ? "the Keras reader" : "ONNX Runtime";
            main.out.println("wrote " + o.output() + " (ε=" + ReportFormat.number(o.epsilon()) + ", "
                    + o.network().parameters() + " parameters; loaded back in " + runtime + ", outputs within "
                    + ReportFormat.number(o.maxOutputDifference()) + " of the network's)"
                    + Main.replaced(before, o.output()));
        }
        String formatNote = Main.writtenFormatNote(model, outputFormat, in -> "--format " + in.id() + " writes "
                + (in == ModelFormat.KERAS ? "a .keras file" : in == ModelFormat.SAVEDMODEL ? "a SavedModel" : "ONNX")
                + " instead");
        if (formatNote != null) {
            main.out.println(formatNote);
        }
        if (report != null) {
            main.out.println("wrote " + report);
        }
        return Main.OK;
    }

    /** sweep's default on one output: the smallest model whose validation loss stays within --max-drop. */
    private int progressive(Quantize precision) {
        SweepSettings.Builder asked = SweepSettings.builder().steps(1).quantize(precision).task(data.task())
                .device(data.device());
        if (maxDrop != null) {
            asked.maxDrop(maxDrop);
        }
        SweepSettings settings = Flags.built(() -> asked.retraining(retrain.required()).pruning(pruning.options())
                .build());
        Path out = outputPaths(model, output, List.of(DEFAULT_EPSILON), ModelFormat.ONNX).get(0);
        java.util.Set<Path> before = Main.existing(List.of(out));
        SweepFiles files = new SweepFiles(model, retrain.train, retrain.validation, eval, out, report, null,
                data.csv());
        SweepReport result = Odf2nna.sweep(files, settings, main.progress());
        main.out.print(Main.withRecordedMetricWarning(ReportFormat.sweep(result), model,
                result.table().originalMetrics()));
        if (!Main.replaced(before, result.output()).isEmpty()) {
            main.out.println("note: " + result.output() + " replaced the file that was there");
        }
        if (result.output() != null) {
            String formatNote = Main.writtenFormatNote(model, ModelFormat.ONNX, in -> "progressive pruning writes "
                    + "ONNX only (--format " + in.id() + " with --epsilon prunes once at that ε); "
                    + Main.convertHint(result.output(), in));
            if (formatNote != null) {
                main.out.println(formatNote);
            }
        }
        if (report != null) {
            main.out.println("wrote " + report);
        }
        return result.output() == null ? Main.NOTHING_QUALIFIED : Main.OK;
    }

    /** The retraining asked for, or null without --train. */
    private RetrainOptions retraining() {
        RetrainSettings settings = retrain.settings();
        return settings == null ? null : new RetrainOptions(retrain.train, retrain.validation, settings);
    }

    static List<Path> outputPaths(Path model, Path output, List<Double> epsilons) {
        return outputPaths(model, output, epsilons, ModelFormat.ONNX);
    }

    static List<Path> outputPaths(Path model, Path output, List<Double> epsilons, ModelFormat format) {
        String extension = format == ModelFormat.ONNX ? ".onnx" : format == ModelFormat.KERAS ? ".keras" : "";
        Path base = output;
        if (base == null) {
            base = Path.of(stem(model.getFileName().toString()) + ".small" + extension);
        }
        List<Path> paths = new ArrayList<>();
        if (epsilons.size() == 1) {
            paths.add(base);
            return paths;
        }
        String stem = stem(base.getFileName().toString());
        for (double e : epsilons) {
            String tag = BigDecimal.valueOf(e).stripTrailingZeros().toPlainString();
            paths.add(base.resolveSibling(stem + ".eps" + tag + extension));
        }
        return paths;
    }

    private static String stem(String name) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        for (String extension : new String[] {".onnx", ".keras", ".h5"}) {
            if (lower.endsWith(extension)) {
                return name.substring(0, name.length() - extension.length());
            }
        }
        return name;
    }
}

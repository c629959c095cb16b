package org.odf2nna.cli;

import java.nio.file.Path;
import java.util.Locale;
import org.odf2nna.InputException;
import org.odf2nna.api.FileWorkflows;
import org.odf2nna.report.CheckedConversion;
import org.odf2nna.report.Conversion;
import org.odf2nna.report.ConvertFormat;
import org.odf2nna.report.Int8Judgement;
import org.odf2nna.report.Int8Coverage;
import org.odf2nna.report.ReportFormat;
import org.odf2nna.settings.ConvertChecks;
import org.odf2nna.settings.Int8Operators;
import org.odf2nna.settings.ModelFormat;
import org.odf2nna.settings.Quantize;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "convert",
        description = {
            "Writes a model in another format without pruning it: ONNX, Keras (.keras or .h5) or SavedModel in; "
                    + "ONNX, .keras or SavedModel out. The written file is run in its own runtime on "
                    + FileWorkflows.CONVERT_CHECK_ROWS + " generated rows and must give the original's outputs to "
                    + "1e-5 (relative; absolute below 1) before it is moved into place. Also the simplest way to "
                    + "see that the tool reads a model correctly.",
            ""},
        footerHeading = "%nExamples:%n",
        footer = {
            "  odf2nna-onnx convert model.keras -o model.onnx",
            "  odf2nna-onnx convert pruned.onnx -o pruned-int8.onnx --quantize int8 \\",
            "        --train train.csv --original model.onnx"})
final class ConvertCommand extends Subcommand {

    @Mixin
    SourceModelArgument model;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT",
            description = "Output file (or SavedModel directory, which must not exist or be empty).")
    Path output;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "onnx, keras or savedmodel (default: from OUT's extension, .onnx or .keras).")
    String format;

    @Option(names = "--quantize", paramLabel = "FORM",
            description = "Store every MatMul, Gemm and Conv weight as int8 with a scale per output channel (ONNX "
                    + "output only; the layers that stay float are listed with the reason). int8: with --train the "
                    + "static form, else the dynamic one; int8-static: activation scales calibrated on --train rows, "
                    + "in standard ONNX operators (QuantizeLinear/DequantizeLinear pairs as ONNX Runtime's "
                    + "quantize_static writes them, fused by ONNX Runtime into QLinearConv, QGemm ...; --int8-ops "
                    + "contrib: its com.microsoft QGemm); int8-dynamic: each layer's inputs quantized to uint8 per run "
                    + "(DynamicQuantizeLinear + MatMulInteger; its convolutions stay float, ConvInteger being slower); "
                    + "int8-weights: weight-only (DequantizeLinear into a float Gemm), dense chains only. A dense "
                    + "chain's dynamic form is checked one row per run against the int8 network computed in Java; a "
                    + "graph's, and any static form, is judged as ONNX Runtime runs the file. A model below opset 13 is "
                    + "raised when its operators mean the same there. Reported against the float model (--original: "
                    + "the one you pruned from): the size, the predictions changed on the check rows (a regressor: the "
                    + "mean squared difference), and the speed side by side (--timing-batch).")
    String quantize;

    @Option(names = "--train", paramLabel = "TRAIN",
            description = "Training rows (CSV) to calibrate the static int8 form's activation scales on (the first "
                    + "1,000); never the rows you evaluate on.")
    Path train;

    @Option(names = "--eval", paramLabel = "CSV",
            description = "Labelled rows: the original's and the written model's accuracy (or MSE) on them, side by "
                    + "side.")
    Path eval;

    @Option(names = "--validation", paramLabel = "CSV",
            description = "Rows the original never saw (labels optional for classification): the written model is "
                    + "judged once on them against the original and is not written (exit 3) unless it keeps the "
                    + "promise for --max-drop: at most 5%% of such conversions write a model that then loses more on a "
                    + "new set of as many rows.")
    Path validation;

    @Option(names = "--max-drop", paramLabel = "D",
            description = "With --validation: the most the written model may lose, accuracy points (default 1) or "
                    + "percent of MSE (default 10).")
    Double maxDrop;

    @Option(names = "--timing-batch", paramLabel = "ROWS", defaultValue = "256",
            description = "With --quantize: the int8 file and the float model are timed side by side in ONNX Runtime "
                    + "(one thread each) at batch 1 and at this batch, and both ratios printed, with a warning when "
                    + "the int8 file is slower (default: ${DEFAULT-VALUE}; 0: not timed).")
    int timingBatch;

    @Option(names = "--int8-everywhere",
            description = "With --quantize int8: every layer int8. Without it a graph's layers stay float by the rule "
                    + "sweep --quantize follows too: in the dynamic form (no --train) every Conv (ONNX Runtime's "
                    + "ConvInteger is slower than its float Conv); a dense chain's layers are timed alone against "
                    + "their float form and the slower kept float.")
    boolean int8Everywhere;

    @Option(names = "--int8-ops", paramLabel = "OPS",
            description = "standard (default): the static form in standard ONNX operators only, "
                    + "QuantizeLinear/DequantizeLinear pairs around Conv, Gemm, MatMul, Add, Mul, pooling as ONNX "
                    + "Runtime's quantize_static writes its QDQ format (ONNX Runtime fuses them into QLinearConv, QGemm "
                    + "... when it loads the file; any runtime runs them); contrib: ONNX Runtime's com.microsoft QGemm "
                    + "for two-dimensional products, which minimal and mobile builds may lack.")
    String int8Ops;

    @Option(names = "--original", paramLabel = "MODEL",
            description = "With --quantize: the original float model you pruned from (ONNX, the same input). The "
                    + "int8 file is judged against it, not against the pruned input: its size, the predictions "
                    + "changed, --eval and --validation, and its latency side by side with it and the input in ONNX "
                    + "Runtime at batch 1 and --timing-batch.")
    Path original;

    @Mixin
    DataOptions data;

    @Override
    public Integer call() {
        Quantize precision = Quantize.parse(quantize);
        ModelFormat target = format != null ? ModelFormat.parse(format) : fromExtension(output);
        precision.checkFormat(target);
        java.util.Set<java.nio.file.Path> before = Main.existing(java.util.List.of(output));
        if (train != null && !precision.integerKernels()) {
            throw InputException.usage("--train calibrates an int8 form on integer kernels; give --quantize int8, "
                    + "int8-static or int8-dynamic");
        }
        if (int8Everywhere && precision != Quantize.INT8) {
            throw InputException.usage("--int8-everywhere turns off --quantize int8's per-layer timing; "
                    + (precision.int8() ? "--quantize " + precision.id() + " already quantizes every layer"
                    : "give --quantize int8"));
        }
        if ((original != null || int8Ops != null) && !precision.integerKernels()) {
            throw InputException.usage((original != null ? "--original" : "--int8-ops") + " applies to an int8 file "
                    + "on integer kernels; give --quantize int8, int8-static or int8-dynamic");
        }
        Int8Operators ops = Int8Operators.parse(int8Ops);
        // Text files are cut into the model's token windows first: the task is then next-token.
        Path evalRows = data.rows(eval, model.path, main.err);
        Path validationRows = data.rows(validation, model.path, main.err);
        Path trainRows = data.rows(train, model.path, main.err);
        ConvertChecks checks = Flags.built(() -> new ConvertChecks(evalRows, validationRows, maxDrop, data.csv(),
                data.task(), data.device(), timingBatch, new ConvertChecks.Int8(int8Everywhere, ops, original)));
        CheckedConversion checked = FileWorkflows.convert(model.path, output, target, precision, trainRows, checks,
                main.progress());
        Conversion r = checked.conversion();
        main.out.print(ConvertFormat.read(checked));
        main.out.println(ConvertFormat.wrote(checked, target == ModelFormat.ONNX ? "in ONNX Runtime"
                : target == ModelFormat.KERAS ? "as the Keras reader reads it back" : "in TensorFlow")
                + Main.replaced(before, r.output()));
        if (r.int8()) {
            printInt8(r, checked.int8());
        }
        printChecks(checked);
        return Main.OK;
    }

    /** The metric before and after on --eval, and the judgement on --validation. */
    private void printChecks(CheckedConversion checked) {
        main.out.print(ReportFormat.checks(checked));
    }

    private void printInt8(Conversion r, Int8Judgement judged) {
        Int8Coverage c = r.coverage();
        Int8Coverage.Layers layers = c.layers();
        boolean integer = !c.form().equals("weights");
        String inRuntime = r.judgedInRuntime() ? "judged as ONNX Runtime runs the file" + (c.form().equals("dynamic")
                ? ", one row per run" : "") : "ONNX Runtime gives what " + (integer ? "the int8 network computes, "
                + "one row per run, to " : "the dequantized weights give as float to ")
                + ReportFormat.number(r.runtimeDifference());
        main.out.println("int8  " + layers.int8Layers() + " layers (" + layers.int8Weights() + " weights) int8 with a scale per "
                + "channel" + (integer ? ", on integer kernels, " + c.form() + " form (" + c.formChoice() + ")"
                : ", weight-only") + ": " + (judged != null ? ConvertFormat.size(judged.sizes(), original != null)
                : r.bytesBefore()
                + " -> " + r.bytesAfter() + " bytes (" + ReportFormat.number(100.0 * r.bytesAfter() / r.bytesBefore())
                + "%)") + "; " + inRuntime);
        if (c.opsets().raised()) {
            main.out.println("opset " + c.opsets().opsetFrom() + " -> " + c.opsets().opsetTo() + ": every operator means the same "
                    + "there (attributes that became inputs moved)");
        }
        for (String reason : layers.floatReasons()) {
            main.out.println("float " + reason);
        }
        if (judged != null && judged.speed() == null && timingBatch > 0) {
            main.out.println("speed not measured: ONNX Runtime did not run both files at batch " + timingBatch
                    + " (a batch fixed inside the graph?); time them with bench inference");
        }
        main.out.print(Flags.render(ConvertFormat.layerSpeeds(c.speeds())));
        if (judged != null && judged.speed() != null) {
            main.out.print(Flags.render(ConvertFormat.speed(judged.speed(),
                    c.form().equals("dynamic") && judged.sizes().floatOnnx())));
            main.out.print(ConvertFormat.fallbackVerdict(judged.speed(), c.speeds()));
        }
    }

    private static ModelFormat fromExtension(Path output) {
        String name = output.getFileName() == null ? "" : output.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".onnx")) {
            return ModelFormat.ONNX;
        }
        if (name.endsWith(".keras") || name.endsWith(".h5")) {
            return ModelFormat.KERAS;
        }
        throw InputException.usage("--format: '" + output + "' ends in neither .onnx, .keras nor .h5; say which format "
                + "to write with --format onnx|keras|savedmodel");
    }
}

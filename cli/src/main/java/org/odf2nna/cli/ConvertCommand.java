package org.odf2nna.cli;

import java.nio.file.Path;
import java.util.Locale;
import org.odf2nna.InputException;
import org.odf2nna.api.Odf2nna;
import org.odf2nna.report.Conversion;
import org.odf2nna.report.ReportFormat;
import org.odf2nna.settings.ModelFormat;
import org.odf2nna.settings.Quantize;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "convert",
        description = {
            "Writes a model in another format without pruning it: ONNX, Keras (.keras or .h5) or SavedModel in; "
                    + "ONNX, .keras or SavedModel out. The written file is run in its own runtime on "
                    + Odf2nna.CONVERT_CHECK_ROWS + " generated rows and must give the original's outputs to "
                    + "1e-5 (relative; absolute below 1) before it is moved into place. Also the simplest way to "
                    + "see that the tool reads a model correctly.",
            ""},
        footerHeading = "%nExamples:%n",
        footer = {
            "  odf2nna-onnx convert model.keras -o model.onnx",
            "  odf2nna-onnx convert model.onnx -o model-int8.onnx --quantize int8"})
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
            description = "Store every dense weight as int8 with a scale per output unit (scales and biases "
                    + "float16 in layers of 32 units or more, else float; ONNX output only). int8: on ONNX Runtime's integer kernels (each layer's inputs quantized to "
                    + "uint8 per run, DynamicQuantizeLinear + MatMulInteger), checked one row per run against the int8 "
                    + "network computed in Java; int8-weights: weight-only (DequantizeLinear into a float Gemm), checked "
                    + "against the same weights stored as float. The largest difference from the original is reported.")
    String quantize;

    @Override
    public Integer call() {
        Quantize precision = Quantize.parse(quantize);
        ModelFormat target = format != null ? ModelFormat.parse(format) : fromExtension(output);
        precision.checkFormat(target);
        java.util.Set<java.nio.file.Path> before = Main.existing(java.util.List.of(output));
        Conversion r = Odf2nna.convert(model.path, output, target, precision);
        main.out.println("read  " + r.model() + " (" + r.from() + "): " + r.architecture() + ", " + r.parameters()
                + " parameters");
        main.out.println("wrote " + r.output() + " (" + target.id() + "); checked on " + r.rows()
                + " generated rows: outputs within " + ReportFormat.number(r.maxDifference())
                + " of the original's " + (target == ModelFormat.ONNX ? "in ONNX Runtime" : target == ModelFormat.KERAS
                        ? "as the Keras reader reads it back" : "in TensorFlow")
                + (r.int8() ? " (int8 weights)" : "")
                + Main.replaced(before, r.output()));
        if (r.int8()) {
            boolean integer = r.quantize().equals("int8");
            main.out.println("int8  weights int8 with a scale per unit" + (integer ? ", on integer kernels" : ", "
                    + "weight-only") + ": " + r.bytesBefore() + " -> " + r.bytesAfter() + " bytes ("
                    + ReportFormat.number(100.0 * r.bytesAfter() / r.bytesBefore()) + "%); ONNX Runtime gives what "
                    + (integer ? "the int8 network computes, one row per run, to " : "the dequantized weights give as "
                    + "float to ") + ReportFormat.number(r.runtimeDifference())
                    + "; largest difference from the float original " + ReportFormat.number(r.maxDifference()));
        }
        return Main.OK;
    }

    private static ModelFormat fromExtension(Path output) {
        String name = output.getFileName() == null ? "" : output.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".onnx")) {
            return ModelFormat.ONNX;
        }
        if (name.endsWith(".keras")) {
            return ModelFormat.KERAS;
        }
        throw InputException.usage("--format: '" + output + "' ends in neither .onnx nor .keras; say which format to "
                + "write with --format onnx|keras|savedmodel");
    }
}

package org.odf2nna.settings;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The files of a file-level shrink, apart from its {@link ShrinkSettings}.
 *
 * @param model      the model to shrink (never written to)
 * @param eval       the evaluation rows: units are scored and least squares fitted on them (one-shot pruning), and
 *                   the metrics are computed on them
 * @param train      training rows to retrain on (progressive pruning: to steer the rounds on), or null
 * @param validation rows to hold out instead of a share of {@code train}, or null
 * @param output     the output, or null: MODEL-NAME.small.onnx (.keras; a SavedModel folder MODEL-NAME.small) in
 *                   the current folder; with several ε, {@code .eps<E>} is inserted before the extension
 * @param report     the JSON report, or null
 * @param csv        how every CSV file is read
 */
public record ShrinkFiles(Path model, Path eval, Path train, Path validation, Path output, Path report,
        CsvReading csv) {

    public ShrinkFiles {
        Checks.present("model, eval, csv", model, eval, csv);
    }

    /** The model and evaluation rows; no training rows, default output, no report; CSV read by default. */
    public static ShrinkFiles of(Path model, Path eval) {
        return new ShrinkFiles(model, eval, null, null, null, null, CsvReading.DEFAULT);
    }

    /** The same files with training rows (and validation rows of their own, or null). */
    public ShrinkFiles withTraining(Path value, Path validationRows) {
        return new ShrinkFiles(model, eval, value, validationRows, output, report, csv);
    }

    /** The same files with another output. */
    public ShrinkFiles withOutput(Path value) {
        return new ShrinkFiles(model, eval, train, validation, value, report, csv);
    }

    /** The same files with a JSON report. */
    public ShrinkFiles withReport(Path value) {
        return new ShrinkFiles(model, eval, train, validation, output, value, csv);
    }

    /** The same files read another way. */
    public ShrinkFiles withCsv(CsvReading value) {
        return new ShrinkFiles(model, eval, train, validation, output, report, value);
    }

    /** Where each of {@code settings}' models goes: one per threshold, or the one progressive pruning chooses. */
    public List<Path> outputs(ShrinkSettings settings) {
        if (settings.progressive(this)) {
            return List.of(base(ModelFormat.ONNX));
        }
        List<Double> epsilons = settings.thresholds();
        Path base = base(settings.format());
        if (epsilons.size() == 1) {
            return List.of(base);
        }
        String extension = extension(settings.format());
        String stem = OutputNames.stem(base.getFileName().toString());
        List<Path> paths = new ArrayList<>();
        for (double e : epsilons) {
            String tag = BigDecimal.valueOf(e).stripTrailingZeros().toPlainString();
            paths.add(base.resolveSibling(stem + ".eps" + tag + extension));
        }
        return paths;
    }

    /** The one ONNX model a graph's one round or progressive pruning writes: the output, or MODEL.small.onnx. */
    public Path onnxOutput() {
        return base(ModelFormat.ONNX);
    }

    /** The files progressive pruning reads and writes: the model chosen goes to the one output. */
    public SweepFiles sweep() {
        return new SweepFiles(model, train, validation, eval, base(ModelFormat.ONNX), report, null, csv);
    }

    private Path base(ModelFormat format) {
        return output != null ? output : OutputNames.of(model, ".small" + extension(format));
    }

    private static String extension(ModelFormat format) {
        return format == ModelFormat.ONNX ? ".onnx" : format == ModelFormat.KERAS ? ".keras" : "";
    }
}

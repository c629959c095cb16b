package org.odf2nna.settings;

import java.nio.file.Path;

/**
 * The files of a file-level evolve run, apart from its {@link EvolveSettings}.
 *
 * @param model      the model to prune (never written to)
 * @param train      training rows: fitness is measured on the part held out for validation, and the best network is
 *                   refitted and retrained on them
 * @param validation rows to hold out instead of a share of {@code train}, or null
 * @param eval       the test rows: OR, PWR and PR are measured on them, nothing is chosen on them; a dense chain
 *                   needs them, a graph's evolve measures its original and written model on them when given (null)
 * @param output     the model to write (ONNX; a graph from a Keras file also .keras or .h5)
 * @param report     the JSON report, or null
 * @param csv        how every CSV file is read
 */
public record EvolveFiles(Path model, Path train, Path validation, Path eval, Path output, Path report,
        CsvReading csv) {

    public EvolveFiles {
        Checks.present("model, train, output, csv", model, train, output, csv);
    }

    /** The model, training rows, test rows and output; no validation file or report; CSV read by default. */
    public static EvolveFiles of(Path model, Path train, Path eval, Path output) {
        return new EvolveFiles(model, train, null, eval, output, null, CsvReading.DEFAULT);
    }

    /** The same files with a JSON report. */
    public EvolveFiles withReport(Path value) {
        return new EvolveFiles(model, train, validation, eval, output, value, csv);
    }

    /** The same files read another way. */
    public EvolveFiles withCsv(CsvReading value) {
        return new EvolveFiles(model, train, validation, eval, output, report, value);
    }

    /** Where {@code evolve} writes when no output is named: MODEL.evolved.onnx in the working folder. */
    public static Path defaultOutput(Path model) {
        return OutputNames.of(model, ".evolved.onnx");
    }
}

package org.odf2nna.settings;

import java.nio.file.Path;

/**
 * The files of a file-level sweep, apart from its {@link SweepSettings}: what is read and what is written.
 *
 * @param model      the model to shrink (never written to)
 * @param train      training rows: units are scored and refitted on them, the pruned networks retrained on them
 * @param validation rows that judge the rounds (and pick the epochs), or null to hold out a share of {@code train}
 * @param test       rows the metrics are reported on (never used to choose), or null: a graph's sweep then reports
 *                   no such column; a dense chain's needs them (its table is measured on them)
 * @param output     where the chosen model goes
 * @param report     the JSON report, or null
 * @param chart      the chart's file base (".png" and ".svg" are added), or null
 * @param csv        how every CSV file is read
 */
public record SweepFiles(Path model, Path train, Path validation, Path test, Path output, Path report, Path chart,
        CsvReading csv) {

    public SweepFiles {
        Checks.present("model, train, output, csv", model, train, output, csv);
    }

    /** The model, training rows, test rows and output; no validation file, report or chart; CSV read by default. */
    public static SweepFiles of(Path model, Path train, Path test, Path output) {
        return new SweepFiles(model, train, null, test, output, null, null, CsvReading.DEFAULT);
    }

    /** The same files with validation rows of their own. */
    public SweepFiles withValidation(Path value) {
        return new SweepFiles(model, train, value, test, output, report, chart, csv);
    }

    /** The same files with a JSON report. */
    public SweepFiles withReport(Path value) {
        return new SweepFiles(model, train, validation, test, output, value, chart, csv);
    }

    /** The same files with a chart. */
    public SweepFiles withChart(Path value) {
        return new SweepFiles(model, train, validation, test, output, report, value, csv);
    }

    /** The same files read another way. */
    public SweepFiles withCsv(CsvReading value) {
        return new SweepFiles(model, train, validation, test, output, report, chart, value);
    }

    /** Where {@code sweep} writes its choice when no output is named: MODEL.chosen.onnx in the working folder. */
    public static Path defaultOutput(Path model) {
        return OutputNames.of(model, ".chosen.onnx");
    }
}

package org.odf2nna.settings;

import java.nio.file.Path;

/**
 * The files of run (Algorithm 1 end to end), apart from its {@link BuildSettings} and {@link SweepSettings}.
 *
 * @param train   labelled training rows: the general model is trained on them, and swept on them
 * @param test    rows the metrics are reported on (never used to choose)
 * @param general where the general model goes
 * @param output  where the chosen model goes
 * @param report  the JSON report, or null
 * @param chart   the chart's file base, or null
 * @param csv     how every CSV file is read
 */
public record RunFiles(Path train, Path test, Path general, Path output, Path report, Path chart, CsvReading csv) {

    public RunFiles {
        Checks.present("train, test, general, output, csv", train, test, general, output, csv);
    }

    /** The files building the general model reads and writes. */
    public BuildFiles build() {
        return new BuildFiles(train, general, csv);
    }

    /** Where {@code run} writes the chosen model when no output is named: TRAIN.small.onnx. */
    public static Path defaultOutput(Path train) {
        return OutputNames.of(train, ".small.onnx");
    }

    /** Where {@code run} keeps the general model: beside {@code output}, as OUTPUT.general.onnx. */
    public static Path defaultGeneral(Path output) {
        return output.resolveSibling(OutputNames.of(output, ".general.onnx").getFileName());
    }
}

package org.odf2nna.settings;

import java.nio.file.Path;

/**
 * The files of build, apart from its {@link BuildSettings}.
 *
 * @param train  labelled training rows (CSV)
 * @param output the ONNX file to write
 * @param csv    how the CSV file is read
 */
public record BuildFiles(Path train, Path output, CsvReading csv) {

    public BuildFiles {
        Checks.present("train, output, csv", train, output, csv);
    }

    /** Where {@code build} writes the general model when no output is named: TRAIN.general.onnx. */
    public static Path defaultOutput(Path train) {
        return OutputNames.of(train, ".general.onnx");
    }
}

package org.odf2nna.cli;

import java.nio.file.Path;
import picocli.CommandLine.Parameters;

/** The TRAIN argument of build and run: the rows the general model is built from. */
final class TrainArgument {

    @Parameters(index = "0", paramLabel = "TRAIN", description = "Labelled training rows (CSV with a header).")
    Path path;
}

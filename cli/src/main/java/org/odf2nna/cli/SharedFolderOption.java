package org.odf2nna.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** --shared, the folder of reference data and models beside the repository (bench, reproduce). */
final class SharedFolderOption {

    static final Path DEFAULT = Path.of("../shared");

    @Option(names = "--shared", paramLabel = "DIR",
            description = "The shared folder of reference data and models (default: ../shared): data/, "
                    + "data/splits/ and models/.")
    Path given;

    /** The folder: the one given, else {@link #DEFAULT}. */
    Path folder() {
        return given != null ? given : DEFAULT;
    }
}

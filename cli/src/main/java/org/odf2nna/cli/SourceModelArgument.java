package org.odf2nna.cli;

import java.nio.file.Path;
import picocli.CommandLine.Parameters;

/** The MODEL argument of convert and shrink: the model a new file is written from, left as it is. */
final class SourceModelArgument {

    @Parameters(index = "0", paramLabel = "MODEL",
            description = "ONNX model file, Keras file (.keras or .h5) or TensorFlow SavedModel directory; never "
                    + "modified.")
    Path path;
}

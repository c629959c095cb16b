package org.odf2nna.cli;

import java.nio.file.Path;
import picocli.CommandLine.Parameters;

/** The MODEL argument of eval, inspect and sweep: the model read. */
final class ModelArgument {

    @Parameters(index = "0", paramLabel = "MODEL",
            description = "ONNX model, Keras file (.keras or .h5) or TensorFlow SavedModel directory.")
    Path path;
}

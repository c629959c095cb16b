package org.odf2nna.cli;

import picocli.CommandLine.Option;
import org.odf2nna.settings.BuildSettings;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.settings.Task;

/** The shape and training length of the general model. */
final class BuildCliOptions {

    @Option(names = "--layers", paramLabel = "NL", defaultValue = "" + BuildSettings.DEFAULT_LAYERS,
            description = "Hidden layers of equal width (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--params", paramLabel = "NP",
            description = "Parameter budget NP of eq. 2 (default: the number of training rows).")
    Long params;

    @Option(names = "--units", paramLabel = "NU", description = "Use this width instead of eq. 2's.")
    Integer units;

    @Option(names = "--activation", paramLabel = "NAME", defaultValue = "relu",
            description = "Hidden activation: relu, tanh, sigmoid, elu, selu, leaky_relu, softplus "
                    + "(default: ${DEFAULT-VALUE}).")
    String activation;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "300",
            description = "Epochs at most; early stopping on the validation rows may end sooner "
                    + "(default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--build-patience", paramLabel = "N",
            description = "Stop building after N epochs without a better validation figure (default: a tenth of "
                    + "--epochs, at least 10).")
    Integer patience;

    /** The general model these flags ask for, trained with {@code adam}'s Adam settings, seed and validation share. */
    BuildSettings settings(RetrainSettings adam, Task task) {
        return Flags.built(() -> BuildSettings.builder().layers(layers).budget(params).units(units)
                .activation(BuildSettings.activation(activation)).epochs(epochs).patience(patience).adam(adam)
                .task(task).build());
    }
}
